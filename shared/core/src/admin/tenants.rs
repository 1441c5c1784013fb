use chrono::{DateTime, Utc};
use hotline_domain::{
    LineNumber, MergeMode, Role, TenantCode, TenantKind, TenantStatus, ValidationError, parse_calendar_ref, parse_name, parse_time_zone,
};
use hotline_store::entities::tenant;
use hotline_store::tenants::{self, TenantFilter};
use hotline_store::{Page, PageRequest};
use uuid::Uuid;

use super::parse_opt;
use crate::audit::{Entry, Outcome};
use crate::{Core, CoreError, CoreResult, Principal};

pub const DEFAULT_CALENDAR: &str = "cn-2026";
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

#[derive(Debug, Clone)]
pub struct TenantView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: TenantKind,
    pub merge_mode: Option<MergeMode>,
    pub numbers: Vec<String>,
    pub calendar: String,
    pub time_zone: String,
    pub status: TenantStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateTenant {
    pub code: String,
    pub name: String,
    pub merge_mode: String,
    pub numbers: Vec<String>,
    pub calendar: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateTenant {
    pub name: Option<String>,
    pub merge_mode: Option<String>,
    pub numbers: Option<Vec<String>>,
    pub calendar: Option<String>,
    pub time_zone: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TenantQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub merge_mode: Option<String>,
    pub q: Option<String>,
}

fn view(t: tenant::Model, numbers: Vec<String>) -> CoreResult<TenantView> {
    let corrupt = |e: ValidationError| CoreError::Internal(format!("tenant {}: {e}", t.id));
    Ok(TenantView {
        id: t.id,
        kind: TenantKind::parse(&t.kind).map_err(corrupt)?,
        merge_mode: t.merge_mode.as_deref().map(MergeMode::parse).transpose().map_err(corrupt)?,
        status: TenantStatus::parse(&t.status).map_err(corrupt)?,
        code: t.code,
        name: t.name,
        numbers,
        calendar: t.calendar,
        time_zone: t.time_zone,
        created_at: t.created_at,
        updated_at: t.updated_at,
    })
}

fn parse_numbers(numbers: &[String]) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::new();
    for (i, n) in numbers.iter().enumerate() {
        let parsed = LineNumber::parse(n).map_err(|e| e.at(format!("numbers[{i}]")))?;
        if out.contains(&parsed.as_str().to_owned()) {
            return Err(ValidationError::new(format!("numbers[{i}]"), "duplicate_number", format!("{n} is listed twice")));
        }
        out.push(parsed.as_str().to_owned());
    }
    if out.len() > 32 {
        return Err(ValidationError::new("numbers", "too_many", "a tenant has at most 32 numbers"));
    }
    Ok(out)
}

/// DOMAIN.md: an absorbed line has no number of its own any more.
fn check_numbers_fit_mode(mode: Option<MergeMode>, numbers: &[String]) -> Result<(), ValidationError> {
    if mode == Some(MergeMode::Absorbed) && !numbers.is_empty() {
        return Err(ValidationError::new(
            "numbers",
            "absorbed_line_has_no_number",
            "an absorbed line (整体并入) has no number of its own; use parallel to keep its number ringing",
        ));
    }
    Ok(())
}

impl Core {
    async fn tenant_view(&self, t: tenant::Model) -> CoreResult<TenantView> {
        let numbers = tenants::numbers_of(&self.store.db, &[t.id]).await?.remove(&t.id).unwrap_or_default();
        view(t, numbers)
    }

    /// Makes sure no other tenant already answers one of `numbers`.
    async fn check_numbers_free(&self, numbers: &[String], owner: Option<Uuid>) -> CoreResult<()> {
        for (i, n) in numbers.iter().enumerate() {
            if let Some(other) = tenants::find_by_number(&self.store.db, n).await?
                && Some(other) != owner
            {
                return Err(CoreError::conflict("number_taken", format!("numbers[{i}]: {n} already rings into another tenant")));
            }
        }
        Ok(())
    }

    pub async fn list_tenants(&self, p: &Principal, query: TenantQuery, page: PageRequest) -> CoreResult<Page<TenantView>> {
        let filter = TenantFilter {
            kind: parse_opt(query.kind.as_deref(), |s| TenantKind::parse(s).map(|k| k.as_str().to_owned()))?,
            status: parse_opt(query.status.as_deref(), |s| TenantStatus::parse(s).map(|k| k.as_str().to_owned()))?,
            merge_mode: parse_opt(query.merge_mode.as_deref(), |s| MergeMode::parse(s).map(|k| k.as_str().to_owned()))?,
            q: query.q.filter(|q| !q.is_empty()),
            only: (!p.is_city_wide()).then_some(p.tenant.id.0),
        };
        let page = tenants::list(&self.store.db, &filter, page).await?;
        let ids: Vec<Uuid> = page.items.iter().map(|t| t.id).collect();
        let mut numbers = tenants::numbers_of(&self.store.db, &ids).await?;
        let items = page.items.into_iter().map(|t| {
            let n = numbers.remove(&t.id).unwrap_or_default();
            view(t, n)
        });
        Ok(Page { items: items.collect::<CoreResult<_>>()?, next: page.next })
    }

    pub async fn get_tenant(&self, p: &Principal, code: &str) -> CoreResult<TenantView> {
        let t = self.visible_tenant(p, code).await?;
        self.tenant_view(t).await
    }

    pub async fn create_tenant(&self, p: &Principal, input: CreateTenant) -> CoreResult<TenantView> {
        if !(p.on_platform() && p.has(Role::CityAdmin)) {
            self.audit_denied(p, "tenant.create", &input.code, "not city_admin").await;
            return Err(CoreError::forbidden("only a city_admin creates tenant lines"));
        }
        let code = TenantCode::parse(&input.code)?;
        let mode = MergeMode::parse(&input.merge_mode)?;
        let numbers = parse_numbers(&input.numbers)?;
        check_numbers_fit_mode(Some(mode), &numbers)?;
        let calendar = parse_calendar_ref(input.calendar.as_deref().unwrap_or(DEFAULT_CALENDAR))?;
        let tz = parse_time_zone(input.time_zone.as_deref().unwrap_or(DEFAULT_TIME_ZONE))?;
        if tenants::find_by_code(&self.store.db, code.as_str()).await?.is_some() {
            return Err(CoreError::conflict("tenant_exists", format!("a tenant with code {code} exists")));
        }
        self.check_numbers_free(&numbers, None).await?;
        let now = self.now();
        let row = tenant::Model {
            id: Uuid::now_v7(),
            code: code.as_str().to_owned(),
            name: parse_name("name", &input.name, 128)?,
            kind: TenantKind::Line.as_str().to_owned(),
            merge_mode: Some(mode.as_str().to_owned()),
            calendar,
            time_zone: tz.name().to_owned(),
            status: TenantStatus::Active.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        };
        let txn = hotline_store::begin_write(&self.store.db).await?;
        tenants::insert(&txn, row.clone(), &numbers).await?;
        self.audit_on(&txn, Entry::by(p, "tenant.create", code.as_str(), Outcome::Success).tenant(Some(row.id))).await?;
        txn.commit().await?;
        self.org_changed().await;
        view(row, numbers)
    }

    pub async fn update_tenant(&self, p: &Principal, code: &str, input: UpdateTenant) -> CoreResult<TenantView> {
        let mut t = self.visible_tenant(p, code).await?;
        if !(p.on_platform() && p.has(Role::CityAdmin)) {
            self.audit_denied(p, "tenant.update", code, "not city_admin").await;
            return Err(CoreError::forbidden("only a city_admin changes tenant lines"));
        }
        let platform = t.kind == TenantKind::Platform.as_str();
        let mut changes: Vec<&str> = Vec::new();
        if let Some(name) = &input.name {
            t.name = parse_name("name", name, 128)?;
            changes.push("name");
        }
        if let Some(mode) = &input.merge_mode {
            if platform {
                return Err(ValidationError::new("merge_mode", "not_for_platform", "the city platform has no merge mode").into());
            }
            t.merge_mode = Some(MergeMode::parse(mode)?.as_str().to_owned());
            changes.push("merge_mode");
        }
        if let Some(cal) = &input.calendar {
            t.calendar = parse_calendar_ref(cal)?;
            changes.push("calendar");
        }
        if let Some(tz) = &input.time_zone {
            t.time_zone = parse_time_zone(tz)?.name().to_owned();
            changes.push("time_zone");
        }
        if let Some(status) = &input.status {
            let status = TenantStatus::parse(status)?;
            if platform && status != TenantStatus::Active {
                return Err(ValidationError::new("status", "not_for_platform", "the city platform cannot be suspended or retired").into());
            }
            t.status = status.as_str().to_owned();
            changes.push("status");
        }
        let current = tenants::numbers_of(&self.store.db, &[t.id]).await?.remove(&t.id).unwrap_or_default();
        let numbers = match &input.numbers {
            Some(n) => {
                changes.push("numbers");
                parse_numbers(n)?
            }
            None => current,
        };
        let mode = t.merge_mode.as_deref().map(MergeMode::parse).transpose()?;
        check_numbers_fit_mode(mode, &numbers)?;
        self.check_numbers_free(&numbers, Some(t.id)).await?;
        t.updated_at = self.now();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        tenants::update(&txn, t.clone()).await?;
        if input.numbers.is_some() {
            tenants::replace_numbers(&txn, t.id, &numbers, t.updated_at).await?;
        }
        let entry = Entry::by(p, "tenant.update", code, Outcome::Success).tenant(Some(t.id)).detail(changes.join(","));
        self.audit_on(&txn, entry).await?;
        txn.commit().await?;
        self.org_changed().await;
        view(t, numbers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised_and_unique() {
        assert_eq!(parse_numbers(&["0591-12319".into(), "12319".into()]).unwrap(), vec!["059112319", "12319"]);
        let err = parse_numbers(&["12319".into(), "123 19".into()]).unwrap_err();
        assert_eq!((err.field.as_str(), err.code), ("numbers[1]", "duplicate_number"));
        assert_eq!(parse_numbers(&["12a".into()]).unwrap_err().field, "numbers[0]");
    }

    #[test]
    fn absorbed_lines_have_no_number() {
        assert!(check_numbers_fit_mode(Some(MergeMode::Absorbed), &["12319".into()]).is_err());
        assert!(check_numbers_fit_mode(Some(MergeMode::Absorbed), &[]).is_ok());
        assert!(check_numbers_fit_mode(Some(MergeMode::Parallel), &["12319".into()]).is_ok());
    }
}

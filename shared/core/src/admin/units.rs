use chrono::{DateTime, Utc};
use hotline_domain::{District, Role, TenantKind, UnitKind, UnitStatus, ValidationError, parse_name, unit::check_fallback};
use hotline_store::entities::{tenant, unit};
use hotline_store::units::{self, UnitFilter};
use hotline_store::{Page, PageRequest};
use uuid::Uuid;

use super::{parse_id, parse_opt};
use crate::audit::{Entry, Outcome};
use crate::{Core, CoreError, CoreResult, Principal};

#[derive(Debug, Clone)]
pub struct UnitView {
    pub id: Uuid,
    pub tenant_code: String,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub kind: UnitKind,
    pub district: Option<String>,
    pub is_district_fallback: bool,
    pub status: UnitStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateUnit {
    pub name: String,
    pub kind: String,
    pub parent_id: Option<String>,
    pub district: Option<String>,
    pub is_district_fallback: bool,
}

/// `None` leaves a field as it is; for nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UpdateUnit {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub parent_id: Option<Option<String>>,
    pub district: Option<Option<String>>,
    pub is_district_fallback: Option<bool>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UnitQuery {
    pub kind: Option<String>,
    pub district: Option<String>,
    pub parent_id: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
}

fn view(code: &str, u: unit::Model) -> CoreResult<UnitView> {
    let corrupt = |e: ValidationError| CoreError::Internal(format!("unit {}: {e}", u.id));
    Ok(UnitView {
        id: u.id,
        tenant_code: code.to_owned(),
        parent_id: u.parent_id,
        kind: UnitKind::parse(&u.kind).map_err(corrupt)?,
        status: UnitStatus::parse(&u.status).map_err(corrupt)?,
        name: u.name,
        district: u.district,
        is_district_fallback: u.is_district_fallback,
        created_at: u.created_at,
        updated_at: u.updated_at,
    })
}

/// Units belong to lines. Reading them is open to the line's staff and integrators (routing
/// needs them); citizens never see the organisation's inside.
const UNIT_READERS: &[Role] = &[
    Role::CityAdmin,
    Role::CitySupervisor,
    Role::Agent,
    Role::Dispatcher,
    Role::TenantAdmin,
    Role::UnitLead,
    Role::UnitHandler,
    Role::Auditor,
    Role::Integrator,
];

impl Core {
    async fn line_of(&self, p: &Principal, code: &str) -> CoreResult<tenant::Model> {
        let t = self.visible_tenant(p, code).await?;
        if t.kind != TenantKind::Line.as_str() {
            return Err(CoreError::NotFound("tenant line"));
        }
        Ok(t)
    }

    async fn parent_in(&self, t: &tenant::Model, parent: &str) -> CoreResult<Uuid> {
        let id = parse_id("parent_id", parent)?;
        match units::find(&self.store.db, t.id, id).await? {
            Some(_) => Ok(id),
            None => Err(ValidationError::new("parent_id", "unknown_unit", "the parent unit does not exist in this line").into()),
        }
    }

    async fn check_fallback_free(&self, t: &tenant::Model, district: &str, except: Option<Uuid>) -> CoreResult<()> {
        if let Some(existing) = units::fallback_for(&self.store.db, t.id, district).await?
            && Some(existing.id) != except
        {
            return Err(CoreError::conflict("fallback_exists", format!("{} is already the fallback unit of {district}", existing.name)));
        }
        Ok(())
    }

    pub async fn list_units(&self, p: &Principal, code: &str, query: UnitQuery, page: PageRequest) -> CoreResult<Page<UnitView>> {
        let t = self.line_of(p, code).await?;
        self.require(p, "unit.read", code, UNIT_READERS).await?;
        let filter = UnitFilter {
            kind: parse_opt(query.kind.as_deref(), |s| UnitKind::parse(s).map(|k| k.as_str().to_owned()))?,
            district: query.district.filter(|d| !d.is_empty()),
            parent_id: parse_opt(query.parent_id.as_deref(), |s| parse_id("parent_id", s))?,
            status: parse_opt(query.status.as_deref(), |s| UnitStatus::parse(s).map(|k| k.as_str().to_owned()))?,
            q: query.q.filter(|q| !q.is_empty()),
        };
        let page = units::list(&self.store.db, t.id, &filter, page).await?;
        Ok(Page { items: page.items.into_iter().map(|u| view(&t.code, u)).collect::<CoreResult<_>>()?, next: page.next })
    }

    pub async fn get_unit(&self, p: &Principal, code: &str, id: &str) -> CoreResult<UnitView> {
        let t = self.line_of(p, code).await?;
        self.require(p, "unit.read", code, UNIT_READERS).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("unit"))?;
        let u = units::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("unit"))?;
        view(&t.code, u)
    }

    pub async fn create_unit(&self, p: &Principal, code: &str, input: CreateUnit) -> CoreResult<UnitView> {
        let t = self.line_of(p, code).await?;
        self.require_admin_of(p, "unit.create", &t).await?;
        let name = parse_name("name", &input.name, 128)?;
        let kind = UnitKind::parse(&input.kind)?;
        let district = input.district.as_deref().filter(|d| !d.trim().is_empty()).map(District::parse).transpose()?;
        check_fallback(kind, district.as_ref(), input.is_district_fallback)?;
        let parent_id = match &input.parent_id {
            Some(parent) => Some(self.parent_in(&t, parent).await?),
            None => None,
        };
        if input.is_district_fallback
            && let Some(d) = &district
        {
            self.check_fallback_free(&t, d.as_str(), None).await?;
        }
        let now = self.now();
        let row = unit::Model {
            id: Uuid::now_v7(),
            tenant_id: t.id,
            parent_id,
            name,
            kind: kind.as_str().to_owned(),
            district: district.map(|d| d.as_str().to_owned()),
            is_district_fallback: input.is_district_fallback,
            status: UnitStatus::Active.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        };
        let txn = hotline_store::begin_write(&self.store.db).await?;
        units::insert(&txn, row.clone()).await.map_err(|e| unit_conflict(e, &row.name))?;
        self.audit_on(&txn, Entry::by(p, "unit.create", &row.id.to_string(), Outcome::Success).tenant(Some(t.id)).detail(row.name.clone()))
            .await?;
        txn.commit().await?;
        self.org_changed().await;
        view(&t.code, row)
    }

    pub async fn update_unit(&self, p: &Principal, code: &str, id: &str, input: UpdateUnit) -> CoreResult<UnitView> {
        let t = self.line_of(p, code).await?;
        self.require_admin_of(p, "unit.update", &t).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("unit"))?;
        let mut u = units::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("unit"))?;
        if let Some(name) = &input.name {
            u.name = parse_name("name", name, 128)?;
        }
        if let Some(kind) = &input.kind {
            u.kind = UnitKind::parse(kind)?.as_str().to_owned();
        }
        if let Some(district) = &input.district {
            let d = district.as_deref().filter(|d| !d.trim().is_empty()).map(District::parse).transpose()?;
            u.district = d.map(|d| d.as_str().to_owned());
        }
        if let Some(fallback) = input.is_district_fallback {
            u.is_district_fallback = fallback;
        }
        if let Some(status) = &input.status {
            u.status = UnitStatus::parse(status)?.as_str().to_owned();
        }
        if let Some(parent) = &input.parent_id {
            u.parent_id = match parent {
                Some(parent) => {
                    let pid = self.parent_in(&t, parent).await?;
                    self.check_no_cycle(&t, u.id, pid).await?;
                    Some(pid)
                }
                None => None,
            };
        }
        let kind = UnitKind::parse(&u.kind)?;
        let district = u.district.as_deref().map(District::parse).transpose()?;
        check_fallback(kind, district.as_ref(), u.is_district_fallback)?;
        if u.is_district_fallback
            && let Some(d) = &district
        {
            self.check_fallback_free(&t, d.as_str(), Some(u.id)).await?;
        }
        u.updated_at = self.now();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        units::update(&txn, u.clone()).await.map_err(|e| unit_conflict(e, &u.name))?;
        self.audit_on(&txn, Entry::by(p, "unit.update", &u.id.to_string(), Outcome::Success).tenant(Some(t.id))).await?;
        txn.commit().await?;
        self.org_changed().await;
        view(&t.code, u)
    }

    /// A unit cannot sit below itself: the escalation path must end.
    async fn check_no_cycle(&self, t: &tenant::Model, unit: Uuid, new_parent: Uuid) -> CoreResult<()> {
        if unit == new_parent || units::ancestors(&self.store.db, t.id, new_parent).await?.iter().any(|a| a.id == unit) {
            return Err(ValidationError::new("parent_id", "cycle", "a unit cannot be placed below itself or one of its sub-units").into());
        }
        Ok(())
    }
}

fn unit_conflict(e: hotline_store::StoreError, name: &str) -> CoreError {
    match e {
        hotline_store::StoreError::Conflict(_) => CoreError::conflict("unit_exists", format!("a unit named {name} exists in this line")),
        other => other.into(),
    }
}

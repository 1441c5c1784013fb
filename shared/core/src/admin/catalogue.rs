//! A line's dispatch catalogue (派单目录): the categories its cases are classified under and
//! that integrators see as Open311 services. The line's admins keep it; its staff read it.

use chrono::{DateTime, Utc};
use hotline_domain::open311::check_category_code;
use hotline_domain::{Role, ValidationError, parse_name};
use hotline_store::catalogue;
use hotline_store::entities::service_category;
use uuid::Uuid;

use super::parse_id;
use crate::audit::{Entry, Outcome};
use crate::{Core, CoreError, CoreResult, Principal};

#[derive(Debug, Clone, Default)]
pub struct CategoryInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Comma-separated words that help citizens find the category.
    pub keywords: Option<String>,
    pub active: Option<bool>,
    pub sort_order: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct CategoryView {
    pub id: Uuid,
    pub tenant_code: String,
    pub code: String,
    /// The Open311 service code: `<line code>-<code>`.
    pub service_code: String,
    pub name: String,
    pub description: Option<String>,
    pub keywords: Option<String>,
    pub active: bool,
    pub sort_order: i32,
    pub updated_at: DateTime<Utc>,
}

fn view(tenant_code: &str, r: service_category::Model) -> CategoryView {
    CategoryView {
        id: r.id,
        tenant_code: tenant_code.to_owned(),
        service_code: hotline_domain::open311::service_code(tenant_code, &r.code),
        code: r.code,
        name: r.name,
        description: r.description,
        keywords: r.keywords,
        active: r.active,
        sort_order: r.sort_order,
        updated_at: r.updated_at,
    }
}

fn optional_text(field: &str, v: Option<String>, max: usize) -> Result<Option<String>, ValidationError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > max => Err(ValidationError::new(field, "too_long", format!("{field} has at most {max} characters"))),
        Some(s) if s.chars().any(|c| c.is_control() && c != '\n') => {
            Err(ValidationError::new(field, "invalid_characters", format!("{field} may not contain control characters")))
        }
        Some(s) => Ok(Some(s.to_owned())),
    }
}

fn apply(row: &mut service_category::Model, input: CategoryInput) -> Result<(), ValidationError> {
    if let Some(name) = input.name {
        row.name = parse_name("name", &name, 64)?;
    }
    if input.description.is_some() {
        row.description = optional_text("description", input.description, 2000)?;
    }
    if input.keywords.is_some() {
        row.keywords = optional_text("keywords", input.keywords, 500)?;
    }
    if let Some(a) = input.active {
        row.active = a;
    }
    if let Some(s) = input.sort_order {
        if !(0..=100_000).contains(&s) {
            return Err(ValidationError::new("sort_order", "out_of_range", "sort_order is 0 to 100000"));
        }
        row.sort_order = s;
    }
    Ok(())
}

/// Same code or same name in one line: say which.
fn duplicate(e: CoreError) -> CoreError {
    match e {
        CoreError::Conflict { .. } => {
            CoreError::conflict("duplicate_category", "this line already has a category with this code or this name")
        }
        other => other,
    }
}

impl Core {
    /// The line's catalogue, inactive entries included (its staff, the city office, integrators).
    pub async fn list_categories(&self, p: &Principal, code: &str) -> CoreResult<Vec<CategoryView>> {
        let t = self.visible_tenant(p, code).await?;
        self.require(
            p,
            "category.read",
            code,
            &[Role::CityAdmin, Role::CitySupervisor, Role::TenantAdmin, Role::Agent, Role::Dispatcher, Role::Auditor, Role::Integrator],
        )
        .await?;
        let rows = catalogue::list(&self.store.db, &[t.id], true).await?;
        Ok(rows.into_iter().map(|r| view(&t.code, r)).collect())
    }

    /// Adds a category (city admin, or the line's tenant admin); audited.
    pub async fn create_category(&self, p: &Principal, code: &str, input: CategoryInput) -> CoreResult<CategoryView> {
        let t = self.visible_tenant(p, code).await?;
        self.require_admin_of(p, "category.create", &t).await?;
        let now = self.now();
        let cat_code = check_category_code(input.code.as_deref().unwrap_or_default())?;
        let name = input.name.clone().ok_or_else(|| ValidationError::new("name", "required", "a category needs a name"))?;
        let mut row = service_category::Model {
            id: Uuid::now_v7(),
            tenant_id: t.id,
            code: cat_code,
            name: parse_name("name", &name, 64)?,
            description: None,
            keywords: None,
            active: true,
            sort_order: 0,
            created_at: now,
            updated_at: now,
        };
        apply(&mut row, input)?;
        let txn = hotline_store::begin_write(&self.store.db).await?;
        catalogue::insert(&txn, row.clone()).await.map_err(|e| duplicate(e.into()))?;
        self.audit_on(&txn, Entry::by(p, "category.create", &t.code, Outcome::Success).tenant(Some(t.id)).detail(row.code.clone())).await?;
        txn.commit().await?;
        Ok(view(&t.code, row))
    }

    /// Renames, describes, reorders or retires a category. The code stays: integrators hold it.
    pub async fn update_category(&self, p: &Principal, code: &str, id: &str, input: CategoryInput) -> CoreResult<CategoryView> {
        let t = self.visible_tenant(p, code).await?;
        self.require_admin_of(p, "category.update", &t).await?;
        let id = parse_id("id", id)?;
        let mut row = catalogue::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("category"))?;
        if input.code.as_deref().is_some_and(|c| c != row.code) {
            return Err(
                ValidationError::new("code", "immutable", "a category's code cannot change: integrators file requests under it").into()
            );
        }
        apply(&mut row, input)?;
        row.updated_at = self.now();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        catalogue::update(&txn, row.clone()).await.map_err(|e| duplicate(e.into()))?;
        self.audit_on(&txn, Entry::by(p, "category.update", &t.code, Outcome::Success).tenant(Some(t.id)).detail(row.code.clone())).await?;
        txn.commit().await?;
        Ok(view(&t.code, row))
    }
}

//! The city platform and its lines. Tenants are global rows (the tenant *is* the scope), so
//! these functions take no tenant; visibility is decided in hotline-core.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use crate::entities::{tenant, tenant_number};
use crate::{Page, PageRequest, StoreResult};

#[derive(Debug, Clone, Default)]
pub struct TenantFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub merge_mode: Option<String>,
    /// Substring of the name or code.
    pub q: Option<String>,
    /// Restrict to one tenant (a line's own staff see only their line).
    pub only: Option<Uuid>,
}

pub async fn insert(db: &impl ConnectionTrait, row: tenant::Model, numbers: &[String]) -> StoreResult<()> {
    let created = row.created_at;
    let id = row.id;
    tenant::Entity::insert(tenant::ActiveModel::from(row)).exec_without_returning(db).await?;
    add_numbers(db, id, numbers, created).await
}

async fn add_numbers(db: &impl ConnectionTrait, tenant: Uuid, numbers: &[String], at: chrono::DateTime<chrono::Utc>) -> StoreResult<()> {
    if numbers.is_empty() {
        return Ok(());
    }
    let rows = numbers.iter().map(|n| tenant_number::ActiveModel { number: Set(n.clone()), tenant_id: Set(tenant), created_at: Set(at) });
    tenant_number::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// Replaces the numbers that ring into `tenant`.
pub async fn replace_numbers(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    numbers: &[String],
    at: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    tenant_number::Entity::delete_many().filter(tenant_number::Column::TenantId.eq(tenant)).exec(db).await?;
    add_numbers(db, tenant, numbers, at).await
}

pub async fn update(db: &impl ConnectionTrait, row: tenant::Model) -> StoreResult<()> {
    let mut am: tenant::ActiveModel = row.into();
    am = sea_orm::ActiveModelTrait::reset_all(am);
    tenant::Entity::update(am).exec(db).await?;
    Ok(())
}

pub async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> StoreResult<Option<tenant::Model>> {
    Ok(tenant::Entity::find().filter(tenant::Column::Code.eq(code)).one(db).await?)
}

pub async fn find_by_id(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<tenant::Model>> {
    Ok(tenant::Entity::find_by_id(id).one(db).await?)
}

/// The tenant a number rings into, if any.
pub async fn find_by_number(db: &impl ConnectionTrait, number: &str) -> StoreResult<Option<Uuid>> {
    Ok(tenant_number::Entity::find_by_id(number.to_owned()).one(db).await?.map(|n| n.tenant_id))
}

pub async fn numbers_of(db: &impl ConnectionTrait, tenants: &[Uuid]) -> StoreResult<HashMap<Uuid, Vec<String>>> {
    let rows = tenant_number::Entity::find()
        .filter(tenant_number::Column::TenantId.is_in(tenants.iter().copied()))
        .order_by_asc(tenant_number::Column::Number)
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<String>> = HashMap::new();
    for r in rows {
        map.entry(r.tenant_id).or_default().push(r.number);
    }
    Ok(map)
}

pub async fn list(db: &impl ConnectionTrait, filter: &TenantFilter, page: PageRequest) -> StoreResult<Page<tenant::Model>> {
    let mut q = tenant::Entity::find();
    if let Some(kind) = &filter.kind {
        q = q.filter(tenant::Column::Kind.eq(kind.as_str()));
    }
    if let Some(status) = &filter.status {
        q = q.filter(tenant::Column::Status.eq(status.as_str()));
    }
    if let Some(mode) = &filter.merge_mode {
        q = q.filter(tenant::Column::MergeMode.eq(mode.as_str()));
    }
    if let Some(text) = &filter.q {
        q = q.filter(
            sea_orm::Condition::any().add(tenant::Column::Name.contains(text.as_str())).add(tenant::Column::Code.contains(text.as_str())),
        );
    }
    if let Some(only) = filter.only {
        q = q.filter(tenant::Column::Id.eq(only));
    }
    if let Some(after) = page.after {
        q = q.filter(tenant::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(tenant::Column::Id).limit(page.limit + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id))
}

pub async fn count(db: &impl ConnectionTrait) -> StoreResult<u64> {
    Ok(tenant::Entity::find().count(db).await?)
}

/// Every tenant, whatever its status, by code (a whole-platform export).
pub async fn all(db: &impl ConnectionTrait) -> StoreResult<Vec<tenant::Model>> {
    Ok(tenant::Entity::find().order_by_asc(tenant::Column::Code).all(db).await?)
}

/// Every active tenant (a city has tens, not thousands), by code.
pub async fn all_active(db: &impl ConnectionTrait) -> StoreResult<Vec<tenant::Model>> {
    Ok(tenant::Entity::find().filter(tenant::Column::Status.eq("active")).order_by_asc(tenant::Column::Code).all(db).await?)
}

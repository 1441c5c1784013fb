//! Integrator API keys, scoped to one tenant.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::api_key;
use crate::{Page, PageRequest, StoreResult};

pub async fn insert(db: &impl ConnectionTrait, row: api_key::Model) -> StoreResult<()> {
    api_key::Entity::insert(api_key::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

/// Finds a key by its public prefix (for authentication; the caller compares the hash).
pub async fn find_by_prefix(db: &impl ConnectionTrait, prefix: &str) -> StoreResult<Option<api_key::Model>> {
    Ok(api_key::Entity::find().filter(api_key::Column::Prefix.eq(prefix)).one(db).await?)
}

pub async fn find(db: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> StoreResult<Option<api_key::Model>> {
    Ok(api_key::Entity::find_by_id(id).filter(api_key::Column::TenantId.eq(tenant)).one(db).await?)
}

pub async fn list(db: &impl ConnectionTrait, tenant: Uuid, page: PageRequest) -> StoreResult<Page<api_key::Model>> {
    let mut q = api_key::Entity::find().filter(api_key::Column::TenantId.eq(tenant));
    if let Some(after) = page.after {
        q = q.filter(api_key::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(api_key::Column::Id).limit(page.limit + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id))
}

/// Revokes a key; `false` when there is no such key in this tenant or it was already revoked.
pub async fn revoke(db: &impl ConnectionTrait, tenant: Uuid, id: Uuid, at: DateTime<Utc>) -> StoreResult<bool> {
    let res = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(at))
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::TenantId.eq(tenant))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn touch(db: &impl ConnectionTrait, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
    api_key::Entity::update_many()
        .col_expr(api_key::Column::LastUsedAt, Expr::value(at))
        .filter(api_key::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

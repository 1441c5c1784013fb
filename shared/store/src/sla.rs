//! Per-tenant time-limit overrides.

use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::sla_policy;

pub async fn find(db: &impl ConnectionTrait, tenant: Uuid) -> StoreResult<Option<sla_policy::Model>> {
    Ok(sla_policy::Entity::find_by_id(tenant).one(db).await?)
}

/// Replaces the tenant's overrides (one row per tenant) in one statement. A look first and a
/// write after would, inside a transaction on SQLite, take the write lock late: two
/// administrators saving at once would then get "database is locked" instead of waiting.
pub async fn save(db: &impl ConnectionTrait, row: sla_policy::Model) -> StoreResult<()> {
    use sea_orm::sea_query::OnConflict;
    use sla_policy::Column;
    sla_policy::Entity::insert(sla_policy::ActiveModel::from(row))
        .on_conflict(
            OnConflict::column(Column::TenantId).update_columns([Column::Entries, Column::UpdatedAt, Column::UpdatedBy]).to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

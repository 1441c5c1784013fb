//! Per-tenant time-limit overrides.

use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::sla_policy;

pub async fn find(db: &impl ConnectionTrait, tenant: Uuid) -> StoreResult<Option<sla_policy::Model>> {
    Ok(sla_policy::Entity::find_by_id(tenant).one(db).await?)
}

/// Replaces the tenant's overrides (one row per tenant).
pub async fn save(db: &impl ConnectionTrait, row: sla_policy::Model) -> StoreResult<()> {
    let tenant = row.tenant_id;
    if find(db, tenant).await?.is_some() {
        let am = sea_orm::ActiveModelTrait::reset_all(sla_policy::ActiveModel::from(row));
        sla_policy::Entity::update(am).exec(db).await?;
    } else {
        sla_policy::Entity::insert(sla_policy::ActiveModel::from(row)).exec_without_returning(db).await?;
    }
    Ok(())
}

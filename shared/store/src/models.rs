//! Learned routing models (issue 8): numbered versions per tenant, written by the worker.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::routing_model::{self, Column};

/// A version without its (large) model text.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct Head {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub version: i32,
    pub data_version: String,
    pub examples: i32,
    pub labels: i32,
    pub features: i32,
    pub trained_at: chrono::DateTime<chrono::Utc>,
}

fn heads() -> sea_orm::Select<routing_model::Entity> {
    routing_model::Entity::find().select_only().columns([
        Column::Id,
        Column::TenantId,
        Column::Version,
        Column::DataVersion,
        Column::Examples,
        Column::Labels,
        Column::Features,
        Column::TrainedAt,
    ])
}

/// The newest version of a tenant's model.
pub async fn latest(db: &impl ConnectionTrait, tenant: Uuid) -> StoreResult<Option<Head>> {
    Ok(heads().filter(Column::TenantId.eq(tenant)).order_by_desc(Column::Version).into_model::<Head>().one(db).await?)
}

/// A tenant's versions, newest first.
pub async fn versions(db: &impl ConnectionTrait, tenant: Uuid) -> StoreResult<Vec<Head>> {
    Ok(heads().filter(Column::TenantId.eq(tenant)).order_by_desc(Column::Version).into_model::<Head>().all(db).await?)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<routing_model::Model>> {
    Ok(routing_model::Entity::find_by_id(id).one(db).await?)
}

/// Stores a new version; a version number another worker stored first is a `Conflict`.
pub async fn insert(db: &impl ConnectionTrait, row: routing_model::Model) -> StoreResult<()> {
    routing_model::Entity::insert(routing_model::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

/// Drops the versions older than `keep_from`.
pub async fn prune(db: &impl ConnectionTrait, tenant: Uuid, keep_from: i32) -> StoreResult<u64> {
    let r = routing_model::Entity::delete_many().filter(Column::TenantId.eq(tenant)).filter(Column::Version.lt(keep_from)).exec(db).await?;
    Ok(r.rows_affected)
}

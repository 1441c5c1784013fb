//! Handling units of a tenant line. Every function is scoped by the tenant.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::unit;
use crate::{Page, PageRequest, StoreResult};

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub kind: Option<String>,
    pub district: Option<String>,
    pub parent_id: Option<Uuid>,
    pub status: Option<String>,
    pub q: Option<String>,
}

pub async fn insert(db: &impl ConnectionTrait, row: unit::Model) -> StoreResult<()> {
    unit::Entity::insert(unit::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update(db: &impl ConnectionTrait, row: unit::Model) -> StoreResult<()> {
    let am = sea_orm::ActiveModelTrait::reset_all(unit::ActiveModel::from(row));
    let tenant = am_tenant(&am);
    unit::Entity::update(am).validate()?.filter(unit::Column::TenantId.eq(tenant)).exec(db).await?;
    Ok(())
}

fn am_tenant(am: &unit::ActiveModel) -> Uuid {
    *am.tenant_id.as_ref()
}

pub async fn find(db: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> StoreResult<Option<unit::Model>> {
    Ok(unit::Entity::find_by_id(id).filter(unit::Column::TenantId.eq(tenant)).one(db).await?)
}

/// The district government marked as fallback for `district` in this line.
pub async fn fallback_for(db: &impl ConnectionTrait, tenant: Uuid, district: &str) -> StoreResult<Option<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::TenantId.eq(tenant))
        .filter(unit::Column::District.eq(district))
        .filter(unit::Column::IsDistrictFallback.eq(true))
        .one(db)
        .await?)
}

/// The chain of parents above `id`, nearest first (escalation path). Stops at a repeated id
/// so a corrupt cycle cannot loop forever.
pub async fn ancestors(db: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> StoreResult<Vec<unit::Model>> {
    let mut chain: Vec<unit::Model> = Vec::new();
    let mut next = find(db, tenant, id).await?.and_then(|u| u.parent_id);
    while let Some(parent) = next {
        if parent == id || chain.iter().any(|u| u.id == parent) {
            break;
        }
        let Some(p) = find(db, tenant, parent).await? else { break };
        next = p.parent_id;
        chain.push(p);
    }
    Ok(chain)
}

pub async fn list(db: &impl ConnectionTrait, tenant: Uuid, filter: &UnitFilter, page: PageRequest) -> StoreResult<Page<unit::Model>> {
    let mut q = unit::Entity::find().filter(unit::Column::TenantId.eq(tenant));
    if let Some(kind) = &filter.kind {
        q = q.filter(unit::Column::Kind.eq(kind.as_str()));
    }
    if let Some(district) = &filter.district {
        q = q.filter(unit::Column::District.eq(district.as_str()));
    }
    if let Some(parent) = filter.parent_id {
        q = q.filter(unit::Column::ParentId.eq(parent));
    }
    if let Some(status) = &filter.status {
        q = q.filter(unit::Column::Status.eq(status.as_str()));
    }
    if let Some(text) = &filter.q {
        q = q.filter(unit::Column::Name.contains(text.as_str()));
    }
    if let Some(after) = page.after {
        q = q.filter(unit::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(unit::Column::Id).limit(page.limit + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id))
}

/// A unit by id in any line: for dispatch across lines, where the dispatcher names units of
/// other tenants on purpose (joint handling), and for checking reported units.
pub async fn find_any(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<unit::Model>> {
    Ok(unit::Entity::find_by_id(id).one(db).await?)
}

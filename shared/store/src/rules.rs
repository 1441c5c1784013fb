//! Rule-set versions per tenant and stored routing decisions.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::{routing_decision, rule_set};
use crate::{Page, PageRequest, StoreResult};

pub async fn insert(db: &impl ConnectionTrait, row: rule_set::Model) -> StoreResult<()> {
    rule_set::Entity::insert(rule_set::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update(db: &impl ConnectionTrait, row: rule_set::Model) -> StoreResult<()> {
    let tenant = row.tenant_id;
    let am = sea_orm::ActiveModelTrait::reset_all(rule_set::ActiveModel::from(row));
    rule_set::Entity::update(am).validate()?.filter(rule_set::Column::TenantId.eq(tenant)).exec(db).await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> StoreResult<Option<rule_set::Model>> {
    Ok(rule_set::Entity::find_by_id(id).filter(rule_set::Column::TenantId.eq(tenant)).one(db).await?)
}

/// The published (active) version of a tenant, if any.
pub async fn published(db: &impl ConnectionTrait, tenant: Uuid) -> StoreResult<Option<rule_set::Model>> {
    Ok(rule_set::Entity::find()
        .filter(rule_set::Column::TenantId.eq(tenant))
        .filter(rule_set::Column::Status.eq("published"))
        .one(db)
        .await?)
}

/// Every published version (one per tenant), for warming the cache.
pub async fn all_published(db: &impl ConnectionTrait) -> StoreResult<Vec<rule_set::Model>> {
    Ok(rule_set::Entity::find().filter(rule_set::Column::Status.eq("published")).all(db).await?)
}

pub async fn next_version(db: &impl ConnectionTrait, tenant: Uuid) -> StoreResult<i32> {
    let last =
        rule_set::Entity::find().filter(rule_set::Column::TenantId.eq(tenant)).order_by_desc(rule_set::Column::Version).one(db).await?;
    Ok(last.map(|r| r.version + 1).unwrap_or(1))
}

/// Marks the tenant's published version superseded (before another is published).
pub async fn supersede(db: &impl ConnectionTrait, tenant: Uuid) -> StoreResult<()> {
    rule_set::Entity::update_many()
        .col_expr(rule_set::Column::Status, Expr::value("superseded"))
        .filter(rule_set::Column::TenantId.eq(tenant))
        .filter(rule_set::Column::Status.eq("published"))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn list(db: &impl ConnectionTrait, tenant: Uuid, page: PageRequest) -> StoreResult<Page<rule_set::Model>> {
    let mut q = rule_set::Entity::find().filter(rule_set::Column::TenantId.eq(tenant));
    if let Some(after) = page.after {
        q = q.filter(rule_set::Column::Id.lt(after));
    }
    let rows = q.order_by_desc(rule_set::Column::Id).limit(page.limit + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id))
}

pub async fn insert_decision(db: &impl ConnectionTrait, row: routing_decision::Model) -> StoreResult<()> {
    routing_decision::Entity::insert(routing_decision::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

/// Decisions about a case, oldest first.
pub async fn decisions(db: &impl ConnectionTrait, case_id: Uuid) -> StoreResult<Vec<routing_decision::Model>> {
    Ok(routing_decision::Entity::find()
        .filter(routing_decision::Column::CaseId.eq(case_id))
        .order_by_asc(routing_decision::Column::Id)
        .all(db)
        .await?)
}

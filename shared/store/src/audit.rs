//! The append-only audit log.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::audit_event;
use crate::{Page, PageRequest, StoreResult};

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// `None` = every tenant (city auditors), including events with no tenant (failed logins
    /// of unknown users).
    pub tenant: Option<Uuid>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub actor_id: Option<Uuid>,
}

pub async fn insert(db: &impl ConnectionTrait, row: audit_event::Model) -> StoreResult<()> {
    audit_event::Entity::insert(audit_event::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

/// Newest first; `page.after` is the last id seen (the next page holds older events).
pub async fn list(db: &impl ConnectionTrait, filter: &AuditFilter, page: PageRequest) -> StoreResult<Page<audit_event::Model>> {
    let mut q = audit_event::Entity::find();
    if let Some(t) = filter.tenant {
        q = q.filter(audit_event::Column::TenantId.eq(t));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_event::Column::Action.eq(a.as_str()));
    }
    if let Some(o) = &filter.outcome {
        q = q.filter(audit_event::Column::Outcome.eq(o.as_str()));
    }
    if let Some(actor) = filter.actor_id {
        q = q.filter(audit_event::Column::ActorId.eq(actor));
    }
    if let Some(before) = page.after {
        q = q.filter(audit_event::Column::Id.lt(before));
    }
    let rows = q.order_by_desc(audit_event::Column::Id).limit(page.limit + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id))
}

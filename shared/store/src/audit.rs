//! The append-only audit log: reading it. Writing goes through [`crate::audit_chain::append`],
//! which gives every record its place in the hash chain.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
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
    /// Leave out what the three officers (三员) did: only the audit administrator reads that.
    pub hide_officers: bool,
    /// `at` in `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn apply(&self, mut q: Select<audit_event::Entity>) -> Select<audit_event::Entity> {
        if let Some(t) = self.tenant {
            q = q.filter(audit_event::Column::TenantId.eq(t));
        }
        if let Some(a) = &self.action {
            q = q.filter(audit_event::Column::Action.eq(a.as_str()));
        }
        if let Some(o) = &self.outcome {
            q = q.filter(audit_event::Column::Outcome.eq(o.as_str()));
        }
        if let Some(actor) = self.actor_id {
            q = q.filter(audit_event::Column::ActorId.eq(actor));
        }
        if self.hide_officers {
            q = q.filter(audit_event::Column::ActorDuty.is_null());
        }
        if let Some(from) = self.from {
            q = q.filter(audit_event::Column::At.gte(from));
        }
        if let Some(to) = self.to {
            q = q.filter(audit_event::Column::At.lt(to));
        }
        q
    }
}

/// Newest first; `page.after` is the last id seen (the next page holds older events).
pub async fn list(db: &impl ConnectionTrait, filter: &AuditFilter, page: PageRequest) -> StoreResult<Page<audit_event::Model>> {
    let mut q = filter.apply(audit_event::Entity::find());
    if let Some(before) = page.after {
        q = q.filter(audit_event::Column::Id.lt(before));
    }
    let rows = q.order_by_desc(audit_event::Column::Id).limit(page.limit + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id))
}

/// Chained records matching `filter`, in chain order, after position `after_seq`: the export.
pub async fn in_chain_order(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    after_seq: i64,
    limit: u64,
) -> StoreResult<Vec<audit_event::Model>> {
    let q = filter.apply(audit_event::Entity::find()).filter(audit_event::Column::Seq.gt(after_seq));
    Ok(q.order_by_asc(audit_event::Column::Seq).limit(limit).all(db).await?)
}

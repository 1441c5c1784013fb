//! The audit log: who did what, when (UTC), in which tenant, and how it ended.

use hotline_domain::Role;
use hotline_store::audit::{self, AuditFilter};
use hotline_store::entities::audit_event;
use hotline_store::{ConnectionTrait, Page, PageRequest};
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult, Principal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// One audit record before it is written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub actor_kind: &'static str,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub tenant_id: Option<Uuid>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

impl Entry {
    pub fn by(p: &Principal, action: &str, target: &str, outcome: Outcome) -> Self {
        Self {
            actor_kind: p.kind.as_str(),
            actor_id: Some(p.id),
            actor_name: Some(p.name.clone()),
            tenant_id: Some(p.tenant.id.0),
            action: action.to_owned(),
            target: Some(target.to_owned()),
            outcome,
            detail: None,
            ip: None,
        }
    }

    pub fn anonymous(action: &str, outcome: Outcome) -> Self {
        Self {
            actor_kind: "anonymous",
            actor_id: None,
            actor_name: None,
            tenant_id: None,
            action: action.to_owned(),
            target: None,
            outcome,
            detail: None,
            ip: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn ip(mut self, ip: Option<&str>) -> Self {
        self.ip = ip.map(str::to_owned);
        self
    }

    pub fn tenant(mut self, tenant: Option<Uuid>) -> Self {
        self.tenant_id = tenant;
        self
    }
}

impl Core {
    /// Writes `entry` on `db` (pass a transaction to record a change atomically with it).
    pub async fn audit_on(&self, db: &impl ConnectionTrait, entry: Entry) -> CoreResult<()> {
        let row = audit_event::Model {
            id: Uuid::now_v7(),
            at: self.now(),
            actor_kind: entry.actor_kind.to_owned(),
            actor_id: entry.actor_id,
            actor_name: entry.actor_name.map(|n| truncate(&n, 64)),
            tenant_id: entry.tenant_id,
            action: truncate(&entry.action, 64),
            target: entry.target.map(|t| truncate(&t, 255)),
            outcome: entry.outcome.as_str().to_owned(),
            detail: entry.detail,
            ip: entry.ip.map(|i| truncate(&i, 64)),
        };
        audit::insert(db, row).await?;
        Ok(())
    }

    /// Records outside any transaction. A failure to audit a refusal is logged, not raised:
    /// the refusal itself must still reach the caller.
    pub async fn audit(&self, entry: Entry) {
        if let Err(e) = self.audit_on(&self.store.db, entry).await {
            tracing::error!(error = %e, "could not write an audit record");
        }
    }

    pub(crate) async fn audit_denied(&self, p: &Principal, action: &str, target: &str, why: &str) {
        self.audit(Entry::by(p, action, target, Outcome::Denied).detail(why)).await;
    }

    /// Reads the audit log. Auditors only: a city auditor reads every tenant (or one, by
    /// `tenant_code`), a line's auditor reads their own line.
    pub async fn list_audit(&self, p: &Principal, query: AuditQuery, page: PageRequest) -> CoreResult<Page<audit_event::Model>> {
        self.require(p, "audit.read", "audit", &[Role::Auditor]).await?;
        let tenant = match (&query.tenant_code, p.on_platform()) {
            (Some(code), _) => Some(self.visible_tenant(p, code).await?.id),
            (None, true) => None,
            (None, false) => Some(p.tenant.id.0),
        };
        let actor_id = match &query.actor_id {
            Some(s) => Some(s.parse::<Uuid>().map_err(|_| {
                CoreError::Validation(hotline_domain::ValidationError::new("actor_id", "invalid_id", "actor_id is not a UUID"))
            })?),
            None => None,
        };
        let filter = AuditFilter { tenant, action: query.action, outcome: query.outcome, actor_id };
        Ok(audit::list(&self.store.db, &filter, page).await?)
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub tenant_code: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub actor_id: Option<String>,
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

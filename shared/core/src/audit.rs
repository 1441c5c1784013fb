//! The audit log: who did what, when (UTC), in which tenant, and how it ended. Every record is
//! appended to one hash chain (`hotline_domain::audit_chain`), so a change, deletion or
//! insertion made behind the application's back is found by `verify_audit_chain`.

use std::cell::Cell;

use hotline_domain::Role;
use hotline_store::audit::{self, AuditFilter};
use hotline_store::entities::audit_event;
use hotline_store::{ConnectionTrait, Page, PageRequest, TransactionTrait, audit_chain};
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult, Principal};

/// What the use cases serving one request have already put in the audit log, so the API's edge
/// records every other refusal (403) and export (a file download) exactly once.
#[derive(Debug, Default)]
pub struct EdgeMarks {
    refusal: Cell<bool>,
    export: Cell<bool>,
}

impl EdgeMarks {
    pub fn refusal_recorded(&self) -> bool {
        self.refusal.get()
    }

    pub fn export_recorded(&self) -> bool {
        self.export.get()
    }
}

tokio::task_local! {
    /// Set by the API around each request it serves.
    pub static EDGE_MARKS: EdgeMarks;
}

/// Marks the refusal of the request being served as recorded (outside a request: no effect).
pub(crate) fn mark_refusal_recorded() {
    let _ = EDGE_MARKS.try_with(|m| m.refusal.set(true));
}

pub(crate) fn mark_export_recorded() {
    let _ = EDGE_MARKS.try_with(|m| m.export.set(true));
}

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
    /// `system`, `security` or `audit` when one of the three officers (三员) acts.
    pub actor_duty: Option<&'static str>,
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
            actor_duty: p.duty().map(|d| d.as_str()),
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
            actor_duty: None,
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

    /// Names an officer's duty when the actor is known only by name (failed sign-ins).
    pub fn duty(mut self, duty: Option<&'static str>) -> Self {
        self.actor_duty = duty;
        self
    }
}

impl Core {
    /// Appends `entry` to the chain on `db` (pass a transaction to record a change atomically
    /// with it: the chain's head then stays locked until that transaction ends).
    pub async fn audit_on(&self, db: &(impl ConnectionTrait + TransactionTrait), entry: Entry) -> CoreResult<()> {
        let row = audit_event::Model {
            id: Uuid::now_v7(),
            at: self.now(),
            actor_kind: entry.actor_kind.to_owned(),
            actor_id: entry.actor_id,
            actor_name: entry.actor_name.map(|n| clean(&n, 64)),
            tenant_id: entry.tenant_id,
            action: clean(&entry.action, 64),
            target: entry.target.map(|t| clean(&t, 255)),
            outcome: entry.outcome.as_str().to_owned(),
            detail: entry.detail.map(|d| clean(&d, 4000)),
            ip: entry.ip.map(|i| clean(&i, 64)),
            seq: None,
            prev_hash: None,
            hash: None,
            actor_duty: entry.actor_duty.map(str::to_owned),
        };
        audit_chain::append(db, row).await?;
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
        mark_refusal_recorded();
        self.audit(Entry::by(p, action, target, Outcome::Denied).detail(why)).await;
    }

    /// Reads the audit log, newest first. The audit administrator (`auditor` on the platform)
    /// reads every record; a line's auditor reads their line's, without the officers' records.
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
        let filter = AuditFilter {
            tenant,
            action: query.action,
            outcome: query.outcome,
            actor_id,
            hide_officers: !self.is_audit_admin(p),
            from: None,
            to: None,
        };
        Ok(audit::list(&self.store.db, &filter, page).await?)
    }

    /// The audit administrator (审计管理员): `auditor` on the platform.
    pub(crate) fn is_audit_admin(&self, p: &Principal) -> bool {
        p.on_platform() && p.has(Role::Auditor) && p.kind == crate::PrincipalKind::User
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub tenant_code: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub actor_id: Option<String>,
}

/// At most `max` characters, without NUL (PostgreSQL refuses it in text, and a refused audit
/// record would hide the very attempt that sent it).
fn clean(s: &str, max: usize) -> String {
    s.chars().map(|c| if c == '\0' { '\u{fffd}' } else { c }).take(max).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_text_is_bounded_and_without_nul() {
        assert_eq!(super::clean("ab\0cd", 10), "ab\u{fffd}cd");
        assert_eq!(super::clean("热线热线", 2), "热线");
    }
}

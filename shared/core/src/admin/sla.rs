//! A tenant's own time limits (SLA overrides), in front of DOMAIN.md's defaults.

use chrono::{DateTime, Utc};
use hotline_domain::Role;
use hotline_domain::calendar::sla::{SlaPolicy, parse_overrides};
use hotline_store::entities::sla_policy;
use hotline_store::sla;
use serde_json::Value;
use uuid::Uuid;

use crate::audit::{Entry, Outcome};
use crate::{Core, CoreResult, Principal};

#[derive(Debug, Clone)]
pub struct SlaPolicyView {
    pub tenant_code: String,
    /// The tenant's entries (empty: the defaults apply).
    pub entries: Value,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Core {
    /// The policy that times a tenant's cases: its overrides in front of the defaults.
    pub(crate) async fn sla_policy_of(&self, tenant: Uuid) -> CoreResult<SlaPolicy> {
        let overrides = match sla::find(&self.store.db, tenant).await? {
            Some(row) => serde_json::from_str(&row.entries).ok().and_then(|v| parse_overrides(&v).ok()).unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(SlaPolicy::with_overrides(overrides))
    }

    pub async fn get_sla_policy(&self, p: &Principal, code: &str) -> CoreResult<SlaPolicyView> {
        let t = self.visible_tenant(p, code).await?;
        self.require(
            p,
            "sla_policy.read",
            code,
            &[Role::CityAdmin, Role::CitySupervisor, Role::TenantAdmin, Role::Dispatcher, Role::Auditor],
        )
        .await?;
        let row = sla::find(&self.store.db, t.id).await?;
        Ok(SlaPolicyView {
            tenant_code: t.code,
            entries: row.as_ref().and_then(|r| serde_json::from_str(&r.entries).ok()).unwrap_or(Value::Array(vec![])),
            updated_at: row.map(|r| r.updated_at),
        })
    }

    /// Replaces a tenant's overrides (city admin, or the line's tenant admin); audited.
    pub async fn set_sla_policy(&self, p: &Principal, code: &str, entries: Value) -> CoreResult<SlaPolicyView> {
        let t = self.visible_tenant(p, code).await?;
        self.require_admin_of(p, "sla_policy.update", &t).await?;
        parse_overrides(&entries)?;
        let now = self.now();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        sla::save(&txn, sla_policy::Model { tenant_id: t.id, entries: entries.to_string(), updated_at: now, updated_by: p.user_id() })
            .await?;
        let n = entries.as_array().map(Vec::len).unwrap_or(0);
        self.audit_on(&txn, Entry::by(p, "sla_policy.update", &t.code, Outcome::Success).tenant(Some(t.id)).detail(format!("{n} entries")))
            .await?;
        txn.commit().await?;
        Ok(SlaPolicyView { tenant_code: t.code, entries, updated_at: Some(now) })
    }
}

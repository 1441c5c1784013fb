//! The use cases of the platform, shared by the API and the worker. Each use case takes the
//! acting [`Principal`] first and authorises the step itself, so no caller can skip it.
//! No HTTP types here: errors are [`CoreError`], which the API maps to status codes.

mod access;
pub mod admin;
pub mod audit;
pub mod audit_admin;
pub mod auth;
pub mod bootstrap;
mod bootstrap_rules;
pub mod cases;
mod desk;
mod digest;
mod error;
pub mod kb;
pub mod key_cache;
pub mod mfa;
pub mod notifications;
pub mod open311;
mod principal;
pub mod read_cache;
pub mod routing;
mod stats;
pub mod stats_read;
pub mod stats_verify;
pub mod supervision;
pub mod telemetry;
mod throttle;
pub mod transfer;

use std::sync::Arc;
use std::time::Duration;

use hotline_auth::{KeySet, PasswordHasher, PiiCipher};
use hotline_domain::Clock;
use hotline_kv::SharedKv;
use hotline_store::Store;

pub use desk::DeskAssist;
pub use error::{CoreError, CoreResult};
pub use principal::{Principal, PrincipalKind, TenantRef};

/// Everything a use case needs, cheap to clone (all handles are shared).
#[derive(Clone)]
pub struct Core {
    pub store: Store,
    pub kv: SharedKv,
    pub hasher: PasswordHasher,
    pub keys: Arc<KeySet>,
    pub clock: Arc<dyn Clock>,
    pub refresh_ttl: Duration,
    /// Encrypts and hashes callers' personal data.
    pub pii: Arc<PiiCipher>,
    /// Requests per hour per client address on the public endpoints.
    pub public_rate_limit_per_hour: u32,
    /// Compiled rule sets and the organisation snapshot routing reads.
    pub routing: Arc<routing::RoutingCache>,
    /// Sends the outbox's e-mails (SMTP, or the log without an SMTP server).
    pub mailer: Arc<dyn hotline_notify::Mailer>,
    /// The learned routing model each tenant serves (trained and stored by the worker).
    pub suggestions: Arc<routing::SuggestionCache>,
    /// The search index of the published knowledge-base articles.
    pub kb_index: Arc<kb::KbIndex>,
    /// Stores intakes in batches, one transaction each (group commit).
    pub intake_writer: Arc<cases::IntakeWriter>,
    /// Integrator keys recently read (see [`key_cache`]).
    pub api_key_cache: Arc<key_cache::ApiKeyCache>,
    /// Case reads kept until the database announces a change (see [`read_cache`]).
    pub read_cache: Arc<read_cache::ReadCache>,
    /// This process's operational counters (`/metrics`).
    pub telemetry: Arc<telemetry::Telemetry>,
    /// Second factors and audit retention.
    pub security: SecurityPolicy,
}

/// The security settings the use cases apply.
#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    /// Accounts holding any of these roles must sign in with a second factor (TOTP).
    pub mfa_required_roles: Vec<hotline_domain::Role>,
    /// How long audit records are kept before the worker prunes them.
    pub audit_retention: Duration,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        Self { mfa_required_roles: Vec::new(), audit_retention: Duration::from_secs(183 * 86_400) }
    }
}

impl Core {
    /// Drops the organisation snapshot after a tenant or unit changed, here and (through the kv
    /// store's pub/sub) in the other instances.
    pub(crate) async fn org_changed(&self) {
        self.routing.invalidate_org();
        if let Err(e) = self.kv.publish(routing::CHANNEL, "org").await {
            tracing::warn!(error = %e, "could not announce an organisation change");
        }
    }

    /// A tenant row from the organisation snapshot (kept until a tenant or unit changes, here
    /// or on another instance), read from the database when the snapshot lacks it. Intake and
    /// every authenticated request need it: the snapshot saves a query each time.
    pub async fn cached_tenant(
        &self,
        db: &impl hotline_store::ConnectionTrait,
        id: uuid::Uuid,
    ) -> CoreResult<Option<Arc<hotline_store::entities::tenant::Model>>> {
        if let Some(t) = self.routing.org(&self.store.db).await?.tenants.get(&id) {
            return Ok(Some(t.clone()));
        }
        Ok(hotline_store::tenants::find_by_id(db, id).await?.map(Arc::new))
    }

    /// Applies a message of the routing channel from another instance.
    pub fn on_routing_message(&self, message: &str) {
        if let Some(Ok(article)) = message.strip_prefix("kb:").map(|t| t.parse::<uuid::Uuid>()) {
            return self.kb_index.mark_changed(article);
        }
        if let Some(prefix) = message.strip_prefix("apikey:") {
            return self.api_key_cache.forget(prefix);
        }
        if let Some(Ok(tenant)) = message.strip_prefix("model:").map(|t| t.parse::<uuid::Uuid>()) {
            return self.suggestions.invalidate(tenant);
        }
        match message.strip_prefix("rules:").map(|t| t.parse::<uuid::Uuid>()) {
            Some(Ok(tenant)) => self.routing.invalidate(tenant),
            _ if message == "org" => self.routing.invalidate_org(),
            _ => tracing::warn!(message, "unknown routing message"),
        }
    }

    /// Now, to the microsecond: PostgreSQL keeps microseconds, so every time the core hands
    /// out is exactly what a later read returns, on either database.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        use chrono::DurationRound;
        let now = self.clock.now();
        now.duration_trunc(chrono::TimeDelta::microseconds(1)).unwrap_or(now)
    }
}

//! Intake: a contact enters once and gets a tracking number. Durable before it is
//! acknowledged (one transaction), idempotent by `Idempotency-Key`.

use chrono::{DateTime, Utc};
use hotline_auth::hash_secret;
use hotline_domain::rules::{RoutingDecision, RuleAction, RuleEvent};
use hotline_domain::{Role, RoleSet, TenantId, ValidationError};
use hotline_notify::templates::Kind;
use hotline_store::entities::{case, case_event, idempotency_key, routing_decision};
use hotline_store::{ConnectionTrait, support, units, users};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::intake_rows::{build_row, check, request_hash};
use super::intake_writer::{Notice, Prepared, Written};
use crate::{Core, CoreError, CoreResult, Principal};

// The body and its checks are pure domain (property-tested and fuzzed there).
pub use hotline_domain::case::{AttachmentInput, IntakeInput};

/// What intake answers (and what a repeated `Idempotency-Key` replays).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IntakeReceipt {
    pub case_id: Uuid,
    /// Where the rules send the case (the dispatcher confirms with `dispatch`).
    #[serde(default)]
    pub routing: Option<crate::routing::Summary>,
    /// Beside the rules: what the tenant's learned model suggests (staff intake, once a model
    /// is trained).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<crate::routing::Suggested>,
    pub tracking_number: String,
    pub status: String,
    /// Lets the citizen track the case without an account; shown only here.
    pub public_token: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct IntakeResult {
    pub receipt: IntakeReceipt,
    /// `true` when this is the stored answer to an earlier request with the same key.
    pub replayed: bool,
}

/// Who is taking the contact in: staff or an integrator, or the public form.
pub(crate) enum Intaker<'a> {
    Staff(&'a Principal),
    Public,
}

impl Core {
    /// A case built from intake data without saving it (for routing simulations).
    pub(crate) fn unsaved_case(&self, p: &Principal, input: IntakeInput) -> CoreResult<case::Model> {
        let checked = check(&input)?;
        let t = hotline_store::entities::tenant::Model {
            id: p.tenant.id.0,
            code: p.tenant.code.to_string(),
            name: String::new(),
            kind: p.tenant.kind.to_string(),
            merge_mode: None,
            calendar: String::new(),
            time_zone: String::new(),
            status: "active".into(),
            created_at: self.now(),
            updated_at: self.now(),
        };
        Ok(build_row(&self.pii, &t, checked, &input, "simulation".into(), None, Some(p.id), "simulation", self.now()))
    }

    /// Staff and integrator intake (`POST /api/v1/cases`).
    pub async fn create_case(&self, p: &Principal, input: IntakeInput, key: Option<&str>) -> CoreResult<IntakeResult> {
        if !p.has_any(&[Role::Agent, Role::Dispatcher, Role::Integrator]) {
            self.audit_denied(p, "case.create", "case", "missing role").await;
            return Err(CoreError::forbidden("taking contacts needs agent, dispatcher or an integrator key"));
        }
        let scope = format!("staff:{}", p.tenant.id);
        self.intake(Intaker::Staff(p), p.tenant.id, input, key, &scope).await
    }

    pub(crate) async fn intake(
        &self,
        who: Intaker<'_>,
        tenant: TenantId,
        input: IntakeInput,
        key: Option<&str>,
        scope: &str,
    ) -> CoreResult<IntakeResult> {
        let key = key.map(str::trim).filter(|k| !k.is_empty());
        if let Some(k) = key
            && (k.len() > 128 || !k.chars().all(|c| c.is_ascii_graphic()))
        {
            return Err(ValidationError::new(
                "Idempotency-Key",
                "invalid_idempotency_key",
                "an Idempotency-Key has 1 to 128 visible ASCII characters",
            )
            .into());
        }
        // No lookup of the key here: the writer looks up the batch's keys before numbering it
        // (one query per batch, not per request) and answers a repeat as a twin, replayed below.
        let hash = request_hash(&input);
        let checked = check(&input)?;
        let db = &self.store.db;
        let t = self.cached_tenant(db, tenant.0).await?.ok_or(CoreError::NotFound("tenant"))?;
        if let Some(unit) = checked.reported_unit
            && units::find_any(db, unit).await?.is_none()
        {
            return Err(ValidationError::new("reported_unit_id", "unknown_unit", "no unit has this id").into());
        }
        // Read before the transaction (a model is in memory once loaded): it is advice for the
        // desk, stored with the receipt so a replay answers the same.
        let suggestion = match &who {
            // Advice never stops an intake: a model that cannot be read is logged and skipped.
            Intaker::Staff(_) => match self.suggestion_for(t.id, &format!("{} {}", checked.title, checked.description)).await {
                Ok(s) => Some(s).filter(|s| s.model_version > 0),
                Err(e) => {
                    tracing::warn!(error = %e, "no routing suggestion for this intake");
                    None
                }
            },
            Intaker::Public => None,
        };
        let now = self.now();
        let tz: chrono_tz::Tz = t.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
        let day = now.with_timezone(&tz).date_naive();
        let token = crate::bootstrap::random_password() + &crate::bootstrap::random_password();
        let (actor_kind, actor_id, actor_name, via) = match &who {
            Intaker::Staff(p) => (p.kind.as_str(), Some(p.id), Some(p.name.clone()), p.kind.as_str()),
            Intaker::Public => ("citizen", None, None, "public"),
        };
        // The tracking number comes from the writer, which takes a batch's numbers at once.
        let mut row = build_row(&self.pii, &t, checked, &input, String::new(), Some(hash_secret(&token)), actor_id, via, now);
        // Routed before storing: the decision is part of the durable intake.
        let decision = self.route(db, &row, RuleEvent::CaseReceived).await?;
        apply_decision(&mut row, &input, &decision);
        let received = hotline_domain::stats::Occurrence::Received { answered_directly: false };
        // Until a unit has it, the case counts in the line that received it.
        let lines = crate::stats::line_shares(&row, &[], None, &[row.tenant_id]);
        let event = case_event::Model {
            id: Uuid::now_v7(),
            case_id: row.id,
            tenant_id: t.id,
            at: now,
            actor_kind: actor_kind.to_owned(),
            actor_id,
            actor_name,
            actor_unit_id: None,
            action: "receive".into(),
            from_status: None,
            to_status: "received".into(),
            reason: None,
            payload: Some(
                serde_json::json!({ "channel": row.channel, "contact_type": row.contact_type, "stats": [&received], "lines": &lines })
                    .to_string(),
            ),
        };
        let increments = self.increments(db, vec![(crate::stats::Subject::new(&row, lines), vec![received])], now).await?;
        let notices = self.intake_messages(db, &row, &decision).await?;
        let stored_decision = routing_decision::Model {
            id: Uuid::now_v7(),
            case_id: row.id,
            tenant_id: row.tenant_id,
            event: RuleEvent::CaseReceived.as_str().to_owned(),
            decision: serde_json::to_string(&decision).map_err(|e| CoreError::Internal(e.to_string()))?,
            at: now,
        };
        let receipt = IntakeReceipt {
            routing: Some(crate::routing::Summary::from(&decision)),
            suggestion,
            case_id: row.id,
            tracking_number: String::new(),
            status: row.status.clone(),
            public_token: token,
            created_at: now,
        };
        let call = input.call_id.as_deref().filter(|c| !c.is_empty()).map(|c| (t.id, c.to_owned()));
        let prepared = Prepared {
            code: t.code.clone(),
            day,
            row,
            decision: stored_decision,
            event,
            increments,
            notices,
            call,
            key: key.map(|k| (scope.to_owned(), k.to_owned(), hash.clone())),
            receipt,
        };
        let channel = prepared.row.channel.clone();
        let (line, creator) = (prepared.row.tenant_id, prepared.row.created_by);
        let written = self.intake_writer.write(prepared).await?;
        // The batch's notice changes the line's lists in every process soon; this process's
        // lists change now, before the caller (who may list its line next) has the answer.
        self.read_cache.lists_changed(&[line]);
        self.read_cache.creators_changed(creator.as_slice());
        match written {
            Written::Stored(receipt) => {
                self.telemetry.intake_stored(&channel);
                Ok(IntakeResult { receipt, replayed: false })
            }
            // A twin in the same batch: the same answer, or the key's misuse.
            Written::Twin { receipt: Some(receipt), request_hash } => {
                if request_hash != hash {
                    return Err(key_reused());
                }
                Ok(IntakeResult { receipt, replayed: true })
            }
            // Stored first elsewhere (another instance, or a request already committed).
            Written::Twin { receipt: None, .. } => match key {
                Some(k) => match support::find_idempotent(db, scope, k).await? {
                    Some(done) => replay(done, &hash),
                    None => Err(CoreError::conflict("idempotency_conflict", "a request with this Idempotency-Key is in progress; retry")),
                },
                None => Err(CoreError::Internal("an intake without a key was taken for a twin".into())),
            },
        }
    }

    /// The messages a new case sends at once: the rules' `notify` actions (to a unit's staff,
    /// or to a role: the city office's roles on the platform, the others in the lines the case
    /// goes to), and the city office when the rules flag a problem case (提级督办). Recipients
    /// only: the writer renders them once the case has its tracking number.
    async fn intake_messages(&self, db: &impl ConnectionTrait, row: &case::Model, d: &RoutingDecision) -> CoreResult<Vec<Notice>> {
        let org = self.routing.org(&self.store.db).await?;
        let platform: Vec<Uuid> = org.platform.iter().map(|(id, _)| *id).collect();
        let why = (!d.tags.is_empty()).then(|| d.tags.join("、"));
        let mut out = Vec::new();
        let mut add = |to: Vec<String>, kind: Kind, detail: Option<String>| {
            out.extend(to.into_iter().map(|to| Notice { to, kind, detail: detail.clone() }));
        };
        for action in &d.notify {
            let RuleAction::Notify { role, unit } = action else { continue };
            if let Some(u) = unit.as_deref().and_then(|u| u.parse::<Uuid>().ok()) {
                add(users::emails_of_unit(db, u).await?, Kind::RuleNotice, why.clone());
            }
            if let Some(role) = role.as_deref().and_then(|r| Role::parse(r).ok()) {
                let tenants: Vec<Uuid> = if matches!(role, Role::CityAdmin | Role::CitySupervisor) {
                    platform.clone()
                } else if d.lines.is_empty() {
                    vec![row.tenant_id]
                } else {
                    d.lines.iter().filter_map(|l| org.lines.get(&l.code).copied()).collect()
                };
                for tenant in tenants {
                    add(users::emails_with_role(db, tenant, &RoleSet::storage_pattern(role)).await?, Kind::RuleNotice, why.clone());
                }
            }
        }
        if row.problem {
            for tenant in &platform {
                let to = users::emails_with_role(db, *tenant, &RoleSet::storage_pattern(Role::CitySupervisor)).await?;
                add(to, Kind::Supervision, row.problem_reason.clone());
            }
        }
        Ok(out)
    }
}

/// What the rules decide for the case itself: urgency (unless the intake named it), category
/// (unless given), contact type, and the problem flag.
fn apply_decision(row: &mut case::Model, input: &IntakeInput, decision: &RoutingDecision) {
    if input.urgency.is_none()
        && let Some(u) = &decision.urgency
    {
        row.urgency = u.clone();
    }
    if row.category.is_none() {
        row.category = decision.category.clone();
    }
    if let Some(t) = &decision.contact_type {
        row.contact_type = t.clone();
    }
    if let Some(reason) = &decision.problem {
        row.problem = true;
        row.problem_reason = Some(reason.chars().take(64).collect());
    }
}

fn key_reused() -> CoreError {
    ValidationError::new("Idempotency-Key", "idempotency_key_reused", "this Idempotency-Key was used with a different request body").into()
}

fn replay(done: idempotency_key::Model, hash: &str) -> CoreResult<IntakeResult> {
    if done.request_hash != hash {
        return Err(key_reused());
    }
    let receipt: IntakeReceipt = serde_json::from_str(&done.response).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(IntakeResult { receipt, replayed: true })
}

//! Intake: a contact enters once and gets a tracking number. Durable before it is
//! acknowledged (one transaction), idempotent by `Idempotency-Key`.

use chrono::{DateTime, Utc};
use hotline_auth::hash_secret;
use hotline_domain::case::{Channel, ContactType, PhoneNumber, Urgency, check_description, check_title, mask_name, tracking_number};
use hotline_domain::{District, LineNumber, Role, TenantId, ValidationError, parse_name};
use hotline_store::entities::{case, case_event, idempotency_key};
use hotline_store::{ConnectionTrait, StoreError, TransactionTrait, cases, support, tenants, units};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use uuid::Uuid;

use super::view::Attachment;
use crate::{Core, CoreError, CoreResult, Principal};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AttachmentInput {
    pub url: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub size: u64,
}

/// The intake body (field names are the contract of the console, tests and integrators).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IntakeInput {
    pub channel: String,
    pub contact_type: String,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub title: Option<String>,
    pub description: String,
    pub address: Option<String>,
    pub district: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    pub dialled_number: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
    /// For reports (举报): the unit the report is about; its staff never see the reporter.
    pub reported_unit_id: Option<String>,
    /// The CTI call this contact came from; its call events get linked to the case.
    pub call_id: Option<String>,
}

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

struct Checked {
    channel: Channel,
    contact_type: ContactType,
    urgency: Urgency,
    title: String,
    description: String,
    category: Option<String>,
    address: Option<String>,
    district: Option<String>,
    phone: Option<PhoneNumber>,
    name: Option<String>,
    dialled: Option<String>,
    attachments: Vec<Attachment>,
    reported_unit: Option<Uuid>,
}

fn opt_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, ValidationError> {
    v.as_deref().filter(|s| !s.trim().is_empty()).map(|s| parse_name(field, s, max)).transpose()
}

fn check(input: &IntakeInput) -> Result<Checked, ValidationError> {
    let channel = Channel::parse(&input.channel)?;
    let contact_type = ContactType::parse(&input.contact_type)?;
    let urgency = input.urgency.as_deref().map(Urgency::parse).transpose()?.unwrap_or(Urgency::General);
    let description = check_description(&input.description)?;
    let title = match input.title.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => check_title(t)?,
        None => description.lines().next().unwrap_or_default().chars().take(40).collect(),
    };
    let district =
        input.district.as_deref().filter(|d| !d.trim().is_empty()).map(District::parse).transpose()?.map(|d| d.as_str().to_owned());
    match (input.lat, input.long) {
        (None, None) => {}
        (Some(lat), Some(long)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&long) => {}
        (Some(_), Some(_)) => return Err(ValidationError::new("lat", "out_of_range", "lat is -90..90 and long -180..180")),
        _ => return Err(ValidationError::new("long", "required", "lat and long come together")),
    }
    let phone = input.caller_phone.as_deref().filter(|p| !p.trim().is_empty()).map(PhoneNumber::parse).transpose()?;
    let dialled = input
        .dialled_number
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|d| LineNumber::parse(d).map_err(|e| e.at("dialled_number")))
        .transpose()?
        .map(|d| d.as_str().to_owned());
    if input.attachments.len() > 20 {
        return Err(ValidationError::new("attachments", "too_many", "at most 20 attachments"));
    }
    let mut attachments = Vec::new();
    for (i, a) in input.attachments.iter().enumerate() {
        let field = format!("attachments[{i}]");
        let url_ok =
            (a.url.starts_with("https://") || a.url.starts_with("http://")) && a.url.len() <= 2048 && !a.url.contains(char::is_whitespace);
        if !url_ok {
            return Err(ValidationError::new(
                format!("{field}.url"),
                "invalid_url",
                "an attachment is an http(s) URL of at most 2048 characters",
            ));
        }
        let kind = parse_name(&format!("{field}.type"), &a.kind, 100)?;
        if a.size > 100 * 1024 * 1024 {
            return Err(ValidationError::new(format!("{field}.size"), "too_large", "an attachment is at most 100 MiB"));
        }
        attachments.push(Attachment { url: a.url.clone(), kind, size: a.size });
    }
    let reported_unit = input
        .reported_unit_id
        .as_deref()
        .map(|s| s.parse::<Uuid>().map_err(|_| ValidationError::new("reported_unit_id", "invalid_id", "reported_unit_id is not a UUID")))
        .transpose()?;
    if reported_unit.is_some() && contact_type != ContactType::Report {
        return Err(ValidationError::new("reported_unit_id", "only_for_reports", "only a report (举报) names a reported unit"));
    }
    Ok(Checked {
        channel,
        contact_type,
        urgency,
        title,
        description,
        category: opt_text("category", &input.category, 64)?,
        address: opt_text("address", &input.address, 500)?,
        district,
        phone,
        name: opt_text("caller_name", &input.caller_name, 64)?,
        dialled,
        attachments,
        reported_unit,
    })
}

/// The new case row for checked intake data (encrypting the caller's data on the way).
#[allow(clippy::too_many_arguments)]
fn build_row(
    pii: &hotline_auth::PiiCipher,
    t: &hotline_store::entities::tenant::Model,
    checked: Checked,
    input: &IntakeInput,
    tracking_number: String,
    public_token_hash: Option<String>,
    created_by: Option<Uuid>,
    via: &str,
    now: DateTime<Utc>,
) -> case::Model {
    case::Model {
        id: Uuid::now_v7(),
        tenant_id: t.id,
        tracking_number,
        channel: checked.channel.as_str().to_owned(),
        contact_type: checked.contact_type.as_str().to_owned(),
        category: checked.category,
        urgency: checked.urgency.as_str().to_owned(),
        title: checked.title,
        description: checked.description,
        address: checked.address,
        district: checked.district,
        lat: input.lat,
        long: input.long,
        caller_name_enc: checked.name.as_deref().map(|n| pii.encrypt(n)),
        caller_name_masked: checked.name.as_deref().map(mask_name),
        caller_phone_enc: checked.phone.as_ref().map(|ph| pii.encrypt(ph.as_str())),
        caller_phone_hash: checked.phone.as_ref().map(|ph| pii.lookup_hash(ph.as_str())),
        caller_phone_masked: checked.phone.as_ref().map(PhoneNumber::masked),
        anonymous: checked.phone.is_none() && checked.name.is_none(),
        dialled_number: checked.dialled,
        attachments: Some(serde_json::to_string(&checked.attachments).unwrap_or_else(|_| "[]".into())),
        status: "received".into(),
        closure: None,
        lead_unit_id: None,
        reported_unit_id: checked.reported_unit,
        answer: None,
        referral: None,
        transfer_line: None,
        duplicate_of: None,
        feedback: None,
        feedback_resolved: None,
        feedback_details: None,
        rating: None,
        rating_comment: None,
        rated_at: None,
        no_return_visit: false,
        return_count: 0,
        reopen_count: 0,
        problem: false,
        problem_reason: None,
        extension_days: None,
        extension_reason: None,
        sign_due_at: None,
        feedback_due_at: None,
        public_token_hash,
        created_by,
        created_via: via.to_owned(),
        version: 1,
        created_at: now,
        updated_at: now,
        closed_at: None,
        feedback_near_at: None,
    }
}

fn request_hash(input: &IntakeInput) -> String {
    let bytes = serde_json::to_vec(input).unwrap_or_default();
    hex::encode(sha2::Sha256::digest(bytes))
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
        let hash = request_hash(&input);
        if let Some(k) = key
            && let Some(done) = support::find_idempotent(&self.store.db, scope, k).await?
        {
            return replay(done, &hash);
        }
        let checked = check(&input)?;
        let db = &self.store.db;
        let t = tenants::find_by_id(db, tenant.0).await?.ok_or(CoreError::NotFound("tenant"))?;
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

        let txn = db.begin().await?;
        let seq = support::next_in_sequence(&txn, &format!("{}-{}", t.code, day.format("%Y%m%d"))).await?;
        let row = build_row(
            &self.pii,
            &t,
            checked,
            &input,
            tracking_number(&t.code, day, seq as u64),
            Some(hash_secret(&token)),
            actor_id,
            via,
            now,
        );
        let mut row = row;
        // Route before committing: the decision is part of the durable intake.
        let decision = self.route(&txn, &row, hotline_domain::rules::RuleEvent::CaseReceived).await?;
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
        cases::insert(&txn, row.clone()).await?;
        self.store_decision(&txn, &row, hotline_domain::rules::RuleEvent::CaseReceived, &decision).await?;
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
        cases::insert_event(&txn, event).await?;
        self.count_all(&txn, vec![(crate::stats::Subject::new(&row, lines), vec![received])], now).await?;
        if let Some(call) = input.call_id.as_deref().filter(|c| !c.is_empty()) {
            support::link_call(&txn, t.id, call, row.id).await?;
        }
        let receipt = IntakeReceipt {
            routing: Some(crate::routing::Summary::from(&decision)),
            suggestion,
            case_id: row.id,
            tracking_number: row.tracking_number.clone(),
            status: row.status.clone(),
            public_token: token,
            created_at: now,
        };
        if let Some(k) = key {
            let record = idempotency_key::Model {
                id: Uuid::now_v7(),
                scope: scope.to_owned(),
                key: k.to_owned(),
                request_hash: hash.clone(),
                status: 201,
                response: serde_json::to_string(&receipt).map_err(|e| CoreError::Internal(e.to_string()))?,
                created_at: now,
            };
            if let Err(e) = support::insert_idempotent(&txn, record).await {
                txn.rollback().await?;
                return match e {
                    // A concurrent request with the same key won: answer as it did.
                    StoreError::Conflict(_) => match support::find_idempotent(db, scope, k).await? {
                        Some(done) => replay(done, &hash),
                        None => {
                            Err(CoreError::conflict("idempotency_conflict", "a request with this Idempotency-Key is in progress; retry"))
                        }
                    },
                    other => Err(other.into()),
                };
            }
        }
        commit_or_replay(txn, db, scope, key, &hash).await?;
        Ok(IntakeResult { receipt, replayed: false })
    }
}

/// Commits the intake. On SQLite a concurrent twin may hold the write lock until it commits;
/// a failed commit with a key is re-checked against the stored answer.
async fn commit_or_replay(
    txn: hotline_store::DatabaseTransaction,
    db: &impl ConnectionTrait,
    scope: &str,
    key: Option<&str>,
    hash: &str,
) -> CoreResult<()> {
    match txn.commit().await {
        Ok(()) => Ok(()),
        Err(e) => {
            if let Some(k) = key
                && let Some(done) = support::find_idempotent(db, scope, k).await?
            {
                replay(done, hash)?;
                return Err(CoreError::conflict("idempotency_conflict", "the same request was stored by a concurrent call"));
            }
            Err(e.into())
        }
    }
}

fn replay(done: idempotency_key::Model, hash: &str) -> CoreResult<IntakeResult> {
    if done.request_hash != hash {
        return Err(ValidationError::new(
            "Idempotency-Key",
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request body",
        )
        .into());
    }
    let receipt: IntakeReceipt = serde_json::from_str(&done.response).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(IntakeResult { receipt, replayed: true })
}

//! The citizen's side without an account: the public intake form, tracking by number plus a
//! proof (the last four digits of the phone, or the token given at intake), and the one rating.
//! Rate-limited per client address against flooding and tracking-number enumeration.

use chrono::{DateTime, Utc};
use hotline_auth::hash_secret;
use hotline_domain::case::{Action, CaseStatus, Channel};
use hotline_domain::{Role, RoleSet, ValidationError};
use hotline_store::entities::case;
use hotline_store::{cases, tenants};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::access::status_of;
use super::intake::{IntakeInput, IntakeResult, Intaker};
use super::steps::{Change, StepInput};
use super::view::CaseView;
use crate::auth::tenant_ref;
use crate::bootstrap::PLATFORM_CODE;
use crate::{Core, CoreError, CoreResult, Principal, PrincipalKind};

/// What a citizen sees: status and the public answer, nothing personal.
#[derive(Debug, Clone)]
pub struct PublicCaseView {
    pub tracking_number: String,
    pub status: String,
    pub contact_type: String,
    pub category: Option<String>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closure: Option<String>,
    /// The answer given to the citizen: the direct answer, the units' feedback, or where the
    /// contact was referred or transferred to.
    pub answer: Option<String>,
    pub rating: Option<String>,
    pub can_rate: bool,
    /// For a contact linked to an open case: that case's tracking number.
    pub linked_to: Option<String>,
}

fn public_view(c: &case::Model) -> PublicCaseView {
    let answer = c
        .answer
        .clone()
        .or_else(|| c.feedback.clone())
        .or_else(|| c.referral.clone())
        .or_else(|| c.transfer_line.as_ref().map(|l| format!("transferred to {l}")));
    let status = CaseStatus::parse(&c.status).ok();
    PublicCaseView {
        tracking_number: c.tracking_number.clone(),
        status: c.status.clone(),
        contact_type: c.contact_type.clone(),
        category: c.category.clone(),
        created_at: c.created_at,
        closed_at: c.closed_at,
        closure: c.closure.clone(),
        answer,
        rating: c.rating.clone(),
        can_rate: c.rating.is_none() && status.is_some_and(|s| s.apply(Action::Rate).is_ok()),
        linked_to: None,
    }
}

/// The proof a citizen gives with the tracking number.
#[derive(Debug, Clone, Default)]
pub struct CitizenProof {
    pub phone_last4: Option<String>,
    pub token: Option<String>,
}

impl Core {
    /// The per-address hourly budget of the public endpoints (intake, tracking, rating,
    /// knowledge), shared by every replica through the kv store.
    pub(crate) async fn public_budget(&self, ip: &str) -> CoreResult<()> {
        let hour = std::time::Duration::from_secs(3600);
        let now = self.now().timestamp();
        match hotline_kv::spend(&*self.kv, &format!("public:{ip}"), self.public_rate_limit_per_hour, hour, now).await? {
            hotline_kv::Spend::Within => Ok(()),
            hotline_kv::Spend::Exceeded { retry_after_secs } => Err(CoreError::RateLimited { retry_after_secs }),
        }
    }

    pub async fn public_create_case(&self, ip: &str, input: IntakeInput, key: Option<&str>) -> CoreResult<IntakeResult> {
        // A citizen has no tenant; the tracking number and the case's secret decide: platform scope.
        hotline_store::scope::platform(async move {
            self.public_budget(ip).await?;
            let channel = Channel::parse(&input.channel)?;
            if !matches!(channel, Channel::Web | Channel::App | Channel::Wechat) {
                return Err(ValidationError::new("channel", "invalid_value", "the public form takes web, app or wechat").into());
            }
            if input.reported_unit_id.is_some() || input.call_id.is_some() {
                return Err(ValidationError::new("reported_unit_id", "staff_only", "reported_unit_id and call_id are set by staff").into());
            }
            let platform = tenants::find_by_code(&self.store.db, PLATFORM_CODE).await?.ok_or(CoreError::NotFound("platform"))?;
            // Keys are scoped per client address: one citizen can never replay another's answer.
            self.intake(Intaker::Public, hotline_domain::TenantId(platform.id), input, key, &format!("public:{ip}")).await
        })
        .await
    }

    /// The case behind a tracking number, if the proof matches. Any mismatch is "not found",
    /// the same as an unknown number.
    async fn proven_case(&self, ip: &str, tracking: &str, proof: &CitizenProof) -> CoreResult<case::Model> {
        self.public_budget(ip).await?;
        let c = cases::find_by_tracking(&self.store.db, tracking).await?.ok_or(CoreError::NotFound("case"))?;
        let by_token = match (&proof.token, &c.public_token_hash) {
            (Some(t), Some(h)) => bool::from(hash_secret(t).as_bytes().ct_eq(h.as_bytes())),
            _ => false,
        };
        // Against the number itself, not its masked form: a short number's mask shows fewer
        // than four digits (at least four always stay hidden).
        let by_phone = match (&proof.phone_last4, &c.caller_phone_enc) {
            (Some(l4), Some(enc)) if l4.len() == 4 => {
                match self.pii.decrypt(enc) {
                    Ok(phone) => bool::from(phone.as_bytes()[phone.len().saturating_sub(4)..].ct_eq(l4.as_bytes())),
                    // A key problem is the operator's to see, not the citizen's: no proof.
                    Err(e) => {
                        tracing::error!(error = %e, "caller phone cannot be decrypted for a tracking proof");
                        false
                    }
                }
            }
            _ => false,
        };
        if by_token || by_phone { Ok(c) } else { Err(CoreError::NotFound("case")) }
    }

    /// A contact linked to an open case (并单) shows that case's progress and answer: every
    /// requester gets the one answer.
    pub async fn public_track(&self, ip: &str, tracking: &str, proof: CitizenProof) -> CoreResult<PublicCaseView> {
        // A citizen has no tenant; the tracking number and the case's secret decide: platform scope.
        hotline_store::scope::platform(async move {
            let c = self.proven_case(ip, tracking, &proof).await?;
            let mut view = public_view(&c);
            if let Some(master) = c.duplicate_of
                && let Some(m) = cases::find(&self.store.db, hotline_store::cases::CaseScope::All, master).await?
            {
                let shared = public_view(&m);
                view.status = shared.status;
                view.answer = shared.answer;
                view.closed_at = shared.closed_at;
                view.linked_to = Some(m.tracking_number.clone());
            }
            Ok(view)
        })
        .await
    }

    /// The citizen's one rating; a dissatisfied rating of a handled case reopens it.
    pub async fn public_rate(&self, ip: &str, tracking: &str, proof: CitizenProof, input: StepInput) -> CoreResult<PublicCaseView> {
        // A citizen has no tenant; the tracking number and the case's secret decide: platform scope.
        hotline_store::scope::platform(async move {
            let c = self.proven_case(ip, tracking, &proof).await?;
            let platform = tenants::find_by_code(&self.store.db, PLATFORM_CODE).await?.ok_or(CoreError::NotFound("platform"))?;
            let citizen = Principal {
                kind: PrincipalKind::Citizen,
                id: Uuid::nil(),
                name: "citizen".into(),
                tenant: tenant_ref(&platform)?,
                roles: RoleSet::of([Role::Citizen]),
                unit_id: None,
                session_id: None,
            };
            let view = self.rate_as(&citizen, &c, input).await?;
            let c = cases::find_by_tracking(&self.store.db, &view.tracking_number).await?.ok_or(CoreError::NotFound("case"))?;
            Ok(public_view(&c))
        })
        .await
    }

    /// The citizen's rating recorded by `who`: the citizen, or an integrator speaking for them.
    pub(crate) async fn rate_as(&self, who: &Principal, c: &case::Model, input: StepInput) -> CoreResult<CaseView> {
        let from = status_of(c)?;
        from.apply(Action::Rate).map_err(|e| CoreError::conflict("invalid_transition", e.to_string()))?;
        let parts = cases::participants(&self.store.db, c.id).await?;
        let mut change = Change::of(c.clone());
        let to = self.rate_change(&mut change, &parts, from, &input).await?;
        change.outbox = self.step_messages(&change, Action::Rate, to).await?;
        change.stats = crate::stats::step_occurrences(Action::Rate, c, &change.case, to, &input, None);
        self.commit_change(who, change, Action::Rate, from, to, None).await
    }

    /// A citizen's addition to an open case (补充诉求), recorded by an integrator for them.
    pub(crate) async fn follow_up_as(&self, who: &Principal, c: &case::Model, input: StepInput) -> CoreResult<CaseView> {
        let from = status_of(c)?;
        from.apply(Action::FollowUp).map_err(|e| CoreError::conflict("invalid_transition", e.to_string()))?;
        let mut change = Change::of(c.clone());
        change.reason = Some(super::steps::required("text", &input.text, 4000)?);
        self.commit_change(who, change, Action::FollowUp, from, from, None).await
    }
}

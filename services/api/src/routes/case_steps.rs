//! One endpoint per lifecycle step: `POST /api/v1/cases/{id}/<step>`. Each checks role, unit,
//! tenant and state in hotline-core and answers with the case after the step.

use actix_web::{post, web};
use hotline_core::cases::{FeedbackInput, StepInput};
use hotline_domain::case::Action;
use serde::Deserialize;
use utoipa::ToSchema;

use super::case_dto::CaseResponse;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;

macro_rules! step_endpoint {
    ($fn:ident, $path:literal, $action:expr, $body:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            tag = "case steps",
            params(("id" = String, Path, description = "Case id")),
            request_body = $body,
            responses(
                (status = 200, description = "The case after the step", body = CaseResponse),
                (status = 400, body = ErrorBody),
                (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
                (status = 403, description = "Wrong role or unit: `forbidden`, `not_your_unit`, `not_lead_unit`, `not_co_unit`, `not_case_owner`", body = ErrorBody),
                (status = 404, description = "No such case, or not visible to the caller", body = ErrorBody),
                (status = 409, description = "The case's state does not allow the step: `invalid_transition` and step-specific codes", body = ErrorBody),
                (status = 422, body = ErrorBody)
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $fn(auth: Auth, state: web::Data<AppState>, path: web::Path<String>, body: web::Json<$body>) -> ApiResult<web::Json<CaseResponse>> {
            let view = state.core.case_step(&auth.0, &path, $action, body.into_inner().into()).await?;
            Ok(web::Json(view.into()))
        }
    };
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub contact_type: Option<String>,
}
impl From<AcceptRequest> for StepInput {
    fn from(r: AcceptRequest) -> Self {
        StepInput { category: r.category, urgency: r.urgency, contact_type: r.contact_type, ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// The answer given at first contact (e.g. from the knowledge base).
    pub answer: String,
    /// The knowledge-base article the answer came from (published, valid, and of a line the
    /// agent serves); recorded with the answer and counted as a knowledge-base answer.
    pub article_id: Option<String>,
}
impl From<AnswerRequest> for StepInput {
    fn from(r: AnswerRequest) -> Self {
        StepInput { answer: Some(r.answer), article_id: r.article_id, ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferRequest {
    /// Where the caller was sent, e.g. `95598 国网供电服务热线`.
    pub referral: String,
    pub reason: Option<String>,
}
impl From<ReferRequest> for StepInput {
    fn from(r: ReferRequest) -> Self {
        StepInput { referral: Some(r.referral), reason: r.reason, ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// `110`, `119`, `120` or `122`.
    #[schema(example = "119")]
    pub line: String,
    pub reason: Option<String>,
}
impl From<TransferRequest> for StepInput {
    fn from(r: TransferRequest) -> Self {
        StepInput { line: Some(r.line), reason: r.reason, ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// The open case this contact is about (并单).
    pub duplicate_of: String,
}
impl From<LinkRequest> for StepInput {
    fn from(r: LinkRequest) -> Self {
        StepInput { duplicate_of: Some(r.duplicate_of), ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchRequest {
    /// The lead unit (牵头单位); any line's unit for the platform, the line's own for a line.
    /// Absent: follow the case's routing decision.
    pub lead_unit_id: Option<String>,
    /// Co-units (协办单位), possibly in other lines.
    #[serde(default)]
    pub co_unit_ids: Vec<String>,
    pub reason: Option<String>,
}
impl From<DispatchRequest> for StepInput {
    fn from(r: DispatchRequest) -> Self {
        StepInput { lead_unit_id: r.lead_unit_id, co_unit_ids: r.co_unit_ids, reason: r.reason, ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextRequest {
    pub text: String,
}
impl From<TextRequest> for StepInput {
    fn from(r: TextRequest) -> Self {
        StepInput { text: Some(r.text), ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// `not_our_jurisdiction`, `insufficient_information`, `wrong_category`, `duplicate` or `other`.
    pub reason_code: String,
    pub reason: String,
}
impl From<ReturnRequest> for StepInput {
    fn from(r: ReturnRequest) -> Self {
        StepInput { reason_code: Some(r.reason_code), reason: Some(r.reason), ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    pub reason: Option<String>,
}
impl From<ReasonRequest> for StepInput {
    fn from(r: ReasonRequest) -> Self {
        StepInput { reason: r.reason, ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    /// 1 to 30 days more.
    #[serde(deserialize_with = "crate::json_number::integer")]
    pub days: i64,
    pub reason: String,
}
impl From<ExtensionRequest> for StepInput {
    fn from(r: ExtensionRequest) -> Self {
        StepInput { days: Some(r.days), reason: Some(r.reason), ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDecisionRequest {
    pub approve: bool,
    /// Required when refusing.
    pub reason: Option<String>,
}
impl From<ExtensionDecisionRequest> for StepInput {
    fn from(r: ExtensionDecisionRequest) -> Self {
        StepInput { approve: Some(r.approve), reason: r.reason, ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitReasonRequest {
    pub unit_id: String,
    pub reason: String,
}
impl From<UnitReasonRequest> for StepInput {
    fn from(r: UnitReasonRequest) -> Self {
        StepInput { unit_id: Some(r.unit_id), reason: Some(r.reason), ..Default::default() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The answer to the citizen.
    pub text: String,
    /// Whether the issue is solved. Feedback is owed either way.
    pub resolved: bool,
    /// When unresolved: who is responsible (defaults to the lead unit).
    pub responsible_unit: Option<String>,
    /// When unresolved: why.
    pub unresolved_reason: Option<String>,
    /// When unresolved: what happens next.
    pub next_steps: Option<String>,
    /// When unresolved: by when (YYYY-MM-DD).
    pub next_date: Option<String>,
}
impl From<FeedbackRequest> for StepInput {
    fn from(r: FeedbackRequest) -> Self {
        StepInput {
            feedback: Some(FeedbackInput {
                text: r.text,
                resolved: r.resolved,
                responsible_unit: r.responsible_unit,
                unresolved_reason: r.unresolved_reason,
                next_steps: r.next_steps,
                next_date: r.next_date,
            }),
            ..Default::default()
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// `very_satisfied`, `satisfied`, `neutral`, `dissatisfied` or `very_dissatisfied`.
    pub rating: String,
    pub comment: Option<String>,
    /// The citizen does not want return visits.
    pub no_return_visit: Option<bool>,
}
impl From<RatingRequest> for StepInput {
    fn from(r: RatingRequest) -> Self {
        StepInput { rating: Some(r.rating), comment: r.comment, no_return_visit: r.no_return_visit, ..Default::default() }
    }
}

step_endpoint!(accept_case, "/cases/{id}/accept", Action::Accept, AcceptRequest, "Accept (受理): classify a received case.");
step_endpoint!(answer_case, "/cases/{id}/answer", Action::AnswerDirectly, AnswerRequest, "Answer at first contact and close.");
step_endpoint!(refer_case, "/cases/{id}/refer", Action::Refer, ReferRequest, "Out of scope: record the referral given and close.");
step_endpoint!(
    transfer_case,
    "/cases/{id}/transfer",
    Action::TransferEmergency,
    TransferRequest,
    "Transfer an emergency to 110/119/120/122 and close."
);
step_endpoint!(
    link_case,
    "/cases/{id}/link",
    Action::LinkDuplicate,
    LinkRequest,
    "Link a duplicate contact to an open case (并单) and close it."
);
step_endpoint!(
    dispatch_case,
    "/cases/{id}/dispatch",
    Action::Dispatch,
    DispatchRequest,
    "Dispatch (派单) to a lead unit and co-units; also re-dispatches a returned case."
);
step_endpoint!(
    follow_up_case,
    "/cases/{id}/follow-up",
    Action::FollowUp,
    TextRequest,
    "Record the citizen's addition to an open case (补充诉求); the case stays where it is."
);
step_endpoint!(progress_case, "/cases/{id}/progress", Action::Progress, TextRequest, "Lead unit: record progress (办理).");
step_endpoint!(return_case, "/cases/{id}/return", Action::Return, ReturnRequest, "Lead unit: send the case back (退单) with a reason.");
step_endpoint!(
    reject_return_case,
    "/cases/{id}/reject-return",
    Action::RejectReturn,
    ReasonRequest,
    "Dispatcher: refuse a return; the case goes back to the same unit."
);
step_endpoint!(
    request_extension,
    "/cases/{id}/extension",
    Action::RequestExtension,
    ExtensionRequest,
    "Lead unit: ask for more time (延期)."
);
step_endpoint!(
    decide_extension,
    "/cases/{id}/extension/decision",
    Action::DecideExtension,
    ExtensionDecisionRequest,
    "Dispatcher or city office: approve (moves the feedback deadline) or refuse an extension."
);
step_endpoint!(contribute_case, "/cases/{id}/contribution", Action::Contribute, TextRequest, "Co-unit: file its contribution (协办意见).");
step_endpoint!(
    release_co_unit,
    "/cases/{id}/release",
    Action::Release,
    UnitReasonRequest,
    "Lead unit: release a co-unit that owes no contribution."
);
step_endpoint!(
    change_lead,
    "/cases/{id}/lead",
    Action::ChangeLead,
    UnitReasonRequest,
    "Dispatcher: make another unit the lead, with a reason."
);
step_endpoint!(
    give_feedback,
    "/cases/{id}/feedback",
    Action::GiveFeedback,
    FeedbackRequest,
    "Lead unit: the single feedback (回复) to the citizen."
);
step_endpoint!(
    rate_case,
    "/cases/{id}/rating",
    Action::Rate,
    RatingRequest,
    "Record the citizen's one rating (回访/好差评); dissatisfied reopens a handled case."
);
step_endpoint!(close_case, "/cases/{id}/close", Action::Close, ReasonRequest, "Dispatcher: close a case after feedback (办结).");
step_endpoint!(
    supervision_notice,
    "/cases/{id}/supervision-notice",
    Action::SupervisionNotice,
    TextRequest,
    "Dispatcher or city office: a written supervision notice (督办单) the lead unit must answer."
);
step_endpoint!(
    answer_notice,
    "/cases/{id}/supervision-notice/answer",
    Action::AnswerNotice,
    TextRequest,
    "Lead unit: answer the pending supervision notice."
);
step_endpoint!(
    reopen_case,
    "/cases/{id}/reopen",
    Action::Reopen,
    ReasonRequest,
    "Dispatcher: reopen after dissatisfaction (二次派单), escalated to the unit's superior."
);

/// A unit signs for its part (签收); the lead's signature moves the case to `signed`.
#[utoipa::path(
    tag = "case steps",
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case after the step", body = CaseResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, description = "Wrong role or unit", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition` or `already_signed`", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/cases/{id}/sign")]
pub async fn sign_case(auth: Auth, state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<web::Json<CaseResponse>> {
    let view = state.core.case_step(&auth.0, &path, Action::Sign, StepInput::default()).await?;
    Ok(web::Json(view.into()))
}

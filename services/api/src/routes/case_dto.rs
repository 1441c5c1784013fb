//! Response and request bodies of the case endpoints.

use chrono::{DateTime, Utc};
use hotline_core::cases::{AttachmentInput, CaseView, EventView, IntakeInput, IntakeReceipt, ParticipantView, PublicCaseView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::paging::list_response;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRequest {
    /// Where the file is stored (http or https).
    pub url: String,
    /// Media type, e.g. `image/jpeg`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Bytes.
    #[serde(deserialize_with = "crate::json_number::integer")]
    pub size: u64,
}

/// A contact as it enters the platform.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    /// `phone`, `web`, `app`, `sms`, `email`, `letter`, `fax`, `visit`, `wechat` or `other`.
    #[schema(example = "phone")]
    pub channel: String,
    /// `consultation`, `complaint`, `report`, `suggestion`, `help`, `praise` or `other`.
    #[schema(example = "complaint")]
    pub contact_type: String,
    #[schema(example = "市容环境")]
    pub category: Option<String>,
    /// `emergency`, `utilities`, `general` (default) or `complex`.
    pub urgency: Option<String>,
    /// Defaults to the start of the description.
    pub title: Option<String>,
    /// Plain text, at most 4,000 characters.
    #[schema(example = "小区门口垃圾三天没人清运，气味很大。")]
    pub description: String,
    pub address: Option<String>,
    #[schema(example = "鼓楼区")]
    pub district: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub caller_name: Option<String>,
    /// Stored encrypted; answers show it masked.
    #[schema(example = "13812348000")]
    pub caller_phone: Option<String>,
    /// The number the citizen called, e.g. `12319`.
    pub dialled_number: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentRequest>,
    /// Reports (举报) only: the unit the report is about; its staff never see the reporter.
    pub reported_unit_id: Option<String>,
    /// The CTI call this contact came from.
    pub call_id: Option<String>,
}

impl From<IntakeRequest> for IntakeInput {
    fn from(r: IntakeRequest) -> Self {
        IntakeInput {
            channel: r.channel,
            contact_type: r.contact_type,
            category: r.category,
            urgency: r.urgency,
            title: r.title,
            description: r.description,
            address: r.address,
            district: r.district,
            lat: r.lat,
            long: r.long,
            caller_name: r.caller_name,
            caller_phone: r.caller_phone,
            dialled_number: r.dialled_number,
            attachments: r.attachments.into_iter().map(|a| AttachmentInput { url: a.url, kind: a.kind, size: a.size }).collect(),
            reported_unit_id: r.reported_unit_id,
            call_id: r.call_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeResponse {
    pub case_id: Uuid,
    /// Where the rules send the case; `POST /cases/{id}/dispatch` with no unit follows it.
    pub routing: Option<RoutingSummary>,
    /// Beside the rules: the learned model's three likeliest routes, once a model is trained
    /// (staff intake only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<super::suggest::SuggestResponse>,
    /// Human-readable, e.g. `12345-20261122-000123`.
    #[schema(example = "12345-20261122-000123")]
    pub tracking_number: String,
    pub status: String,
    /// Lets the citizen track the case without the phone number; shown only in this answer.
    pub public_token: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingSummary {
    /// Line codes, the lead line first.
    pub lines: Vec<String>,
    pub lead_unit_id: Option<String>,
    pub co_unit_ids: Vec<String>,
    /// No unit found: the dispatcher decides.
    pub manual: bool,
    pub reason: String,
}

impl From<IntakeReceipt> for IntakeResponse {
    fn from(r: IntakeReceipt) -> Self {
        Self {
            routing: r.routing.map(|s| RoutingSummary {
                lines: s.lines,
                lead_unit_id: s.lead_unit_id,
                co_unit_ids: s.co_unit_ids,
                manual: s.manual,
                reason: s.reason,
            }),
            suggestion: r.suggestion.map(Into::into),
            case_id: r.case_id,
            tracking_number: r.tracking_number,
            status: r.status,
            public_token: r.public_token,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentResponse {
    pub url: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantResponse {
    pub unit_id: Uuid,
    pub tenant_id: Uuid,
    /// `lead` (牵头) or `co` (协办).
    pub role: String,
    /// `assigned`, `signed`, `contributed`, `released` or `withdrawn`.
    pub status: String,
    pub contribution: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    pub contributed_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    /// A co-unit's sign-for deadline (the lead's is the case's `sign_due_at`).
    pub sign_due_at: Option<DateTime<Utc>>,
    /// When a co-unit owes its contribution: 70 % into the case's feedback limit, so the lead
    /// has the rest to compose the one answer.
    pub contribute_due_at: Option<DateTime<Utc>>,
}

impl From<ParticipantView> for ParticipantResponse {
    fn from(p: ParticipantView) -> Self {
        Self {
            unit_id: p.unit_id,
            tenant_id: p.tenant_id,
            role: p.role,
            status: p.status,
            contribution: p.contribution,
            signed_at: p.signed_at,
            contributed_at: p.contributed_at,
            released_at: p.released_at,
            sign_due_at: p.sign_due_at,
            contribute_due_at: p.contribute_due_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseResponse {
    pub id: Uuid,
    pub tracking_number: String,
    /// The tenant that received the case.
    pub tenant_id: Uuid,
    pub channel: String,
    pub contact_type: String,
    pub category: Option<String>,
    pub urgency: String,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub district: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    /// Masked (`张*`); absent for the unit a report is about.
    pub caller_name: Option<String>,
    /// Masked (`138****8000`); absent for the unit a report is about.
    pub caller_phone: Option<String>,
    pub anonymous: bool,
    pub dialled_number: Option<String>,
    pub attachments: Vec<AttachmentResponse>,
    /// `received`, `accepted`, `dispatched`, `signed`, `in_progress`, `returned`, `feedback_given` or `closed`.
    pub status: String,
    /// How a closed case ended: `answered`, `referred`, `transferred`, `linked` or `resolved`.
    pub closure: Option<String>,
    pub lead_unit_id: Option<Uuid>,
    pub reported_unit_id: Option<Uuid>,
    pub participants: Vec<ParticipantResponse>,
    pub answer: Option<String>,
    pub referral: Option<String>,
    pub transfer_line: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub feedback: Option<String>,
    pub feedback_resolved: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub feedback_details: Option<serde_json::Value>,
    pub rating: Option<String>,
    pub rating_comment: Option<String>,
    pub no_return_visit: bool,
    pub return_count: i32,
    pub reopen_count: i32,
    /// Returned 3+ times or reopened 3+ times.
    pub problem: bool,
    pub problem_reason: Option<String>,
    /// Days of a pending extension request.
    pub extension_days_requested: Option<i32>,
    /// The unit's reason for the pending extension request.
    pub extension_reason: Option<String>,
    pub sign_due_at: Option<DateTime<Utc>>,
    pub feedback_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl From<CaseView> for CaseResponse {
    fn from(c: CaseView) -> Self {
        Self {
            id: c.id,
            tracking_number: c.tracking_number,
            tenant_id: c.tenant_id,
            channel: c.channel,
            contact_type: c.contact_type,
            category: c.category,
            urgency: c.urgency,
            title: c.title,
            description: c.description,
            address: c.address,
            district: c.district,
            lat: c.lat,
            long: c.long,
            caller_name: c.caller_name,
            caller_phone: c.caller_phone,
            anonymous: c.anonymous,
            dialled_number: c.dialled_number,
            attachments: c.attachments.into_iter().map(|a| AttachmentResponse { url: a.url, kind: a.kind, size: a.size }).collect(),
            status: c.status,
            closure: c.closure,
            lead_unit_id: c.lead_unit_id,
            reported_unit_id: c.reported_unit_id,
            participants: c.participants.into_iter().map(Into::into).collect(),
            answer: c.answer,
            referral: c.referral,
            transfer_line: c.transfer_line,
            duplicate_of: c.duplicate_of,
            feedback: c.feedback,
            feedback_resolved: c.feedback_resolved,
            feedback_details: c.feedback_details,
            rating: c.rating,
            rating_comment: c.rating_comment,
            no_return_visit: c.no_return_visit,
            return_count: c.return_count,
            reopen_count: c.reopen_count,
            problem: c.problem,
            problem_reason: c.problem_reason,
            extension_days_requested: c.extension_days_requested,
            extension_reason: c.extension_reason,
            sign_due_at: c.sign_due_at,
            feedback_due_at: c.feedback_due_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
            closed_at: c.closed_at,
            version: c.version,
        }
    }
}

list_response!(CaseList, CaseResponse);

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventResponse {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `user`, `api_key` or `citizen`.
    pub actor_kind: String,
    pub actor_name: Option<String>,
    pub actor_unit_id: Option<Uuid>,
    /// The step: `receive`, `accept`, `dispatch`, `sign`, `return`, `feedback`, `rate`, …
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub payload: Option<serde_json::Value>,
}

impl From<EventView> for CaseEventResponse {
    fn from(e: EventView) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_kind: e.actor_kind,
            actor_name: e.actor_name,
            actor_unit_id: e.actor_unit_id,
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            reason: e.reason,
            payload: e.payload,
        }
    }
}

list_response!(CaseEventList, CaseEventResponse);

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCaseResponse {
    pub tracking_number: String,
    pub status: String,
    pub contact_type: String,
    pub category: Option<String>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closure: Option<String>,
    /// The public answer: the direct answer, the units' feedback, or the referral.
    pub answer: Option<String>,
    pub rating: Option<String>,
    pub can_rate: bool,
    /// For a contact linked to an open case (并单): that case, whose answer is shown.
    pub linked_to: Option<String>,
}

impl From<PublicCaseView> for PublicCaseResponse {
    fn from(v: PublicCaseView) -> Self {
        Self {
            tracking_number: v.tracking_number,
            status: v.status,
            contact_type: v.contact_type,
            category: v.category,
            created_at: v.created_at,
            closed_at: v.closed_at,
            closure: v.closure,
            answer: v.answer,
            rating: v.rating,
            can_rate: v.can_rate,
            linked_to: v.linked_to,
        }
    }
}

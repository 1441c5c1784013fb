//! What readers get back. Caller data is masked here, once, for every API answer.

use chrono::{DateTime, Utc};
use hotline_store::entities::{case, case_event, case_participant};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Principal;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    pub url: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct ParticipantView {
    pub unit_id: Uuid,
    pub tenant_id: Uuid,
    pub role: String,
    pub status: String,
    pub contribution: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    pub contributed_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    /// A co-unit's own deadlines (the lead's are the case's).
    pub sign_due_at: Option<DateTime<Utc>>,
    pub contribute_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct CaseView {
    pub id: Uuid,
    pub tracking_number: String,
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
    /// Masked (`张*`), or absent for the unit a whistle-blower reported about.
    pub caller_name: Option<String>,
    /// Masked (`138****8000`), or absent as above.
    pub caller_phone: Option<String>,
    pub anonymous: bool,
    pub dialled_number: Option<String>,
    pub attachments: Vec<Attachment>,
    pub status: String,
    pub closure: Option<String>,
    pub lead_unit_id: Option<Uuid>,
    pub reported_unit_id: Option<Uuid>,
    pub participants: Vec<ParticipantView>,
    pub answer: Option<String>,
    pub referral: Option<String>,
    pub transfer_line: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub feedback: Option<String>,
    pub feedback_resolved: Option<bool>,
    pub feedback_details: Option<serde_json::Value>,
    pub rating: Option<String>,
    pub rating_comment: Option<String>,
    pub no_return_visit: bool,
    pub return_count: i32,
    pub reopen_count: i32,
    pub problem: bool,
    pub problem_reason: Option<String>,
    pub extension_days_requested: Option<i32>,
    pub extension_reason: Option<String>,
    pub sign_due_at: Option<DateTime<Utc>>,
    pub feedback_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Clone)]
pub struct EventView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_name: Option<String>,
    pub actor_unit_id: Option<Uuid>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    pub payload: Option<serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct RevealedContact {
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
}

/// A whistle-blower's identity is never shown to the unit the report is about.
pub(crate) fn hides_reporter(c: &case::Model, p: &Principal) -> bool {
    c.contact_type == "report" && c.reported_unit_id.is_some() && p.unit_id.map(|u| u.0) == c.reported_unit_id
}

pub(crate) fn participant_view(x: case_participant::Model) -> ParticipantView {
    ParticipantView {
        unit_id: x.unit_id,
        tenant_id: x.tenant_id,
        role: x.role,
        status: x.status,
        contribution: x.contribution,
        signed_at: x.signed_at,
        contributed_at: x.contributed_at,
        released_at: x.released_at,
        sign_due_at: x.sign_due_at,
        contribute_due_at: x.contribute_due_at,
    }
}

pub(crate) fn case_view(c: case::Model, parts: Vec<case_participant::Model>, p: &Principal) -> CaseView {
    let hide = hides_reporter(&c, p);
    CaseView {
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
        caller_name: if hide { None } else { c.caller_name_masked },
        caller_phone: if hide { None } else { c.caller_phone_masked },
        anonymous: c.anonymous,
        dialled_number: c.dialled_number,
        attachments: c.attachments.as_deref().and_then(|a| serde_json::from_str(a).ok()).unwrap_or_default(),
        status: c.status,
        closure: c.closure,
        lead_unit_id: c.lead_unit_id,
        reported_unit_id: c.reported_unit_id,
        participants: parts.into_iter().map(participant_view).collect(),
        answer: c.answer,
        referral: c.referral,
        transfer_line: c.transfer_line,
        duplicate_of: c.duplicate_of,
        feedback: c.feedback,
        feedback_resolved: c.feedback_resolved,
        feedback_details: c.feedback_details.as_deref().and_then(|d| serde_json::from_str(d).ok()),
        rating: c.rating,
        rating_comment: c.rating_comment,
        no_return_visit: c.no_return_visit,
        return_count: c.return_count,
        reopen_count: c.reopen_count,
        problem: c.problem,
        problem_reason: c.problem_reason,
        extension_days_requested: c.extension_days,
        extension_reason: c.extension_reason,
        sign_due_at: c.sign_due_at,
        feedback_due_at: c.feedback_due_at,
        created_at: c.created_at,
        updated_at: c.updated_at,
        closed_at: c.closed_at,
        version: c.version,
    }
}

pub(crate) fn event_view(e: case_event::Model) -> EventView {
    EventView {
        id: e.id,
        at: e.at,
        actor_kind: e.actor_kind,
        actor_name: e.actor_name,
        actor_unit_id: e.actor_unit_id,
        action: e.action,
        from_status: e.from_status,
        to_status: e.to_status,
        reason: e.reason,
        payload: e.payload.as_deref().and_then(|p| serde_json::from_str(p).ok()),
    }
}

//! Intake data checked and turned into the new case row (caller data encrypted on the way).

use chrono::{DateTime, Utc};
use hotline_domain::case::{PhoneNumber, mask_name};
use hotline_store::entities::case;
use sha2::Digest;
use uuid::Uuid;

use super::intake::IntakeInput;

pub(crate) use hotline_domain::case::{CheckedIntake as Checked, check_intake as check};

/// The new case row for checked intake data (encrypting the caller's data on the way).
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_row(
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

pub(crate) fn request_hash(input: &IntakeInput) -> String {
    let bytes = serde_json::to_vec(input).unwrap_or_default();
    hex::encode(sha2::Sha256::digest(bytes))
}

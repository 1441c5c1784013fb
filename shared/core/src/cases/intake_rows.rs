//! Intake data checked and turned into the new case row (caller data encrypted on the way).

use chrono::{DateTime, Utc};
use hotline_domain::case::{Channel, ContactType, PhoneNumber, Urgency, check_description, check_title, mask_name};
use hotline_domain::{District, LineNumber, ValidationError, parse_name};
use hotline_store::entities::case;
use sha2::Digest;
use uuid::Uuid;

use super::intake::IntakeInput;
use super::view::Attachment;

pub(crate) struct Checked {
    pub(crate) channel: Channel,
    pub(crate) contact_type: ContactType,
    pub(crate) urgency: Urgency,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) category: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) district: Option<String>,
    pub(crate) phone: Option<PhoneNumber>,
    pub(crate) name: Option<String>,
    pub(crate) dialled: Option<String>,
    pub(crate) attachments: Vec<Attachment>,
    pub(crate) reported_unit: Option<Uuid>,
}

fn opt_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, ValidationError> {
    v.as_deref().filter(|s| !s.trim().is_empty()).map(|s| parse_name(field, s, max)).transpose()
}

pub(crate) fn check(input: &IntakeInput) -> Result<Checked, ValidationError> {
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

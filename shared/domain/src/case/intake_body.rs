//! The intake body (`POST /cases`, the public form, Open311, the desk) and the checks every
//! intake runs on it. Pure, so it is property-tested and fuzzed without a database
//! (`tests/fuzz`, target `intake_body`); the core calls `check_intake` before anything is stored.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::intake::{MAX_TITLE, check_description, check_title, has_markup};
use super::kinds::{Channel, ContactType, Urgency};
use super::people::PhoneNumber;
use crate::error::ValidationError;
use crate::tenant::{LineNumber, parse_name};
use crate::unit::District;

/// A title made from the description: its first line, at most this many characters.
pub const FALLBACK_TITLE: usize = 40;
pub const MAX_CATEGORY: usize = 64;
pub const MAX_ADDRESS: usize = 500;
pub const MAX_CALLER_NAME: usize = 64;
pub const MAX_ATTACHMENTS: usize = 20;
pub const MAX_ATTACHMENT_URL: usize = 2048;
pub const MAX_ATTACHMENT_TYPE: usize = 100;
pub const MAX_ATTACHMENT_SIZE: u64 = 100 * 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

/// An intake body that holds: every text trimmed and within its limit, words parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedIntake {
    pub channel: Channel,
    pub contact_type: ContactType,
    pub urgency: Urgency,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub address: Option<String>,
    pub district: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub name: Option<String>,
    /// Digits only.
    pub dialled: Option<String>,
    /// Types trimmed.
    pub attachments: Vec<AttachmentInput>,
    pub reported_unit: Option<Uuid>,
}

fn opt_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, ValidationError> {
    v.as_deref().filter(|s| !s.trim().is_empty()).map(|s| parse_name(field, s, max)).transpose()
}

/// The description's first line, cut to `FALLBACK_TITLE` characters. A cut can end inside a
/// word after `<` (`…<abc|中`), which reads as the start of a tag on its own; an ellipsis after
/// the cut ends the word, so the title stays plain text like the description it came from.
fn fallback_title(description: &str) -> String {
    let line = description.lines().next().unwrap_or_default();
    let mut title: String = line.chars().take(FALLBACK_TITLE).collect::<String>().trim_end().to_owned();
    if has_markup(&title) {
        title.push('…');
    }
    title
}

fn check_attachment(i: usize, a: &AttachmentInput) -> Result<AttachmentInput, ValidationError> {
    let field = format!("attachments[{i}]");
    let url_ok = (a.url.starts_with("https://") || a.url.starts_with("http://"))
        && a.url.len() <= MAX_ATTACHMENT_URL
        && !a.url.contains(char::is_whitespace);
    if !url_ok {
        return Err(ValidationError::new(
            format!("{field}.url"),
            "invalid_url",
            format!("an attachment is an http(s) URL of at most {MAX_ATTACHMENT_URL} characters"),
        ));
    }
    let kind = parse_name(&format!("{field}.type"), &a.kind, MAX_ATTACHMENT_TYPE)?;
    if a.size > MAX_ATTACHMENT_SIZE {
        return Err(ValidationError::new(format!("{field}.size"), "too_large", "an attachment is at most 100 MiB"));
    }
    Ok(AttachmentInput { url: a.url.clone(), kind, size: a.size })
}

/// Checks an intake body, naming the first field at fault with a stable code.
pub fn check_intake(input: &IntakeInput) -> Result<CheckedIntake, ValidationError> {
    let channel = Channel::parse(&input.channel)?;
    let contact_type = ContactType::parse(&input.contact_type)?;
    let urgency = input.urgency.as_deref().map(Urgency::parse).transpose()?.unwrap_or(Urgency::General);
    let description = check_description(&input.description)?;
    let title = match input.title.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => check_title(t)?,
        None => fallback_title(&description),
    };
    debug_assert!(title.chars().count() <= MAX_TITLE);
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
    if input.attachments.len() > MAX_ATTACHMENTS {
        return Err(ValidationError::new("attachments", "too_many", format!("at most {MAX_ATTACHMENTS} attachments")));
    }
    let attachments = input.attachments.iter().enumerate().map(|(i, a)| check_attachment(i, a)).collect::<Result<Vec<_>, _>>()?;
    let reported_unit = input
        .reported_unit_id
        .as_deref()
        .map(|s| s.parse::<Uuid>().map_err(|_| ValidationError::new("reported_unit_id", "invalid_id", "reported_unit_id is not a UUID")))
        .transpose()?;
    if reported_unit.is_some() && contact_type != ContactType::Report {
        return Err(ValidationError::new("reported_unit_id", "only_for_reports", "only a report (举报) names a reported unit"));
    }
    Ok(CheckedIntake {
        channel,
        contact_type,
        urgency,
        title,
        description,
        category: opt_text("category", &input.category, MAX_CATEGORY)?,
        address: opt_text("address", &input.address, MAX_ADDRESS)?,
        district,
        phone,
        name: opt_text("caller_name", &input.caller_name, MAX_CALLER_NAME)?,
        dialled,
        attachments,
        reported_unit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(description: &str) -> IntakeInput {
        IntakeInput { channel: "phone".into(), contact_type: "complaint".into(), description: description.into(), ..Default::default() }
    }

    #[test]
    fn a_title_cut_from_the_description_is_plain_text_too() {
        // Found by the intake_body property test: the 40-character cut left "<abc" at the end,
        // which check_title refuses as the start of a tag.
        let description = format!("{}<abc中文", "字".repeat(36));
        let checked = check_intake(&body(&description)).unwrap();
        assert_eq!(checked.title, format!("{}<abc…", "字".repeat(36)));
        assert_eq!(check_title(&checked.title).as_ref(), Ok(&checked.title));
        // The usual case is untouched: the first line, trimmed.
        assert_eq!(check_intake(&body("路灯不亮  \n已经三天了")).unwrap().title, "路灯不亮");
    }
}

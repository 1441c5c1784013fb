//! The intake body: any body is accepted or refused with a field and a code, never a panic, and
//! what is accepted keeps every documented limit.

use proptest::option;
use proptest::prelude::*;
use serde_json::Value;

use super::tricky_text;
use crate::case::*;
use crate::tenant::parse_name;

fn word(valid: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(valid).prop_map(str::to_owned), 1 => tricky_text(3)]
}

/// Texts around a limit: just under, at and just over `max` characters.
fn near(max: usize) -> impl Strategy<Value = String> {
    (max.saturating_sub(2)..=max + 2, prop::sample::select(vec!["字", "a", " "])).prop_map(|(n, c)| format!("x{}", c.repeat(n - 1)))
}

fn text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![6 => tricky_text(12), 1 => near(max), 1 => any::<String>()]
}

fn attachment() -> impl Strategy<Value = AttachmentInput> {
    let url = prop_oneof![
        "https?://[a-z]{1,8}\\.cn/[a-z0-9]{0,8}\\.jpg",
        tricky_text(6),
        (MAX_ATTACHMENT_URL - 10..MAX_ATTACHMENT_URL + 10).prop_map(|n| format!("https://{}", "a".repeat(n - 8))),
    ];
    let size = prop_oneof![0..=MAX_ATTACHMENT_SIZE + 10, Just(u64::MAX)];
    (url, text(MAX_ATTACHMENT_TYPE), size).prop_map(|(url, kind, size)| AttachmentInput { url, kind, size })
}

fn coordinate() -> impl Strategy<Value = f64> {
    prop_oneof![-200.0..200.0f64, Just(90.0), Just(-180.0), Just(180.000001), any::<f64>()]
}

fn body() -> impl Strategy<Value = IntakeInput> {
    let words = (
        word(&["phone", "web", "app", "sms", "email", "letter", "fax", "visit", "wechat", "other"]),
        word(&["consultation", "complaint", "report", "suggestion", "help", "praise", "other"]),
        option::of(word(&["emergency", "utilities", "general", "complex"])),
        option::of(text(MAX_TITLE)),
        text(MAX_DESCRIPTION),
    );
    let places = (
        option::of(text(MAX_CATEGORY)),
        option::of(text(MAX_ADDRESS)),
        option::of(text(64)),
        option::of(coordinate()),
        option::of(coordinate()),
    );
    let people = (
        option::of(text(MAX_CALLER_NAME)),
        option::of(prop_oneof!["\\+?[0-9 ()-]{3,24}", tricky_text(6)]),
        option::of(prop_oneof!["[0-9 -]{2,22}", tricky_text(4)]),
        prop::collection::vec(attachment(), 0..=MAX_ATTACHMENTS + 1),
        option::of(prop_oneof![Just("0190a0c0-0000-7000-8000-000000000001".to_owned()), tricky_text(4)]),
    );
    (words, places, people).prop_map(
        |(
            (channel, contact_type, urgency, title, description),
            (category, address, district, lat, long),
            (caller_name, caller_phone, dialled_number, attachments, reported_unit_id),
        )| IntakeInput {
            channel,
            contact_type,
            category,
            urgency,
            title,
            description,
            address,
            district,
            lat,
            long,
            caller_name,
            caller_phone,
            dialled_number,
            attachments,
            reported_unit_id,
            call_id: None,
        },
    )
}

/// An optional text the check accepted: trimmed, 1 to `max` characters, no control characters.
fn plain_optional(field: &str, v: &Option<String>, max: usize) -> Result<(), TestCaseError> {
    if let Some(s) = v {
        prop_assert_eq!(parse_name(field, s, max), Ok(s.clone()), "{} is not a checked text", field);
    }
    Ok(())
}

fn holds_the_limits(input: &IntakeInput, c: &CheckedIntake) -> Result<(), TestCaseError> {
    // Required texts come back exactly as their own checks return them: trimmed, bounded, plain.
    prop_assert_eq!(check_description(&c.description), Ok(c.description.clone()));
    prop_assert_eq!(check_title(&c.title), Ok(c.title.clone()));
    prop_assert!(c.description.chars().count() <= MAX_DESCRIPTION);
    let title_max = if input.title.as_deref().is_some_and(|t| !t.trim().is_empty()) { MAX_TITLE } else { FALLBACK_TITLE + 1 };
    prop_assert!(c.title.chars().count() <= title_max, "title {:?}", c.title);
    plain_optional("category", &c.category, MAX_CATEGORY)?;
    plain_optional("address", &c.address, MAX_ADDRESS)?;
    plain_optional("district", &c.district, 64)?;
    plain_optional("caller_name", &c.name, MAX_CALLER_NAME)?;
    if let Some(p) = &c.phone {
        prop_assert!(p.as_str().chars().all(|ch| ch.is_ascii_digit()) && (5..=20).contains(&p.as_str().len()));
    }
    if let Some(d) = &c.dialled {
        prop_assert!(d.chars().all(|ch| ch.is_ascii_digit()) && (3..=20).contains(&d.len()), "dialled {d}");
    }
    match (input.lat, input.long) {
        (None, None) => {}
        (Some(lat), Some(long)) => prop_assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&long)),
        _ => prop_assert!(false, "only one coordinate accepted"),
    }
    prop_assert!(c.attachments.len() <= MAX_ATTACHMENTS);
    for a in &c.attachments {
        prop_assert!(a.url.starts_with("http://") || a.url.starts_with("https://"));
        prop_assert!(a.url.len() <= MAX_ATTACHMENT_URL && !a.url.contains(char::is_whitespace));
        prop_assert_eq!(parse_name("type", &a.kind, MAX_ATTACHMENT_TYPE), Ok(a.kind.clone()));
        prop_assert!(a.size <= MAX_ATTACHMENT_SIZE);
    }
    if c.reported_unit.is_some() {
        prop_assert_eq!(c.contact_type, ContactType::Report);
    }
    Ok(())
}

proptest! {
    #[test]
    fn every_body_is_accepted_within_the_limits_or_refused_with_a_field_and_code(input in body()) {
        let first = check_intake(&input);
        // Deterministic: the same body, the same answer.
        prop_assert_eq!(&first, &check_intake(&input));
        match first {
            Ok(c) => holds_the_limits(&input, &c)?,
            Err(e) => {
                prop_assert!(!e.field.is_empty() && !e.code.is_empty() && !e.message.is_empty(), "{e:?}");
                prop_assert!(e.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "code {}", e.code);
            }
        }
    }

    #[test]
    fn a_body_reads_back_from_its_json_to_the_same_answer(input in body()) {
        // JSON has no NaN or infinity (serde_json writes null): such a body cannot arrive.
        prop_assume!(input.lat.is_none_or(f64::is_finite) && input.long.is_none_or(f64::is_finite));
        // What the endpoint does: JSON text → the body type → the check.
        let text = serde_json::to_string(&input).unwrap();
        let parsed: IntakeInput = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(check_intake(&parsed), check_intake(&input));
    }

    #[test]
    fn any_json_text_parses_or_is_refused_without_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), json in any_json()) {
        if let Ok(input) = serde_json::from_slice::<IntakeInput>(&bytes) {
            let _ = check_intake(&input);
        }
        if let Ok(input) = serde_json::from_value::<IntakeInput>(json) {
            let _ = check_intake(&input);
        }
    }
}

/// Objects shaped like intake bodies with values of any JSON type.
fn any_json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "channel",
        "contact_type",
        "description",
        "title",
        "urgency",
        "lat",
        "long",
        "caller_phone",
        "attachments",
        "url",
        "type",
        "size",
        "reported_unit_id",
        "dialled_number",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![tricky_text(6), Just("phone".to_owned()), Just("complaint".to_owned())].prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

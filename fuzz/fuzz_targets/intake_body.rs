//! The intake body as the endpoint takes it: JSON text parsed with serde into the body type
//! (`IntakeInput`, which the API's `IntakeRequest` converts into field for field), then the
//! check every intake runs (`check_intake`). No panic; an accepted body keeps the limits.
#![no_main]

use hotline_domain::case::{self, IntakeInput};
use hotline_domain::parse_name;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<IntakeInput>(data) else { return };
    let checked = case::check_intake(&input);
    assert_eq!(checked, case::check_intake(&input), "deterministic");
    let c = match checked {
        Ok(c) => c,
        Err(e) => {
            assert!(!e.field.is_empty() && !e.code.is_empty());
            return;
        }
    };
    assert_eq!(case::check_description(&c.description).as_ref(), Ok(&c.description));
    assert_eq!(case::check_title(&c.title).as_ref(), Ok(&c.title));
    for (field, v, max) in [
        ("category", &c.category, case::MAX_CATEGORY),
        ("address", &c.address, case::MAX_ADDRESS),
        ("district", &c.district, 64),
        ("caller_name", &c.name, case::MAX_CALLER_NAME),
    ] {
        if let Some(s) = v {
            assert_eq!(parse_name(field, s, max).as_ref(), Ok(s), "{field}");
        }
    }
    if let Some(p) = &c.phone {
        assert!(p.as_str().bytes().all(|b| b.is_ascii_digit()));
    }
    if let Some(d) = &c.dialled {
        assert!(d.bytes().all(|b| b.is_ascii_digit()) && (3..=20).contains(&d.len()));
    }
    if let (Some(lat), Some(long)) = (input.lat, input.long) {
        assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&long));
    }
    assert!(input.lat.is_some() == input.long.is_some());
    assert!(c.attachments.len() <= case::MAX_ATTACHMENTS);
    for a in &c.attachments {
        assert!(a.url.starts_with("http://") || a.url.starts_with("https://"));
        assert!(a.url.len() <= case::MAX_ATTACHMENT_URL && a.size <= case::MAX_ATTACHMENT_SIZE);
    }
    assert!(c.reported_unit.is_none() || c.contact_type == case::ContactType::Report);
});

//! The phone normaliser and the masks on any text: no panic; what is accepted is 5 to 20 ASCII
//! digits, parses to itself, and its mask hides at least four digits; masking a name twice
//! changes nothing.
#![no_main]

use hotline_domain::case::{PhoneNumber, mask_name};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(p) = PhoneNumber::parse(&text) {
        let d = p.as_str();
        assert!((5..=20).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()), "{d}");
        assert_eq!(PhoneNumber::parse(d).as_ref(), Ok(&p), "normalising is idempotent");
        let masked = p.masked();
        let (head, tail) = masked.split_once("****").expect("four stars");
        assert!(d.starts_with(head) && d.ends_with(tail) && head.len() <= 3 && tail.len() <= 4, "{masked} of {d}");
        assert!(d.len() - head.len() - tail.len() >= 4, "{masked} shows too much of {d}");
        assert!(PhoneNumber::parse(&masked).is_err(), "a mask is not a number");
    }
    let name = mask_name(&text);
    assert_eq!(name.chars().count(), text.trim().chars().count());
    assert_eq!(mask_name(&name), name, "masking a name is idempotent");
});

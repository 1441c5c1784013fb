//! The phone normaliser and the phone and name masks.

use proptest::prelude::*;

use super::tricky_text;
use crate::case::{PhoneNumber, mask_name};

/// Phone-like input: digits with the separators and country codes people type.
fn phone_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => "[0-9]{1,4}",
        1 => prop::sample::select(vec!["+86", "0086", "+", " ", "-", "(", ")", "+1", "*", "#", "０"]).prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

fn any_phone_input() -> impl Strategy<Value = String> {
    prop_oneof![3 => phone_like(), 1 => tricky_text(12), 1 => any::<String>()]
}

proptest! {
    #[test]
    fn normalising_keeps_only_digits_and_is_idempotent(input in any_phone_input()) {
        if let Ok(p) = PhoneNumber::parse(&input) {
            let d = p.as_str();
            prop_assert!((5..=20).contains(&d.len()), "{d}");
            prop_assert!(d.chars().all(|c| c.is_ascii_digit()), "{d}");
            // A normalised number parses to itself: one number, one lookup hash.
            prop_assert_eq!(PhoneNumber::parse(d), Ok(p.clone()));
            // Spacing and a country code do not change the number.
            prop_assert_eq!(PhoneNumber::parse(&format!("+86 {d}")), Ok(p.clone()));
            prop_assert_eq!(PhoneNumber::parse(&format!("0086-{d}")), Ok(p));
        }
    }

    #[test]
    fn the_mask_hides_four_digits_or_more_and_shows_only_the_ends(digits in "[0-9]{5,20}") {
        let Ok(p) = PhoneNumber::parse(&digits) else {
            // Only a country code can leave too few digits.
            prop_assert!(digits.starts_with("0086"), "{digits}");
            return Ok(());
        };
        let d = p.as_str();
        let masked = p.masked();
        let (head, tail) = masked.split_once("****").expect("one run of four stars");
        prop_assert!(head.len() <= 3 && tail.len() <= 4, "{masked}");
        prop_assert!(d.starts_with(head) && d.ends_with(tail), "{masked} is not of {d}");
        prop_assert!(head.chars().chain(tail.chars()).all(|c| c.is_ascii_digit()), "{masked}");
        let shown = head.len() + tail.len();
        prop_assert!(d.len() - shown >= 4, "{masked} shows {shown} of {} digits", d.len());
        // The documented form: 138****8000 for mobiles (and longer), never fewer shown digits
        // than needed to recognise a number of that length.
        if d.len() >= 11 {
            prop_assert_eq!((head.len(), tail.len()), (3, 4));
        } else if d.len() >= 8 {
            prop_assert_eq!((head.len(), tail.len()), (0, 4));
        }
        // A mask is not a number: it cannot be taken in (or masked) as one.
        prop_assert!(PhoneNumber::parse(&masked).is_err());
        prop_assert_eq!(p.last4(), &d[d.len() - 4..]);
    }

    #[test]
    fn the_mask_depends_on_the_number_not_on_how_it_was_typed(input in phone_like()) {
        if let Ok(p) = PhoneNumber::parse(&input) {
            prop_assert_eq!(p.masked(), PhoneNumber::parse(p.as_str()).unwrap().masked());
        }
    }

    #[test]
    fn a_masked_name_keeps_its_first_character_and_masking_again_changes_nothing(name in prop_oneof![tricky_text(8), any::<String>()]) {
        let masked = mask_name(&name);
        let trimmed = name.trim();
        prop_assert_eq!(masked.chars().count(), trimmed.chars().count());
        prop_assert_eq!(masked.chars().next(), trimmed.chars().next());
        prop_assert!(masked.chars().skip(1).all(|c| c == '*'), "{masked}");
        prop_assert_eq!(mask_name(&masked), masked.clone());
    }
}

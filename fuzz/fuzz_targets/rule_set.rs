//! Rule sets from any bytes: `<rule set JSON> [NUL <fact bytes> [NUL <title> [NUL <description>]]]`.
//! Parsing refuses with a path or gives rules that round-trip through their JSON; compiling
//! refuses with a path or gives a set whose evaluation, for every event, never panics, is
//! deterministic, keeps priority order and stops only at its last rule.
#![no_main]

use hotline_domain::rules::{CompiledRuleSet, Facts, RuleEvent, parse_rules};
use libfuzzer_sys::fuzz_target;

const VALUES: &[&str] = &["complaint", "report", "general", "emergency", "phone", "app", "鼓楼区", "12345", "1", ""];

fn facts(bytes: &[u8]) -> Facts {
    let b = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let word = |i: usize| VALUES[b(i) as usize % VALUES.len()].to_owned();
    let opt = |i: usize| (b(i) < 128).then(|| word(i));
    let mut parts = bytes.get(10..).unwrap_or_default().splitn(2, |&c| c == 0);
    let mut text = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    Facts {
        contact_type: word(0),
        category: opt(1),
        urgency: word(2),
        channel: word(3),
        district: opt(4),
        dialled_number: opt(5),
        hour: u32::from(b(6)),
        weekday: u32::from(b(7)),
        staffed: b(8) & 1 == 1,
        caller_history: u64::from(b(9)),
        attachments: u64::from(b(8) >> 4),
        title: text(),
        description: text(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |&c| c == 0);
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(parts.next().unwrap_or_default()) else { return };
    let facts = facts(parts.next().unwrap_or_default());
    let rules = match parse_rules(&v) {
        Ok(rules) => rules,
        Err(e) => {
            assert!(e.path.starts_with("rules"), "{e}");
            return;
        }
    };
    let back = serde_json::to_value(&rules).expect("rules serialise");
    assert_eq!(parse_rules(&back).as_ref(), Ok(&rules), "round trip");
    let set = match CompiledRuleSet::compile(1, rules) {
        Ok(set) => set,
        Err(e) => {
            assert!(e.path.starts_with("rules"), "{e}");
            return;
        }
    };
    for &event in RuleEvent::ALL {
        let e = set.evaluate(event, &facts);
        let again = set.evaluate(event, &facts);
        assert_eq!(serde_json::to_value(&e).unwrap(), serde_json::to_value(&again).unwrap(), "deterministic");
        assert!(e.evaluated.iter().all(|t| t.rule.event == event));
        assert!(e.evaluated.windows(2).all(|w| w[0].rule.priority >= w[1].rule.priority));
        assert!(e.evaluated.iter().rev().skip(1).all(|t| !t.stop));
        for w in &e.keywords_found {
            assert!(facts.title.contains(w.as_str()) || facts.description.contains(w.as_str()), "{w}");
        }
    }
});

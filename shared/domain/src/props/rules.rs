//! Rule sets: any JSON is parsed or refused with a path; a parsed set round-trips through its
//! JSON; evaluation never panics, is deterministic, and picks exactly the rules plain JsonLogic
//! over the same facts would (the keyword automaton and the native field tests are shortcuts,
//! not a second meaning).

use std::cmp::Reverse;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::tricky_text;
use crate::rules::{CompiledRuleSet, Facts, Rule, RuleEvent, engine, parse_rules};

/// Keywords, two of them overlapping (`停水` inside `小区停水`, `ab` inside `abc`).
const WORDS: &[&str] = &["油烟", "餐馆", "垃圾", "停水", "小区停水", "停电", "ab", "abc", "b"];
const STRING_FACTS: &[&str] = &["contact_type", "category", "urgency", "channel", "district", "dialled_number"];
const NUMBER_FACTS: &[&str] = &["hour", "weekday", "caller_history", "attachments"];
const OTHER_NAMES: &[&str] = &["title", "description", "staffed", "_kw", "", "title.x", "nope"];
/// Values facts take, with look-alikes that only loose equality could confuse.
const VALUES: &[&str] =
    &["complaint", "report", "general", "emergency", "phone", "app", "鼓楼区", "台江区", "12345", "012345", "1", "1.0", ""];
const EVENTS: &[&str] = &["case_received", "case_reopened", "case_returned", "case_updated", "deadline_near", "deadline_passed"];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(list)
}

fn condition() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!(true)),
        Just(json!(false)),
        prop::collection::vec(pick(WORDS), 1..3).prop_map(|w| json!({ "kw": w })),
        pick(WORDS).prop_map(|w| json!({ "kw": w })),
        (pick(&["==", "===", "!=", "!=="]), pick(STRING_FACTS), pick(VALUES), any::<bool>()).prop_map(|(op, f, v, swap)| {
            let var = json!({ "var": f });
            if swap { json!({ op: [v, var] }) } else { json!({ op: [var, v] }) }
        }),
        (pick(&["<", "<=", ">", ">=", "=="]), pick(NUMBER_FACTS), -3i64..30).prop_map(|(op, f, n)| json!({ op: [{ "var": f }, n] })),
        prop_oneof![pick(STRING_FACTS), pick(OTHER_NAMES)].prop_map(|f| json!({ "missing": [f] })),
        prop_oneof![pick(STRING_FACTS), pick(OTHER_NAMES)].prop_map(|f| json!({ "!!": [{ "var": f }] })),
        (pick(WORDS), pick(&["title", "description"])).prop_map(|(w, f)| json!({ "in": [w, { "var": f }] })),
        Just(json!({ "var": { "cat": ["ti", "tle"] } })),
        Just(json!({ "missing_some": [1, ["description", "district"]] })),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(|c| json!({ "and": c })),
            prop::collection::vec(inner.clone(), 1..4).prop_map(|c| json!({ "or": c })),
            inner.clone().prop_map(|c| json!({ "!": [c] })),
            (inner.clone(), inner.clone(), inner).prop_map(|(a, b, c)| json!({ "if": [a, b, c] })),
        ]
    })
}

fn action() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!({"type": "route_to_line", "line": "12319"}),
        json!({"type": "route_to_unit", "unit": "u-1"}),
        json!({"type": "joint_handling", "lead": "12369", "co_units": ["12319", "12398"]}),
        json!({"type": "set_urgency", "urgency": "emergency"}),
        json!({"type": "set_category", "category": "市容环境"}),
        json!({"type": "set_contact_type", "contact_type": "report"}),
        json!({"type": "add_tag", "tag": "环卫"}),
        json!({"type": "answer_from_kb", "article": "kb-1"}),
        json!({"type": "notify", "role": "dispatcher"}),
        json!({"type": "notify", "unit": "u-2"}),
        json!({"type": "flag_problem", "reason": "hot_spot"}),
        json!({"type": "transfer_emergency", "line": "110"}),
    ])
}

fn rule() -> impl Strategy<Value = Value> {
    ("[a-z]{1,4}", pick(EVENTS), -2i32..3, condition(), prop::collection::vec(action(), 1..3), prop::option::of(any::<bool>())).prop_map(
        |(name, event, priority, conditions, actions, stop)| {
            let mut r = json!({"name": name, "event": event, "priority": priority, "conditions": conditions, "actions": actions});
            if let Some(stop) = stop {
                r["stop"] = stop.into();
            }
            r
        },
    )
}

fn rule_set() -> impl Strategy<Value = Value> {
    prop::collection::vec(rule(), 0..8).prop_map(Value::Array)
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![tricky_text(4), pick(EVENTS).prop_map(str::to_owned), pick(WORDS).prop_map(str::to_owned)].prop_map(Value::from),
    ];
    let keys = prop_oneof![
        pick(&[
            "name",
            "event",
            "priority",
            "conditions",
            "actions",
            "stop",
            "type",
            "line",
            "unit",
            "role",
            "co_units",
            "lead",
            "kw",
            "var",
            "and"
        ]),
        pick(&["route_to_line", "notify", "joint_handling", "urgency", "contact_type", "in", "missing"]),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// A valid rule set with one node (by preorder position) replaced by any JSON: near misses.
fn damaged_rule_set() -> impl Strategy<Value = Value> {
    (rule_set(), any::<prop::sample::Index>(), any_json()).prop_map(|(mut set, at, with)| {
        fn count(v: &Value) -> usize {
            1 + match v {
                Value::Array(a) => a.iter().map(count).sum(),
                Value::Object(o) => o.values().map(count).sum(),
                _ => 0,
            }
        }
        fn replace(v: &mut Value, k: &mut usize, with: &Value) -> bool {
            if *k == 0 {
                *v = with.clone();
                return true;
            }
            *k -= 1;
            match v {
                Value::Array(a) => a.iter_mut().any(|c| replace(c, k, with)),
                Value::Object(o) => o.values_mut().any(|c| replace(c, k, with)),
                _ => false,
            }
        }
        let mut k = at.index(count(&set));
        replace(&mut set, &mut k, &with);
        set
    })
}

fn facts() -> impl Strategy<Value = Facts> {
    let text = prop::collection::vec(prop_oneof![pick(WORDS).prop_map(str::to_owned), tricky_text(2)], 0..5).prop_map(|v| v.concat());
    let opt = |list: &'static [&'static str]| prop::option::of(pick(list).prop_map(str::to_owned));
    (
        (pick(VALUES), opt(VALUES), pick(VALUES), pick(VALUES), opt(VALUES), opt(VALUES)),
        (text.clone(), text, 0u32..30, 0u32..9, any::<bool>(), 0u64..10, 0u64..5),
    )
        .prop_map(
            |(
                (contact_type, category, urgency, channel, district, dialled_number),
                (title, description, hour, weekday, staffed, caller_history, attachments),
            )| Facts {
                contact_type: contact_type.into(),
                category,
                urgency: urgency.into(),
                channel: channel.into(),
                district,
                dialled_number,
                title,
                description,
                hour,
                weekday,
                staffed,
                caller_history,
                attachments,
            },
        )
}

/// JsonLogic truthiness, as the evaluator decides a rule.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::Object(_) => true,
    }
}

/// The meaning of a rule set without shortcuts: every rule of the event in priority order
/// (ties in written order), its whole condition by plain JsonLogic over all facts and the
/// keywords occurring in the text, until a matching rule stops.
fn reference(rules: &[Rule], event: RuleEvent, facts: &Facts, found: &[String]) -> Vec<String> {
    let mut data = serde_json::to_value(facts).unwrap();
    data["_kw"] = json!(found);
    let mut order: Vec<&Rule> = rules.iter().filter(|r| r.event == event).collect();
    order.sort_by_key(|r| Reverse(r.priority));
    let mut matched = Vec::new();
    for r in order {
        let logic = engine().compile(&r.conditions).unwrap();
        if engine().session().eval_into::<Value, _>(&logic, &data).is_ok_and(|v| truthy(&v)) {
            matched.push(r.name.clone());
            if r.stop {
                break;
            }
        }
    }
    matched
}

proptest! {
    #[test]
    fn any_json_is_parsed_or_refused_with_a_path(v in prop_oneof![any_json(), damaged_rule_set()]) {
        match parse_rules(&v) {
            Err(e) => prop_assert!(e.path.starts_with("rules") && !e.message.is_empty(), "{e:?}"),
            Ok(rules) => {
                let back = serde_json::to_value(&rules).unwrap();
                prop_assert_eq!(parse_rules(&back), Ok(rules.clone()));
                if let Err(e) = CompiledRuleSet::compile(1, rules) {
                    prop_assert!(e.path.starts_with("rules[") && !e.message.is_empty(), "{e:?}");
                }
            }
        }
    }

    #[test]
    fn a_parsed_rule_set_round_trips_through_its_json(v in rule_set()) {
        let rules = parse_rules(&v).expect("the generator writes valid rule sets");
        let back = serde_json::to_value(&rules).unwrap();
        prop_assert_eq!(parse_rules(&back), Ok(rules.clone()));
        prop_assert_eq!(serde_json::from_value::<Vec<Rule>>(back).unwrap(), rules.clone());
        CompiledRuleSet::compile(7, rules).expect("every generated condition compiles");
    }

    #[test]
    fn a_fact_a_set_says_it_does_not_read_changes_none_of_its_decisions(v in rule_set(), f in facts(), e in 0..EVENTS.len(), n in 1u64..10) {
        // The service skips the caller-history query for such sets and passes 0 instead.
        let set = CompiledRuleSet::compile(3, parse_rules(&v).unwrap()).unwrap();
        let event = RuleEvent::parse(EVENTS[e]).unwrap();
        if !set.may_read("caller_history") {
            let (mut none, mut some) = (f.clone(), f);
            none.caller_history = 0;
            some.caller_history = n;
            prop_assert_eq!(serde_json::to_value(set.evaluate(event, &none)).unwrap(), serde_json::to_value(set.evaluate(event, &some)).unwrap());
        }
    }

    #[test]
    fn evaluation_is_deterministic_and_means_what_plain_json_logic_means(v in rule_set(), f in facts(), e in 0..EVENTS.len()) {
        let rules = parse_rules(&v).unwrap();
        let set = CompiledRuleSet::compile(3, rules.clone()).unwrap();
        let event = RuleEvent::parse(EVENTS[e]).unwrap();
        let first = set.evaluate(event, &f);
        prop_assert_eq!(serde_json::to_value(&first).unwrap(), serde_json::to_value(set.evaluate(event, &f)).unwrap());

        // The automaton finds exactly the keywords that occur in the text.
        let mut occurring: Vec<String> = rules.iter().flat_map(|r| keywords_in(&r.conditions)).filter(|w| f.title.contains(w.as_str()) || f.description.contains(w.as_str())).collect();
        occurring.sort();
        occurring.dedup();
        let mut found = first.keywords_found.clone();
        found.sort();
        prop_assert_eq!(&found, &occurring);

        // Only the event's rules, highest priority first, a stop only at the end.
        prop_assert!(first.evaluated.iter().all(|t| t.rule.event == event));
        prop_assert!(first.evaluated.windows(2).all(|w| w[0].rule.priority >= w[1].rule.priority));
        prop_assert!(first.evaluated.iter().rev().skip(1).all(|t| !t.stop));
        prop_assert!(first.evaluated.iter().all(|t| t.stop == (t.matched && t.rule.stop)));
        let of_event = rules.iter().filter(|r| r.event == event).count();
        let stopped = first.evaluated.last().is_some_and(|t| t.stop);
        prop_assert!(first.evaluated.len() + first.skipped <= of_event);
        if !stopped {
            prop_assert_eq!(first.evaluated.len() + first.skipped, of_event);
        }

        let matched: Vec<String> = first.matched().map(|t| t.name().to_owned()).collect();
        prop_assert_eq!(matched, reference(&rules, event, &f, &first.keywords_found));
    }
}

/// The words of every `kw` in a condition.
fn keywords_in(v: &Value) -> Vec<String> {
    match v {
        Value::Object(o) => o
            .iter()
            .flat_map(|(k, a)| {
                if k == "kw" {
                    match a {
                        Value::Array(list) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                        Value::String(s) => vec![s.clone()],
                        _ => vec![],
                    }
                } else {
                    keywords_in(a)
                }
            })
            .collect(),
        Value::Array(a) => a.iter().flat_map(keywords_in).collect(),
        _ => vec![],
    }
}

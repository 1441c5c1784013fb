//! Compiling a rule set for the hot path: JsonLogic conditions compiled once, every keyword of
//! every `{"kw": [...]}` condition in one Aho-Corasick automaton, and rules that require a
//! keyword indexed by it, so one case scans its text once and evaluates only the rules that can
//! match (no I/O, no per-rule `contains` loop).

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use datalogic_rs::bumpalo::Bump;
use datalogic_rs::operator::EvalContext;
use datalogic_rs::{CustomOperator, DataValue, Engine, Logic, ParsedData};
use serde::Serialize;
use serde_json::{Value, json};

use super::model::{Rule, RuleAction, RuleError, RuleEvent};

/// `{"kw": ["油烟", "餐馆"]}`: true when any of the words occurs in the case's title or
/// description. The words found are computed once per case by the automaton and handed to the
/// operator in the facts as `_kw`.
struct Keywords;

impl CustomOperator for Keywords {
    fn evaluate<'a>(
        &self,
        args: &[&'a DataValue<'a>],
        ctx: &mut EvalContext<'_, 'a>,
        arena: &'a Bump,
    ) -> datalogic_rs::Result<&'a DataValue<'a>> {
        let found = ctx.root_input().get("_kw").and_then(|v| v.as_array()).unwrap_or(&[]);
        let wanted = |w: &str| found.iter().any(|f| f.as_str() == Some(w));
        let mut hit = false;
        for a in args {
            match a.as_array() {
                Some(list) => hit |= list.iter().any(|w| w.as_str().is_some_and(wanted)),
                None => hit |= a.as_str().is_some_and(wanted),
            }
        }
        Ok(arena.alloc(DataValue::Bool(hit)))
    }
}

/// The one engine every rule set compiles and evaluates with.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builder().add_operator("kw", Keywords).build())
}

/// The keywords of a `kw` condition, if `cond` is one.
fn kw_words(cond: &Value) -> Option<Vec<String>> {
    let args = cond.as_object().filter(|o| o.len() == 1)?.get("kw")?;
    let mut out = Vec::new();
    let mut push = |v: &Value| {
        if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
            out.push(s.to_owned());
        }
    };
    match args {
        Value::Array(list) => list.iter().for_each(|v| match v {
            Value::Array(inner) => inner.iter().for_each(&mut push),
            other => push(other),
        }),
        other => push(other),
    }
    Some(out)
}

/// Keywords without one of which the condition cannot be true: the condition itself is a `kw`,
/// or one conjunct of a top-level `and` is. `None` = the rule must always be evaluated.
fn required_keywords(cond: &Value) -> Option<Vec<String>> {
    if let Some(words) = kw_words(cond) {
        return Some(words);
    }
    let conjuncts = cond.as_object().filter(|o| o.len() == 1)?.get("and")?.as_array()?;
    conjuncts.iter().find_map(kw_words)
}

/// Every keyword literal anywhere in the condition (for the automaton).
fn all_keywords(cond: &Value, out: &mut Vec<String>) {
    if let Some(words) = kw_words(cond) {
        out.extend(words);
        return;
    }
    match cond {
        Value::Array(list) => list.iter().for_each(|v| all_keywords(v, out)),
        Value::Object(map) => map.values().for_each(|v| all_keywords(v, out)),
        _ => {}
    }
}

/// The JsonLogic operators rule conditions may use (the jsonlogic.com baseline plus `kw`).
/// Anything else is refused when the rule set is saved, not discovered when a case arrives.
const OPERATORS: &[&str] = &[
    "var",
    "missing",
    "missing_some",
    "if",
    "?:",
    "==",
    "===",
    "!=",
    "!==",
    "!",
    "!!",
    "or",
    "and",
    ">",
    ">=",
    "<",
    "<=",
    "max",
    "min",
    "+",
    "-",
    "*",
    "/",
    "%",
    "map",
    "filter",
    "reduce",
    "all",
    "none",
    "some",
    "merge",
    "in",
    "cat",
    "substr",
    "kw",
];

fn check_operators(v: &Value, path: &str) -> Result<(), RuleError> {
    match v {
        Value::Object(map) if map.len() == 1 => {
            let (op, args) = map.iter().next().expect("one entry");
            if !OPERATORS.contains(&op.as_str()) {
                return Err(RuleError {
                    path: format!("{path}.{op}"),
                    message: format!("'{op}' is not a JsonLogic operator rules may use"),
                });
            }
            if op == "kw" && kw_words(v).is_none_or(|w| w.is_empty()) {
                return Err(RuleError { path: format!("{path}.kw"), message: "kw takes one or more non-empty words".into() });
            }
            match args {
                Value::Array(list) => list.iter().enumerate().try_for_each(|(i, a)| check_operators(a, &format!("{path}.{op}[{i}]"))),
                other => check_operators(other, &format!("{path}.{op}")),
            }
        }
        Value::Object(map) if map.is_empty() => Ok(()),
        Value::Object(_) => Err(RuleError { path: path.to_owned(), message: "an operation has exactly one operator".into() }),
        Value::Array(list) => list.iter().enumerate().try_for_each(|(i, a)| check_operators(a, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

struct CompiledRule {
    rule: Rule,
    logic: Logic,
    /// Position in the set, for stable ordering among equal priorities.
    order: usize,
}

/// A published (or draft) rule set ready to evaluate.
pub struct CompiledRuleSet {
    pub version: i32,
    rules: Vec<CompiledRule>,
    automaton: Option<AhoCorasick>,
    words: Vec<String>,
    /// Keyword index → rules (by position in `rules`) that require it.
    by_word: Vec<Vec<usize>>,
    /// Rules evaluated for every case of their event.
    always: Vec<usize>,
}

impl std::fmt::Debug for CompiledRuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledRuleSet").field("version", &self.version).field("rules", &self.rules.len()).finish()
    }
}

/// What is known about a case when rules run. Field names are the `var` names rules use.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facts {
    pub contact_type: String,
    pub category: Option<String>,
    pub urgency: String,
    pub channel: String,
    pub district: Option<String>,
    pub dialled_number: Option<String>,
    pub title: String,
    pub description: String,
    /// Local hour of receipt, 0–23.
    pub hour: u32,
    /// ISO weekday of receipt, 1 (Monday) – 7.
    pub weekday: u32,
    /// Received during staffed hours (Monday–Friday 08:30–17:30 local until the SLA issue adds
    /// per-tenant calendars).
    pub staffed: bool,
    /// Earlier contacts from the same phone number.
    pub caller_history: u64,
    pub attachments: u64,
}

/// One rule's part in an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTrace {
    pub rule: String,
    pub priority: i32,
    pub matched: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<RuleAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub stop: bool,
}

/// The matching rules of one rule set for one case and event, in the order they apply.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    pub version: i32,
    /// Every rule evaluated, in order; rules skipped because none of their required keywords
    /// occur are counted in `skipped`.
    pub evaluated: Vec<RuleTrace>,
    pub skipped: usize,
    pub keywords_found: Vec<String>,
}

impl Evaluation {
    pub fn matched(&self) -> impl Iterator<Item = &RuleTrace> {
        self.evaluated.iter().filter(|r| r.matched)
    }
}

fn truthy(v: &DataValue<'_>) -> bool {
    match v {
        DataValue::Null => false,
        DataValue::Bool(b) => *b,
        DataValue::String(s) => !s.is_empty(),
        DataValue::Array(a) => !a.is_empty(),
        other => other.as_f64().map(|n| n != 0.0 && !n.is_nan()).unwrap_or(true),
    }
}

impl CompiledRuleSet {
    pub fn compile(version: i32, rules: Vec<Rule>) -> Result<Self, RuleError> {
        let mut compiled = Vec::with_capacity(rules.len());
        let mut words: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut requires: Vec<Option<Vec<String>>> = Vec::new();
        for (i, rule) in rules.into_iter().enumerate() {
            check_operators(&rule.conditions, &format!("rules[{i}].conditions"))?;
            let logic = engine()
                .compile(&rule.conditions)
                .map_err(|e| RuleError { path: format!("rules[{i}].conditions"), message: format!("not valid JsonLogic: {e}") })?;
            let mut kws = Vec::new();
            all_keywords(&rule.conditions, &mut kws);
            for w in kws {
                let next = words.len();
                index.entry(w.clone()).or_insert_with(|| {
                    words.push(w);
                    next
                });
            }
            requires.push(required_keywords(&rule.conditions));
            compiled.push(CompiledRule { rule, logic, order: i });
        }
        // Highest priority first; equal priorities keep their written order.
        compiled.sort_by(|a, b| b.rule.priority.cmp(&a.rule.priority).then(a.order.cmp(&b.order)));
        let mut by_word = vec![Vec::new(); words.len()];
        let mut always = Vec::new();
        for (pos, c) in compiled.iter().enumerate() {
            match &requires[c.order] {
                Some(req) if !req.is_empty() => req.iter().for_each(|w| by_word[index[w]].push(pos)),
                _ => always.push(pos),
            }
        }
        let automaton = if words.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&words).map_err(|e| RuleError { path: "rules".into(), message: format!("keywords: {e}") })?)
        };
        Ok(Self { version, rules: compiled, automaton, words, by_word, always })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Runs the rules of `event` over `facts`, in priority order, until a matching rule stops.
    pub fn evaluate(&self, event: RuleEvent, facts: &Facts) -> Evaluation {
        let mut found = vec![false; self.words.len()];
        let mut candidates = vec![false; self.rules.len()];
        for &pos in &self.always {
            candidates[pos] = true;
        }
        if let Some(ac) = &self.automaton {
            for text in [&facts.title, &facts.description] {
                for m in ac.find_overlapping_iter(text.as_str()) {
                    let w = m.pattern().as_usize();
                    if !found[w] {
                        found[w] = true;
                        self.by_word[w].iter().for_each(|&pos| candidates[pos] = true);
                    }
                }
            }
        }
        let keywords_found: Vec<String> = found.iter().enumerate().filter(|(_, f)| **f).map(|(i, _)| self.words[i].clone()).collect();
        let mut data = serde_json::to_value(facts).unwrap_or_else(|_| json!({}));
        data["_kw"] = json!(keywords_found);
        let mut out = Evaluation { version: self.version, keywords_found, ..Default::default() };
        let parsed = match ParsedData::from_json(&data.to_string()) {
            Ok(p) => p,
            Err(_) => return out,
        };
        let arena = Bump::new();
        for (pos, c) in self.rules.iter().enumerate() {
            if c.rule.event != event {
                continue;
            }
            if !candidates[pos] {
                out.skipped += 1;
                continue;
            }
            let (matched, error) = match engine().evaluate(&c.logic, &parsed, &arena) {
                Ok(v) => (truthy(v), None),
                Err(e) => (false, Some(e.to_string())),
            };
            let stop = matched && c.rule.stop;
            out.evaluated.push(RuleTrace {
                rule: c.rule.name.clone(),
                priority: c.rule.priority,
                matched,
                actions: if matched { c.rule.actions.clone() } else { Vec::new() },
                error,
                stop,
            });
            if stop {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_rules;

    fn set(rules: Value) -> CompiledRuleSet {
        CompiledRuleSet::compile(1, parse_rules(&rules).unwrap()).unwrap()
    }

    fn facts(text: &str) -> Facts {
        Facts {
            contact_type: "complaint".into(),
            urgency: "general".into(),
            channel: "phone".into(),
            description: text.into(),
            ..Default::default()
        }
    }

    fn names(e: &Evaluation) -> Vec<&str> {
        e.matched().map(|r| r.rule.as_str()).collect()
    }

    #[test]
    fn keywords_match_through_the_automaton() {
        let s = set(json!([
            {"name": "油烟", "event": "case_received", "conditions": {"kw": ["油烟", "餐馆"]}, "actions": [{"type": "route_to_line", "line": "12369"}]},
            {"name": "垃圾", "event": "case_received", "conditions": {"kw": "垃圾"}, "actions": [{"type": "route_to_line", "line": "12319"}]}
        ]));
        let e = s.evaluate(RuleEvent::CaseReceived, &facts("楼下餐馆的油烟很大"));
        assert_eq!(names(&e), vec!["油烟"]);
        assert_eq!(e.skipped, 1, "the garbage rule is not even evaluated");
        assert_eq!(e.keywords_found, vec!["油烟", "餐馆"]);
    }

    #[test]
    fn priority_orders_and_stop_ends_the_run() {
        let s = set(json!([
            {"name": "low", "event": "case_received", "priority": 1, "conditions": true, "actions": [{"type": "add_tag", "tag": "low"}]},
            {"name": "high", "event": "case_received", "priority": 9, "conditions": true, "actions": [{"type": "add_tag", "tag": "high"}]},
            {"name": "mid-stop", "event": "case_received", "priority": 5, "conditions": true, "stop": true, "actions": [{"type": "add_tag", "tag": "mid"}]},
            {"name": "mid-after", "event": "case_received", "priority": 5, "conditions": true, "actions": [{"type": "add_tag", "tag": "x"}]}
        ]));
        let e = s.evaluate(RuleEvent::CaseReceived, &facts("x"));
        assert_eq!(names(&e), vec!["high", "mid-stop"]);
        assert!(e.evaluated.last().unwrap().stop);
    }

    #[test]
    fn conditions_see_the_facts_and_events_filter_rules() {
        let s = set(json!([
            {"name": "night", "event": "case_received", "conditions": {"and": [{"<": [{"var": "hour"}, 6]}, {"==": [{"var": "district"}, "鼓楼区"]}]}, "actions": [{"type": "set_urgency", "urgency": "emergency"}]},
            {"name": "returning", "event": "case_returned", "conditions": true, "actions": [{"type": "add_tag", "tag": "r"}]},
            {"name": "regular", "event": "case_received", "conditions": {">=": [{"var": "caller_history"}, 3]}, "actions": [{"type": "flag_problem", "reason": "repeat_caller"}]}
        ]));
        let mut f = facts("停水");
        f.hour = 3;
        f.district = Some("鼓楼区".into());
        f.caller_history = 4;
        assert_eq!(names(&s.evaluate(RuleEvent::CaseReceived, &f)), vec!["night", "regular"]);
        assert_eq!(names(&s.evaluate(RuleEvent::CaseReturned, &f)), vec!["returning"]);
        f.hour = 10;
        f.caller_history = 0;
        assert!(names(&s.evaluate(RuleEvent::CaseReceived, &f)).is_empty());
    }

    #[test]
    fn a_keyword_inside_an_and_prefilters_and_other_rules_always_run() {
        let s = set(json!([
            {"name": "kw-and", "event": "case_received", "conditions": {"and": [{"kw": ["停电"]}, {"==": [{"var": "channel"}, "phone"]}]}, "actions": [{"type": "route_to_line", "line": "12398"}]},
            {"name": "kw-or", "event": "case_received", "conditions": {"or": [{"kw": ["停气"]}, {"==": [{"var": "channel"}, "app"]}]}, "actions": [{"type": "route_to_line", "line": "12319"}]}
        ]));
        let e = s.evaluate(RuleEvent::CaseReceived, &facts("小区停电了"));
        assert_eq!(names(&e), vec!["kw-and"]);
        let mut f = facts("没有关键词");
        f.channel = "app".into();
        let e = s.evaluate(RuleEvent::CaseReceived, &f);
        assert_eq!(names(&e), vec!["kw-or"], "an or-condition cannot be prefiltered by its keyword");
        assert_eq!(e.skipped, 1);
    }

    #[test]
    fn invalid_json_logic_is_refused_with_the_rule_path() {
        let rules = parse_rules(&json!([
            {"name": "ok", "event": "case_received", "conditions": true, "actions": [{"type": "add_tag", "tag": "a"}]},
            {"name": "bad", "event": "case_received", "conditions": {"no_such_operator": [1]}, "actions": [{"type": "add_tag", "tag": "a"}]}
        ]))
        .unwrap();
        let e = CompiledRuleSet::compile(1, rules).unwrap_err();
        assert_eq!(e.path, "rules[1].conditions.no_such_operator");
        let nested = parse_rules(&json!([
            {"name": "n", "event": "case_received", "conditions": {"and": [true, {"or": [{"kw": []}]}]}, "actions": [{"type": "add_tag", "tag": "a"}]}
        ]))
        .unwrap();
        assert_eq!(CompiledRuleSet::compile(1, nested).unwrap_err().path, "rules[0].conditions.and[1].or[0].kw");
        let two = parse_rules(&json!([
            {"name": "t", "event": "case_received", "conditions": {"==": [1, 1], "!=": [1, 2]}, "actions": [{"type": "add_tag", "tag": "a"}]}
        ]))
        .unwrap();
        assert_eq!(CompiledRuleSet::compile(1, two).unwrap_err().path, "rules[0].conditions");
    }
}

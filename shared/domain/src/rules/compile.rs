//! Compiling a rule set for the hot path: JsonLogic conditions compiled once, every keyword of
//! every `{"kw": [...]}` condition in one Aho-Corasick automaton, and rules that require a
//! keyword indexed by it, so one case scans its text once and evaluates only the rules that can
//! match (no I/O, no per-rule `contains` loop).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use datalogic_rs::bumpalo::Bump;
use datalogic_rs::operator::EvalContext;
use datalogic_rs::{CustomOperator, DataValue, Engine, Logic};
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

/// `{"and": [{"kw": …}, a, b]}` → the words and `{"and": [a, b]}` (or `a` alone).
fn conjunction_split(cond: &Value) -> Option<(Vec<String>, Value)> {
    let conjuncts = cond.as_object().filter(|o| o.len() == 1)?.get("and")?.as_array()?;
    let at = conjuncts.iter().position(|c| kw_words(c).is_some())?;
    let words = kw_words(&conjuncts[at])?;
    let rest: Vec<Value> = conjuncts.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, c)| c.clone()).collect();
    let rest = match rest.len() {
        0 => Value::Bool(true),
        1 => rest.into_iter().next().expect("one"),
        _ => json!({ "and": rest }),
    };
    Some((words, rest))
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

/// Adds the `var` names `v` reads to `out` (`{"var": "x"}`, `{"var": ["x", default]}`, and the
/// first segment of a dotted path); false when a name is computed, so it cannot be known.
fn fact_names(v: &Value, out: &mut std::collections::BTreeSet<String>) -> bool {
    match v {
        Value::Object(map) => map.iter().all(|(op, args)| {
            if op == "var" {
                let (name, default) = match args {
                    Value::Array(list) => (list.first(), list.get(1)),
                    other => (Some(other), None),
                };
                match name {
                    Some(Value::String(s)) if !s.is_empty() => {
                        out.insert(s.split('.').next().unwrap_or_default().to_owned());
                        // The default may itself read facts.
                        default.is_none_or(|d| fact_names(d, out))
                    }
                    // A computed name, a number, or "" (the whole input).
                    _ => false,
                }
            } else if op == "missing" || op == "missing_some" {
                // Names a fact's presence; whichever they name, count them as read.
                false
            } else {
                fact_names(args, out)
            }
        }),
        Value::Array(list) => list.iter().all(|a| fact_names(a, out)),
        _ => true,
    }
}

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

/// How a rule's condition is decided. Keyword tests are answered from the automaton's result
/// without JsonLogic; JsonLogic runs only for what remains.
enum Plan {
    /// The condition is `{"kw": [...]}`: true when one of these words was found.
    Keywords(Vec<usize>),
    /// `{"and": [{"kw": [...]}, field tests…]}` where every other part compares a fact with a
    /// string (`==`, `===`, `!=`, `!==`): decided natively, without JsonLogic.
    KeywordsAndFields(Vec<usize>, Vec<FieldTest>),
    /// `{"and": [{"kw": [...]}, rest…]}`: the words, then JsonLogic for the rest.
    KeywordsAnd(Vec<usize>, Logic),
    /// Anything else: JsonLogic over the facts (with `_kw` for nested keyword tests).
    Logic(Logic),
}

/// `{"==": [{"var": "district"}, "鼓楼区"]}` and its negations, on string facts.
struct FieldTest {
    field: &'static str,
    value: String,
    equal: bool,
}

const STRING_FACTS: &[&str] = &["contact_type", "category", "urgency", "channel", "district", "dialled_number"];

impl FieldTest {
    fn parse(v: &Value) -> Option<Self> {
        let (op, args) = v.as_object().filter(|o| o.len() == 1)?.iter().next()?;
        let equal = match op.as_str() {
            "==" | "===" => true,
            "!=" | "!==" => false,
            _ => return None,
        };
        let [a, b] = args.as_array()?.as_slice() else { return None };
        let (var, lit) = if a.get("var").is_some() { (a, b) } else { (b, a) };
        let name = var.as_object().filter(|o| o.len() == 1)?.get("var")?.as_str()?;
        let field = STRING_FACTS.iter().find(|f| **f == name)?;
        Some(Self { field, value: lit.as_str()?.to_owned(), equal })
    }

    fn holds(&self, facts: &Facts) -> bool {
        let fact = match self.field {
            "contact_type" => Some(facts.contact_type.as_str()),
            "category" => facts.category.as_deref(),
            "urgency" => Some(facts.urgency.as_str()),
            "channel" => Some(facts.channel.as_str()),
            "district" => facts.district.as_deref(),
            "dialled_number" => facts.dialled_number.as_deref(),
            _ => None,
        };
        (fact == Some(self.value.as_str())) == self.equal
    }
}

/// The field tests of `rest` when every part of it is one.
fn field_tests(rest: &Value) -> Option<Vec<FieldTest>> {
    if rest == &Value::Bool(true) {
        return Some(Vec::new());
    }
    if let Some(t) = FieldTest::parse(rest) {
        return Some(vec![t]);
    }
    let parts = rest.as_object().filter(|o| o.len() == 1)?.get("and")?.as_array()?;
    parts.iter().map(FieldTest::parse).collect()
}

struct CompiledRule {
    rule: Arc<Rule>,
    plan: Plan,
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
    /// How many rules each event has.
    per_event: Vec<(RuleEvent, usize)>,
    /// The facts (`var` names) some condition reads; `None` when a name is computed at run
    /// time, so any fact may be read.
    reads: Option<std::collections::BTreeSet<String>>,
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

/// One rule's part in an evaluation. Holds the rule itself (shared, not copied), so tracing
/// costs no allocation on the hot path.
#[derive(Debug, Clone)]
pub struct RuleTrace {
    pub rule: Arc<Rule>,
    pub matched: bool,
    pub error: Option<String>,
    pub stop: bool,
}

impl RuleTrace {
    pub fn name(&self) -> &str {
        &self.rule.name
    }

    /// The rule's actions when it matched, none otherwise.
    pub fn actions(&self) -> &[RuleAction] {
        if self.matched { &self.rule.actions } else { &[] }
    }
}

impl Serialize for RuleTrace {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("RuleTrace", 6)?;
        st.serialize_field("rule", &self.rule.name)?;
        st.serialize_field("priority", &self.rule.priority)?;
        st.serialize_field("matched", &self.matched)?;
        if self.matched {
            st.serialize_field("actions", &self.rule.actions)?;
        }
        if let Some(e) = &self.error {
            st.serialize_field("error", e)?;
        }
        st.serialize_field("stop", &self.stop)?;
        st.end()
    }
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
    /// Whether some rule of the set is about `event` (callers skip gathering facts otherwise).
    pub fn listens_to(&self, event: RuleEvent) -> bool {
        self.per_event.iter().any(|(e, n)| *e == event && *n > 0)
    }

    pub fn compile(version: i32, rules: Vec<Rule>) -> Result<Self, RuleError> {
        let mut compiled = Vec::with_capacity(rules.len());
        let mut reads = Some(std::collections::BTreeSet::new());
        let mut words: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut requires: Vec<Option<Vec<String>>> = Vec::new();
        for (i, rule) in rules.into_iter().enumerate() {
            check_operators(&rule.conditions, &format!("rules[{i}].conditions"))?;
            if let Some(names) = &mut reads
                && !fact_names(&rule.conditions, names)
            {
                reads = None;
            }
            let compile = |v: &Value| {
                engine()
                    .compile(v)
                    .map_err(|e| RuleError { path: format!("rules[{i}].conditions"), message: format!("not valid JsonLogic: {e}") })
            };
            // Validate the whole condition even when the plan only runs part of it.
            let whole = compile(&rule.conditions)?;
            let mut kws = Vec::new();
            all_keywords(&rule.conditions, &mut kws);
            for w in kws {
                let next = words.len();
                index.entry(w.clone()).or_insert_with(|| {
                    words.push(w);
                    next
                });
            }
            let ids = |list: Vec<String>| list.iter().map(|w| index[w]).collect::<Vec<_>>();
            let plan = match (kw_words(&rule.conditions), conjunction_split(&rule.conditions)) {
                (Some(list), _) => Plan::Keywords(ids(list)),
                (None, Some((list, rest))) => match field_tests(&rest) {
                    Some(tests) => Plan::KeywordsAndFields(ids(list), tests),
                    None => Plan::KeywordsAnd(ids(list), compile(&rest)?),
                },
                _ => Plan::Logic(whole),
            };
            requires.push(required_keywords(&rule.conditions));
            compiled.push(CompiledRule { rule: Arc::new(rule), plan, order: i });
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
            // One DFA: the case text is scanned once, in time linear in its length (the DFA scans
            // CJK text ~25% faster than the NFA in the benchmark).
            let ac = AhoCorasick::builder().kind(Some(AhoCorasickKind::DFA)).build(&words);
            Some(ac.map_err(|e| RuleError { path: "rules".into(), message: format!("keywords: {e}") })?)
        };
        let mut per_event: Vec<(RuleEvent, usize)> = Vec::new();
        for c in &compiled {
            match per_event.iter_mut().find(|(e, _)| *e == c.rule.event) {
                Some((_, n)) => *n += 1,
                None => per_event.push((c.rule.event, 1)),
            }
        }
        Ok(Self { version, rules: compiled, automaton, words, by_word, always, per_event, reads })
    }

    /// Whether some condition may read the fact `name`: a fact that costs a query (the
    /// caller's history) is only looked up for rule sets that use it.
    pub fn may_read(&self, name: &str) -> bool {
        self.reads.as_ref().is_none_or(|names| names.contains(name))
    }

    /// The JsonLogic input, built directly in the evaluation arena (no JSON text, no parse):
    /// the facts and the keywords found.
    fn data<'a>(&self, facts: &'a Facts, found: &'a [String], arena: &'a Bump) -> &'a DataValue<'a> {
        let text = |v: Option<&'a str>| v.map(DataValue::String).unwrap_or(DataValue::Null);
        let int = |n: u64| DataValue::from_i64(n as i64);
        let kw: Vec<DataValue<'a>> = found.iter().map(|w| DataValue::String(w.as_str())).collect();
        let fields = [
            ("contact_type", DataValue::String(&facts.contact_type)),
            ("category", text(facts.category.as_deref())),
            ("urgency", DataValue::String(&facts.urgency)),
            ("channel", DataValue::String(&facts.channel)),
            ("district", text(facts.district.as_deref())),
            ("dialled_number", text(facts.dialled_number.as_deref())),
            // Always there (borrowed, so free): leaving the text out when no condition seemed to
            // read it changed what `{"var": {"cat": ["ti", "tle"]}}` or `missing` mean (found by
            // the property test against plain JsonLogic).
            ("title", DataValue::String(&facts.title)),
            ("description", DataValue::String(&facts.description)),
            ("hour", int(facts.hour as u64)),
            ("weekday", int(facts.weekday as u64)),
            ("staffed", DataValue::Bool(facts.staffed)),
            ("caller_history", int(facts.caller_history)),
            ("attachments", int(facts.attachments)),
            ("_kw", DataValue::Array(arena.alloc_slice_copy(&kw))),
        ];
        arena.alloc(DataValue::Object(arena.alloc_slice_copy(&fields)))
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
        // Candidate rules by position (priority order): those without a required keyword, and
        // those whose keywords occur. Only these are touched; the others are counted.
        let mut candidates: Vec<usize> = self.always.clone();
        if let Some(ac) = &self.automaton {
            for text in [&facts.title, &facts.description] {
                for m in ac.find_overlapping_iter(text.as_str()) {
                    let w = m.pattern().as_usize();
                    if !found[w] {
                        found[w] = true;
                        candidates.extend_from_slice(&self.by_word[w]);
                    }
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let keywords_found: Vec<String> = found.iter().enumerate().filter(|(_, f)| **f).map(|(i, _)| self.words[i].clone()).collect();
        let for_event = self.per_event.iter().find(|(e, _)| *e == event).map(|(_, n)| *n).unwrap_or(0);
        let mut out = Evaluation { version: self.version, keywords_found, ..Default::default() };
        out.evaluated.reserve(candidates.len());
        // The JsonLogic data is built on first need: many cases are decided by keywords alone.
        let arena = Bump::new();
        let mut data: Option<&DataValue<'_>> = None;
        let mut considered = 0;
        for &pos in &candidates {
            let c = &self.rules[pos];
            if c.rule.event != event {
                continue;
            }
            considered += 1;
            let any_found = |ids: &[usize]| ids.iter().any(|&w| found[w]);
            let logic = match &c.plan {
                Plan::Keywords(ids) => Err(any_found(ids)),
                Plan::KeywordsAndFields(ids, tests) => Err(any_found(ids) && tests.iter().all(|t| t.holds(facts))),
                Plan::KeywordsAnd(ids, _) if !any_found(ids) => Err(false),
                Plan::KeywordsAnd(_, rest) => Ok(rest),
                Plan::Logic(l) => Ok(l),
            };
            let (matched, error) = match logic {
                Err(decided) => (decided, None),
                Ok(l) => {
                    let input = *data.get_or_insert_with(|| self.data(facts, &out.keywords_found, &arena));
                    match engine().evaluate(l, input, &arena) {
                        Ok(v) => (truthy(v), None),
                        Err(e) => (false, Some(e.to_string())),
                    }
                }
            };
            let stop = matched && c.rule.stop;
            out.evaluated.push(RuleTrace { rule: c.rule.clone(), matched, error, stop });
            if stop {
                // The remaining candidates are not evaluated either; count them as considered.
                considered += candidates.iter().filter(|&&p| p > pos && self.rules[p].rule.event == event).count();
                break;
            }
        }
        out.skipped = for_event - considered.min(for_event);
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
        e.matched().map(|r| r.name()).collect()
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
    fn a_set_knows_which_facts_its_conditions_may_read() {
        let rule =
            |cond: Value| json!({"name": "r", "event": "case_received", "conditions": cond, "actions": [{"type": "add_tag", "tag": "t"}]});
        let s = set(json!([
            rule(json!({"and": [{"<": [{"var": "hour"}, 6]}, {"kw": "停水"}]})),
            rule(json!({"==": [{"var": ["district", {"var": "dialled_number"}]}, "鼓楼区"]})),
            rule(json!({"in": [{"var": "category.name"}, ["a"]]}))
        ]));
        for read in ["hour", "district", "dialled_number", "category"] {
            assert!(s.may_read(read), "{read}");
        }
        assert!(!s.may_read("caller_history"), "no condition names it");
        assert!(!set(json!([rule(json!(true))])).may_read("caller_history"));
        assert!(set(json!([rule(json!({">=": [{"var": "caller_history"}, 3]}))])).may_read("caller_history"));
        assert!(set(json!([rule(json!({">=": [{"var": ["caller_history", 0]}, 3]}))])).may_read("caller_history"));
        // A name computed at run time, the whole input, or a presence test may read anything.
        for open in [
            json!({"==": [{"var": {"cat": ["caller_", "history"]}}, 3]}),
            json!({"==": [{"var": ""}, 3]}),
            json!({"missing": ["caller_history"]}),
            json!({"missing_some": [1, ["district", "address"]]}),
        ] {
            assert!(set(json!([rule(open.clone())])).may_read("caller_history"), "{open}");
        }
    }

    #[test]
    fn a_set_says_which_events_it_listens_to() {
        let s = set(json!([
            {"name": "late", "event": "deadline_passed", "conditions": true, "actions": [{"type": "add_tag", "tag": "late"}]}
        ]));
        assert!(s.listens_to(RuleEvent::DeadlinePassed));
        assert!(!s.listens_to(RuleEvent::DeadlineNear));
        assert!(!s.listens_to(RuleEvent::CaseReceived));
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
    fn keyword_and_field_tests_are_decided_natively_like_json_logic_would() {
        let s = set(json!([
            {"name": "eq", "event": "case_received", "conditions": {"and": [{"kw": ["停水"]}, {"==": [{"var": "district"}, "鼓楼区"]}]}, "actions": [{"type": "add_tag", "tag": "a"}]},
            {"name": "ne", "event": "case_received", "conditions": {"and": [{"kw": ["停水"]}, {"!=": ["phone", {"var": "channel"}]}]}, "actions": [{"type": "add_tag", "tag": "b"}]},
            {"name": "two", "event": "case_received", "conditions": {"and": [{"==": [{"var": "contact_type"}, "complaint"]}, {"kw": ["停水"]}, {"===": [{"var": "category"}, "供水"]}]}, "actions": [{"type": "add_tag", "tag": "c"}]}
        ]));
        let mut f = facts("小区停水");
        f.district = Some("鼓楼区".into());
        f.category = Some("供水".into());
        assert_eq!(names(&s.evaluate(RuleEvent::CaseReceived, &f)), vec!["eq", "two"]);
        f.district = None;
        f.channel = "app".into();
        f.category = None;
        assert_eq!(names(&s.evaluate(RuleEvent::CaseReceived, &f)), vec!["ne"]);
    }

    #[test]
    fn a_condition_sees_the_text_however_it_names_it() {
        // Found by props::rules: the text was left out of the facts unless a condition named
        // `title` or `description` literally, so these matched a case whose title says 油烟.
        let s = set(json!([
            {"name": "computed", "event": "case_received", "conditions": {"!": [{"var": {"cat": ["ti", "tle"]}}]}, "actions": [{"type": "add_tag", "tag": "a"}]},
            {"name": "missing", "event": "case_received", "conditions": {"missing": ["title"]}, "actions": [{"type": "add_tag", "tag": "b"}]}
        ]));
        let mut f = facts("");
        f.title = "油烟".into();
        assert!(names(&s.evaluate(RuleEvent::CaseReceived, &f)).is_empty());
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

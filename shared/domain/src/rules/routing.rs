//! The routing decision (DOMAIN.md, "Dispatch"): front door → line(s) → unit(s).
//!
//! 1. A call to a `parallel` line's own number, or a case received by a line, starts at that line.
//! 2. Otherwise the front door's rules pick the line(s); several lines = joint handling, the lead
//!    named by a `joint_handling` rule or else the line of the highest-priority matching rule.
//! 3. No line: the district government of the case's district; no district: the manual queue.
//! 4. Each line's own rules pick its unit(s); no match: the line's fallback unit for the
//!    district; none: the dispatcher decides (manual).

use serde::Serialize;

use super::compile::{CompiledRuleSet, Evaluation, Facts};
use super::model::{RuleAction, RuleEvent};

/// What routing needs to know about the organisation (provided by the core from its cache).
pub trait Directory {
    /// The code of the `parallel` line that answers this number, if any.
    fn parallel_line_for(&self, dialled: &str) -> Option<String>;
    fn is_line(&self, code: &str) -> bool;
    /// The published rules of a line.
    fn rules_of(&self, code: &str) -> Option<&CompiledRuleSet>;
    /// The line's fallback unit for a district.
    fn district_fallback(&self, code: &str, district: &str) -> Option<String>;
    /// The district government (its line and unit) for a district, for the front door's fallback.
    fn district_government(&self, district: &str) -> Option<(String, String)>;
    /// Whether `unit` is a unit of line `code`.
    fn has_unit(&self, code: &str, unit: &str) -> bool;
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineChoice {
    pub code: String,
    /// `lead` or `co`.
    pub role: &'static str,
    /// Why: a rule's name, `dialled_number`, `received_by_line` or `district_fallback`.
    pub via: String,
}

/// One rule set's part in a decision.
#[derive(Debug, Clone, Serialize)]
pub struct StageTrace {
    pub tenant: String,
    pub evaluation: Evaluation,
    /// What the stage concluded, for people reading the trace.
    pub outcome: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RoutingDecision {
    pub lines: Vec<LineChoice>,
    pub lead_unit: Option<String>,
    pub co_units: Vec<String>,
    /// No unit could be determined: the dispatcher decides.
    pub manual: bool,
    pub reason: String,
    pub urgency: Option<String>,
    pub category: Option<String>,
    pub contact_type: Option<String>,
    pub tags: Vec<String>,
    pub kb_articles: Vec<String>,
    pub notify: Vec<RuleAction>,
    pub problem: Option<String>,
    pub transfer: Option<String>,
    pub stages: Vec<StageTrace>,
}

impl RoutingDecision {
    /// Classification and side actions of one rule set, in rule order; later stages (lines)
    /// refine what the front door set.
    fn absorb(&mut self, e: &Evaluation) {
        let (mut urgency, mut category, mut contact) = (None, None, None);
        for r in e.matched() {
            for a in r.actions() {
                match a {
                    RuleAction::SetUrgency { urgency: u } => urgency = urgency.or(Some(u.clone())),
                    RuleAction::SetCategory { category: c } => category = category.or(Some(c.clone())),
                    RuleAction::SetContactType { contact_type: t } => contact = contact.or(Some(t.clone())),
                    RuleAction::AddTag { tag } if !self.tags.contains(tag) => self.tags.push(tag.clone()),
                    RuleAction::AnswerFromKb { article } if !self.kb_articles.contains(article) => self.kb_articles.push(article.clone()),
                    RuleAction::Notify { .. } => self.notify.push(a.clone()),
                    RuleAction::FlagProblem { reason } => self.problem = self.problem.clone().or(Some(reason.clone())),
                    RuleAction::TransferEmergency { line } => self.transfer = self.transfer.clone().or(Some(line.clone())),
                    _ => {}
                }
            }
        }
        self.urgency = urgency.or(self.urgency.take());
        self.category = category.or(self.category.take());
        self.contact_type = contact.or(self.contact_type.take());
    }

    fn add_line(&mut self, code: &str, via: &str) {
        if !self.lines.iter().any(|l| l.code == code) {
            let role = if self.lines.is_empty() { "lead" } else { "co" };
            self.lines.push(LineChoice { code: code.to_owned(), role, via: via.to_owned() });
        }
    }

    fn make_lead(&mut self, code: &str, via: &str) {
        self.lines.retain(|l| l.code != code);
        for l in &mut self.lines {
            l.role = "co";
        }
        self.lines.insert(0, LineChoice { code: code.to_owned(), role: "lead", via: via.to_owned() });
    }
}

/// Units a line's evaluation names: (lead, others), in rule order.
fn units_of(e: &Evaluation, code: &str, dir: &dyn Directory) -> (Option<String>, Vec<String>) {
    let (mut lead, mut others): (Option<String>, Vec<String>) = (None, Vec::new());
    let push = |u: &str, others: &mut Vec<String>, lead: &Option<String>| {
        if dir.has_unit(code, u) && lead.as_deref() != Some(u) && !others.iter().any(|o| o == u) {
            others.push(u.to_owned());
        }
    };
    for r in e.matched() {
        for a in r.actions() {
            match a {
                RuleAction::JointHandling { lead: l, co_units } if lead.is_none() && dir.has_unit(code, l) => {
                    others.retain(|o| o != l);
                    lead = Some(l.clone());
                    co_units.iter().for_each(|c| push(c, &mut others, &lead));
                }
                RuleAction::JointHandling { co_units, .. } => co_units.iter().for_each(|c| push(c, &mut others, &lead)),
                RuleAction::RouteToUnit { unit } => push(unit, &mut others, &lead),
                _ => {}
            }
        }
    }
    if lead.is_none() && !others.is_empty() {
        lead = Some(others.remove(0));
    }
    (lead, others)
}

/// Decides where a case goes. `front` is the platform's code and rule set; `start_line` a line
/// that received the case itself.
pub fn decide(
    front: Option<(&str, &CompiledRuleSet)>,
    start_line: Option<&str>,
    dir: &dyn Directory,
    event: RuleEvent,
    facts: &Facts,
) -> RoutingDecision {
    let mut d = RoutingDecision::default();
    let dialled_line = facts.dialled_number.as_deref().and_then(|n| dir.parallel_line_for(n));
    if let Some(line) = start_line {
        d.add_line(line, "received_by_line");
    } else if let Some(line) = dialled_line {
        d.add_line(&line, "dialled_number");
    } else if let Some((code, rules)) = front {
        let e = rules.evaluate(event, facts);
        let mut joint_lead: Option<(String, String)> = None;
        for r in e.matched() {
            for a in r.actions() {
                match a {
                    RuleAction::RouteToLine { line } if dir.is_line(line) => d.add_line(line, r.name()),
                    RuleAction::JointHandling { lead, co_units } if dir.is_line(lead) => {
                        if joint_lead.is_none() {
                            joint_lead = Some((lead.clone(), r.name().to_owned()));
                        }
                        d.add_line(lead, r.name());
                        co_units.iter().filter(|c| dir.is_line(c)).for_each(|c| d.add_line(c, r.name()));
                    }
                    _ => {}
                }
            }
        }
        if let Some((lead, via)) = joint_lead {
            d.make_lead(&lead, &via);
        }
        d.absorb(&e);
        let outcome = match d.lines.first() {
            Some(l) => format!("lead line {} ({} line(s))", l.code, d.lines.len()),
            None => "no line matched".into(),
        };
        d.stages.push(StageTrace { tenant: code.to_owned(), evaluation: e, outcome });
    }

    if d.lines.is_empty() {
        match facts.district.as_deref().and_then(|x| dir.district_government(x)) {
            Some((line, unit)) => {
                d.add_line(&line, "district_fallback");
                d.lead_unit = Some(unit);
                d.reason = "no rule matched: the district government of the case's district".into();
            }
            None => {
                d.manual = true;
                d.reason = "no rule matched and the case has no district: manual dispatch".into();
            }
        }
        return d;
    }

    let lines = d.lines.clone();
    for (i, line) in lines.iter().enumerate() {
        let (mut lead, mut others, mut outcome) = (None, Vec::new(), String::new());
        if let Some(rules) = dir.rules_of(&line.code) {
            let e = rules.evaluate(event, facts);
            (lead, others) = units_of(&e, &line.code, dir);
            d.absorb(&e);
            outcome = match &lead {
                Some(u) => format!("unit {u}"),
                None => "no unit matched".into(),
            };
            d.stages.push(StageTrace { tenant: line.code.clone(), evaluation: e, outcome: outcome.clone() });
        }
        if lead.is_none() {
            lead = facts.district.as_deref().and_then(|x| dir.district_fallback(&line.code, x));
            if let (Some(u), Some(stage)) = (&lead, d.stages.iter_mut().rev().find(|s| s.tenant == line.code)) {
                stage.outcome = format!("{outcome}; district fallback unit {u}");
            }
        }
        if i == 0 {
            d.lead_unit = lead;
            d.co_units.extend(others);
        } else {
            d.co_units.extend(lead.into_iter().chain(others));
        }
    }
    let lead = d.lead_unit.clone();
    let mut seen = Vec::new();
    d.co_units.retain(|u| {
        Some(u) != lead.as_ref() && !seen.contains(u) && {
            seen.push(u.clone());
            true
        }
    });
    if d.lead_unit.is_none() {
        d.manual = true;
        d.reason = format!("line {} has no unit for this case: manual dispatch", d.lines[0].code);
    } else {
        d.reason = format!("{} line(s), lead line {}", d.lines.len(), d.lines[0].code);
    }
    d
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;
    use crate::rules::parse_rules;

    struct Dir {
        rules: HashMap<String, CompiledRuleSet>,
        units: Vec<(&'static str, &'static str)>,
        fallbacks: Vec<(&'static str, &'static str, &'static str)>,
        parallel: Vec<(&'static str, &'static str)>,
    }

    impl Directory for Dir {
        fn parallel_line_for(&self, n: &str) -> Option<String> {
            self.parallel.iter().find(|(num, _)| *num == n).map(|(_, c)| c.to_string())
        }
        fn is_line(&self, code: &str) -> bool {
            ["12319", "12369", "12315", "12333"].contains(&code)
        }
        fn rules_of(&self, code: &str) -> Option<&CompiledRuleSet> {
            self.rules.get(code)
        }
        fn district_fallback(&self, code: &str, district: &str) -> Option<String> {
            self.fallbacks.iter().find(|(c, d, _)| *c == code && *d == district).map(|(_, _, u)| u.to_string())
        }
        fn district_government(&self, district: &str) -> Option<(String, String)> {
            self.fallbacks.iter().find(|(c, d, _)| *c == "12319" && *d == district).map(|(c, _, u)| (c.to_string(), u.to_string()))
        }
        fn has_unit(&self, code: &str, unit: &str) -> bool {
            self.units.contains(&(code, unit))
        }
    }

    fn compiled(v: serde_json::Value) -> CompiledRuleSet {
        CompiledRuleSet::compile(1, parse_rules(&v).unwrap()).unwrap()
    }

    fn front() -> CompiledRuleSet {
        compiled(json!([
            {"name": "油烟", "event": "case_received", "priority": 50, "conditions": {"kw": ["油烟"]},
             "actions": [{"type": "joint_handling", "lead": "12369", "co_units": ["12319"]}, {"type": "set_category", "category": "大气污染"}]},
            {"name": "垃圾", "event": "case_received", "priority": 10, "conditions": {"kw": ["垃圾"]}, "actions": [{"type": "route_to_line", "line": "12319"}]},
            {"name": "工资", "event": "case_received", "priority": 30, "conditions": {"kw": ["工资"]}, "actions": [{"type": "route_to_line", "line": "12333"}]},
            {"name": "工地", "event": "case_received", "priority": 20, "conditions": {"kw": ["工地"]}, "actions": [{"type": "route_to_line", "line": "12319"}]}
        ]))
    }

    fn dir() -> Dir {
        let mut rules = HashMap::new();
        rules.insert(
            "12319".to_owned(),
            compiled(json!([
                {"name": "环卫", "event": "case_received", "conditions": {"kw": ["垃圾", "油烟"]}, "actions": [{"type": "route_to_unit", "unit": "u-sanitation"}, {"type": "set_urgency", "urgency": "utilities"}]}
            ])),
        );
        rules.insert(
            "12369".to_owned(),
            compiled(json!([
                {"name": "大气", "event": "case_received", "conditions": {"kw": ["油烟"]}, "actions": [{"type": "joint_handling", "lead": "u-air", "co_units": ["u-enforce"]}]}
            ])),
        );
        Dir {
            rules,
            units: vec![("12319", "u-sanitation"), ("12319", "u-gulou"), ("12369", "u-air"), ("12369", "u-enforce"), ("12333", "u-labour")],
            fallbacks: vec![("12319", "鼓楼区", "u-gulou"), ("12333", "鼓楼区", "u-labour")],
            parallel: vec![("12319", "12319")],
        }
    }

    fn facts(text: &str, district: Option<&str>) -> Facts {
        Facts { description: text.into(), district: district.map(str::to_owned), contact_type: "complaint".into(), ..Default::default() }
    }

    #[test]
    fn a_single_line_and_its_unit() {
        let f = front();
        let d = decide(Some(("12345", &f)), None, &dir(), RuleEvent::CaseReceived, &facts("门口垃圾没人收", None));
        assert_eq!(d.lines.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(), vec!["12319"]);
        assert_eq!(d.lead_unit.as_deref(), Some("u-sanitation"));
        assert_eq!(d.urgency.as_deref(), Some("utilities"), "the line refines the urgency");
        assert!(!d.manual);
        assert_eq!(d.stages.len(), 2);
    }

    #[test]
    fn a_joint_rule_names_the_lead_line_and_units_come_from_every_line() {
        let f = front();
        let d = decide(Some(("12345", &f)), None, &dir(), RuleEvent::CaseReceived, &facts("餐馆油烟，门口还有垃圾", None));
        let lines: Vec<(&str, &str)> = d.lines.iter().map(|l| (l.code.as_str(), l.role)).collect();
        assert_eq!(lines, vec![("12369", "lead"), ("12319", "co")]);
        assert_eq!(d.lead_unit.as_deref(), Some("u-air"));
        assert_eq!(d.co_units, vec!["u-enforce", "u-sanitation"]);
        assert_eq!(d.category.as_deref(), Some("大气污染"));
    }

    #[test]
    fn without_a_joint_rule_the_highest_priority_line_leads() {
        let f = front();
        let d = decide(Some(("12345", &f)), None, &dir(), RuleEvent::CaseReceived, &facts("工地拖欠工资", Some("鼓楼区")));
        let lines: Vec<(&str, &str)> = d.lines.iter().map(|l| (l.code.as_str(), l.role)).collect();
        assert_eq!(lines, vec![("12333", "lead"), ("12319", "co")]);
        // 12333 has no rules: its district fallback leads; 12319 finds no unit by rule, so its fallback co-handles.
        assert_eq!(d.lead_unit.as_deref(), Some("u-labour"));
        assert_eq!(d.co_units, vec!["u-gulou"]);
    }

    #[test]
    fn the_fallback_chain_ends_at_the_manual_queue() {
        let f = front();
        let d = decide(Some(("12345", &f)), None, &dir(), RuleEvent::CaseReceived, &facts("无法归类的问题", Some("鼓楼区")));
        assert_eq!((d.lines[0].code.as_str(), d.lines[0].via.as_str()), ("12319", "district_fallback"));
        assert_eq!(d.lead_unit.as_deref(), Some("u-gulou"));
        let d = decide(Some(("12345", &f)), None, &dir(), RuleEvent::CaseReceived, &facts("无法归类的问题", None));
        assert!(d.manual && d.lines.is_empty() && d.lead_unit.is_none());
        // A line without a unit for the case and without a fallback leaves it to the dispatcher.
        let d = decide(Some(("12345", &f)), None, &dir(), RuleEvent::CaseReceived, &facts("工地噪音", Some("台江区")));
        assert!(d.manual);
        assert_eq!(d.lines[0].code, "12319");
    }

    #[test]
    fn a_call_to_a_parallel_lines_number_goes_straight_there() {
        let f = front();
        let mut fx = facts("餐馆油烟", None);
        fx.dialled_number = Some("12319".into());
        let d = decide(Some(("12345", &f)), None, &dir(), RuleEvent::CaseReceived, &fx);
        assert_eq!((d.lines.len(), d.lines[0].via.as_str()), (1, "dialled_number"));
        assert_eq!(d.lead_unit.as_deref(), Some("u-sanitation"));
        assert_eq!(d.stages.len(), 1, "the front door's rules are not consulted");
    }

    #[test]
    fn unknown_lines_and_foreign_units_in_rules_are_ignored() {
        let bad = compiled(json!([
            {"name": "x", "event": "case_received", "conditions": true, "actions": [{"type": "route_to_line", "line": "99999"}, {"type": "route_to_line", "line": "12369"}]}
        ]));
        let d = decide(Some(("12345", &bad)), None, &dir(), RuleEvent::CaseReceived, &facts("噪音", None));
        assert_eq!(d.lines.len(), 1);
        assert!(d.manual, "12369's rules name no unit for this text");
    }

    #[test]
    fn every_classification_and_side_action_lands_in_the_decision() {
        let front = compiled(json!([
            {"name": "all", "event": "case_received", "priority": 5, "conditions": {"kw": ["垃圾"]}, "actions": [
                {"type": "route_to_line", "line": "12319"},
                {"type": "set_urgency", "urgency": "complex"},
                {"type": "set_category", "category": "环境卫生"},
                {"type": "set_contact_type", "contact_type": "report"},
                {"type": "add_tag", "tag": "热点"},
                {"type": "answer_from_kb", "article": "kb-42"},
                {"type": "notify", "role": "city_supervisor"},
                {"type": "flag_problem", "reason": "hot_spot"},
                {"type": "transfer_emergency", "line": "120"}
            ]},
            {"name": "second", "event": "case_received", "priority": 1, "conditions": true, "actions": [
                {"type": "set_category", "category": "ignored: a higher rule set it"},
                {"type": "add_tag", "tag": "热点"},
                {"type": "add_tag", "tag": "第二"}
            ]}
        ]));
        let d = decide(Some(("12345", &front)), None, &dir(), RuleEvent::CaseReceived, &facts("垃圾", None));
        assert_eq!(d.category.as_deref(), Some("环境卫生"));
        assert_eq!(d.urgency.as_deref(), Some("utilities"), "the line's rule refines the front door's urgency");
        assert_eq!(d.contact_type.as_deref(), Some("report"));
        assert_eq!(d.tags, vec!["热点", "第二"]);
        assert_eq!(d.kb_articles, vec!["kb-42"]);
        assert_eq!(d.notify.len(), 1);
        assert_eq!(d.problem.as_deref(), Some("hot_spot"));
        assert_eq!(d.transfer.as_deref(), Some("120"));
        assert_eq!(d.lead_unit.as_deref(), Some("u-sanitation"));
    }
}

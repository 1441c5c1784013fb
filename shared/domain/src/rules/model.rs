use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::{ContactType, EmergencyLine, Urgency};
use crate::error::word_enum;
use crate::role::Role;

word_enum!(
    /// When a rule runs.
    RuleEvent, "event" {
        CaseReceived = "case_received",
        CaseReopened = "case_reopened",
        CaseReturned = "case_returned",
        CaseUpdated = "case_updated",
        /// Fired by the SLA worker.
        DeadlineNear = "deadline_near",
        /// Fired by the SLA worker.
        DeadlinePassed = "deadline_passed",
    }
);

/// What a matching rule does. On the wire: `{"type": "route_to_line", "line": "12319"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleAction {
    /// Front door: send to a tenant line (by code).
    RouteToLine {
        line: String,
    },
    /// Line: send to one of its units (by id).
    RouteToUnit {
        unit: String,
    },
    /// Front door: lead line + co-lines (codes); line: lead unit + co-units (ids).
    JointHandling {
        lead: String,
        co_units: Vec<String>,
    },
    SetUrgency {
        urgency: String,
    },
    SetCategory {
        category: String,
    },
    SetContactType {
        contact_type: String,
    },
    AddTag {
        tag: String,
    },
    /// Suggest a knowledge-base article to answer with.
    AnswerFromKb {
        article: String,
    },
    /// Tell a role or a unit.
    Notify {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    FlagProblem {
        reason: String,
    },
    TransferEmergency {
        line: String,
    },
}

impl RuleAction {
    pub fn kind(&self) -> &'static str {
        match self {
            RuleAction::RouteToLine { .. } => "route_to_line",
            RuleAction::RouteToUnit { .. } => "route_to_unit",
            RuleAction::JointHandling { .. } => "joint_handling",
            RuleAction::SetUrgency { .. } => "set_urgency",
            RuleAction::SetCategory { .. } => "set_category",
            RuleAction::SetContactType { .. } => "set_contact_type",
            RuleAction::AddTag { .. } => "add_tag",
            RuleAction::AnswerFromKb { .. } => "answer_from_kb",
            RuleAction::Notify { .. } => "notify",
            RuleAction::FlagProblem { .. } => "flag_problem",
            RuleAction::TransferEmergency { .. } => "transfer_emergency",
        }
    }

    /// Ids of units this action names (line rule sets; checked against the line's units).
    pub fn unit_refs(&self) -> Vec<(&'static str, &str)> {
        match self {
            RuleAction::RouteToUnit { unit } => vec![("unit", unit.as_str())],
            RuleAction::Notify { unit: Some(u), .. } => vec![("unit", u.as_str())],
            _ => vec![],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub event: RuleEvent,
    /// Higher runs first; equal priorities keep their order in the set.
    #[serde(default)]
    pub priority: i32,
    /// JsonLogic over the case facts (see `Facts`); `true` matches everything.
    pub conditions: Value,
    pub actions: Vec<RuleAction>,
    /// When this rule matches, no later rule runs.
    #[serde(default)]
    pub stop: bool,
}

/// A rule set that does not hold, with the JSON path of the fault (`rules[2].actions[0].line`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct RuleError {
    pub path: String,
    pub message: String,
}

fn err(path: impl Into<String>, message: impl Into<String>) -> RuleError {
    RuleError { path: path.into(), message: message.into() }
}

fn text<'a>(obj: &'a serde_json::Map<String, Value>, key: &str, path: &str, max: usize) -> Result<&'a str, RuleError> {
    let v = obj.get(key).ok_or_else(|| err(format!("{path}.{key}"), "is required"))?;
    let s = v.as_str().ok_or_else(|| err(format!("{path}.{key}"), "must be a string"))?;
    if s.trim().is_empty() || s.chars().count() > max {
        return Err(err(format!("{path}.{key}"), format!("must have 1 to {max} characters")));
    }
    Ok(s)
}

const ACTION_KEYS: &[(&str, &[&str])] = &[
    ("route_to_line", &["line"]),
    ("route_to_unit", &["unit"]),
    ("joint_handling", &["lead", "co_units"]),
    ("set_urgency", &["urgency"]),
    ("set_category", &["category"]),
    ("set_contact_type", &["contact_type"]),
    ("add_tag", &["tag"]),
    ("answer_from_kb", &["article"]),
    ("notify", &["role", "unit"]),
    ("flag_problem", &["reason"]),
    ("transfer_emergency", &["line"]),
];

fn parse_action(v: &Value, path: &str) -> Result<RuleAction, RuleError> {
    let obj = v.as_object().ok_or_else(|| err(path, "an action is an object with a \"type\""))?;
    let kind = obj.get("type").and_then(Value::as_str).ok_or_else(|| err(format!("{path}.type"), "is required"))?;
    let Some((_, keys)) = ACTION_KEYS.iter().find(|(k, _)| *k == kind) else {
        let known: Vec<&str> = ACTION_KEYS.iter().map(|(k, _)| *k).collect();
        return Err(err(format!("{path}.type"), format!("'{kind}' is not one of: {}", known.join(", "))));
    };
    for k in obj.keys() {
        if k != "type" && !keys.contains(&k.as_str()) {
            return Err(err(format!("{path}.{k}"), format!("{kind} has no field '{k}'")));
        }
    }
    let action = match kind {
        "route_to_line" => RuleAction::RouteToLine { line: text(obj, "line", path, 16)?.to_owned() },
        "route_to_unit" => RuleAction::RouteToUnit { unit: text(obj, "unit", path, 64)?.to_owned() },
        "joint_handling" => {
            let lead = text(obj, "lead", path, 64)?.to_owned();
            let list = obj.get("co_units").and_then(Value::as_array).ok_or_else(|| err(format!("{path}.co_units"), "must be a list"))?;
            if list.is_empty() || list.len() > 10 {
                return Err(err(format!("{path}.co_units"), "names 1 to 10 co-handlers"));
            }
            let mut co_units = Vec::new();
            for (i, c) in list.iter().enumerate() {
                let s = c
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| err(format!("{path}.co_units[{i}]"), "must be a non-empty string"))?;
                if s == lead || co_units.iter().any(|x: &String| x == s) {
                    return Err(err(format!("{path}.co_units[{i}]"), "is named twice"));
                }
                co_units.push(s.to_owned());
            }
            RuleAction::JointHandling { lead, co_units }
        }
        "set_urgency" => {
            let u = text(obj, "urgency", path, 16)?;
            Urgency::parse(u).map_err(|e| err(format!("{path}.urgency"), e.message))?;
            RuleAction::SetUrgency { urgency: u.to_owned() }
        }
        "set_category" => RuleAction::SetCategory { category: text(obj, "category", path, 64)?.to_owned() },
        "set_contact_type" => {
            let t = text(obj, "contact_type", path, 16)?;
            ContactType::parse(t).map_err(|e| err(format!("{path}.contact_type"), e.message))?;
            RuleAction::SetContactType { contact_type: t.to_owned() }
        }
        "add_tag" => RuleAction::AddTag { tag: text(obj, "tag", path, 32)?.to_owned() },
        "answer_from_kb" => RuleAction::AnswerFromKb { article: text(obj, "article", path, 128)?.to_owned() },
        "notify" => {
            let role = obj.get("role").map(|_| text(obj, "role", path, 32)).transpose()?;
            let unit = obj.get("unit").map(|_| text(obj, "unit", path, 64)).transpose()?;
            if role.is_none() == unit.is_none() {
                return Err(err(path, "notify names exactly one of role or unit"));
            }
            if let Some(r) = role {
                Role::parse(r).map_err(|e| err(format!("{path}.role"), e.message))?;
            }
            RuleAction::Notify { role: role.map(str::to_owned), unit: unit.map(str::to_owned) }
        }
        "flag_problem" => RuleAction::FlagProblem { reason: text(obj, "reason", path, 64)?.to_owned() },
        "transfer_emergency" => {
            let l = text(obj, "line", path, 4)?;
            EmergencyLine::parse(l).map_err(|e| err(format!("{path}.line"), e.message))?;
            RuleAction::TransferEmergency { line: l.to_owned() }
        }
        _ => unreachable!("kinds come from ACTION_KEYS"),
    };
    Ok(action)
}

const MAX_RULES: usize = 5000;

/// Parses and checks a rule set's rules, naming the path of the first fault. Conditions are
/// checked by compiling them (see `CompiledRuleSet::compile`), which reports
/// `rules[i].conditions`; references to lines and units are checked against the organisation
/// by the caller.
pub fn parse_rules(v: &Value) -> Result<Vec<Rule>, RuleError> {
    let list = v.as_array().ok_or_else(|| err("rules", "must be a list of rules"))?;
    if list.len() > MAX_RULES {
        return Err(err("rules", format!("at most {MAX_RULES} rules")));
    }
    let mut rules = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let path = format!("rules[{i}]");
        let obj = r.as_object().ok_or_else(|| err(&path, "a rule is an object"))?;
        for k in obj.keys() {
            if !["name", "event", "priority", "conditions", "actions", "stop"].contains(&k.as_str()) {
                return Err(err(format!("{path}.{k}"), format!("a rule has no field '{k}'")));
            }
        }
        let name = text(obj, "name", &path, 128)?.to_owned();
        let event_s = obj.get("event").and_then(Value::as_str).ok_or_else(|| err(format!("{path}.event"), "is required"))?;
        let event = RuleEvent::parse(event_s).map_err(|e| err(format!("{path}.event"), e.message))?;
        let priority = match obj.get("priority") {
            None => 0,
            Some(p) => {
                p.as_i64()
                    .filter(|p| (-10_000..=10_000).contains(p))
                    .ok_or_else(|| err(format!("{path}.priority"), "must be a whole number from -10000 to 10000"))? as i32
            }
        };
        let conditions =
            obj.get("conditions").cloned().ok_or_else(|| err(format!("{path}.conditions"), "is required (use true to always match)"))?;
        let actions_v = obj.get("actions").and_then(Value::as_array).ok_or_else(|| err(format!("{path}.actions"), "must be a list"))?;
        if actions_v.is_empty() {
            return Err(err(format!("{path}.actions"), "a rule does at least one thing"));
        }
        let actions =
            actions_v.iter().enumerate().map(|(j, a)| parse_action(a, &format!("{path}.actions[{j}]"))).collect::<Result<Vec<_>, _>>()?;
        let stop = match obj.get("stop") {
            None => false,
            Some(s) => s.as_bool().ok_or_else(|| err(format!("{path}.stop"), "must be true or false"))?,
        };
        rules.push(Rule { name, event, priority, conditions, actions, stop });
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(actions: Value) -> Value {
        json!([{"name": "r", "event": "case_received", "priority": 10, "conditions": true, "actions": actions}])
    }

    #[test]
    fn a_good_rule_set_parses_with_every_action() {
        let v = json!([
            {"name": "垃圾", "event": "case_received", "priority": 5, "conditions": {"kw": ["垃圾"]}, "stop": true, "actions": [
                {"type": "route_to_line", "line": "12319"},
                {"type": "set_urgency", "urgency": "general"},
                {"type": "set_category", "category": "市容环境"},
                {"type": "set_contact_type", "contact_type": "complaint"},
                {"type": "add_tag", "tag": "环卫"},
                {"type": "answer_from_kb", "article": "kb-1"},
                {"type": "notify", "role": "dispatcher"},
                {"type": "flag_problem", "reason": "hot_spot"},
                {"type": "transfer_emergency", "line": "119"},
                {"type": "joint_handling", "lead": "12369", "co_units": ["12319"]},
                {"type": "route_to_unit", "unit": "u-1"}
            ]}
        ]);
        let rules = parse_rules(&v).unwrap();
        assert_eq!(rules[0].actions.len(), 11);
        assert!(rules[0].stop);
        // The wire shape round-trips.
        let back = serde_json::to_value(&rules[0].actions).unwrap();
        assert_eq!(back, v[0]["actions"]);
    }

    #[test]
    fn faults_name_their_path() {
        let cases = [
            (json!({}), "rules"),
            (json!([1]), "rules[0]"),
            (json!([{"event": "case_received", "conditions": true, "actions": []}]), "rules[0].name"),
            (json!([{"name": "x", "event": "whenever", "conditions": true, "actions": []}]), "rules[0].event"),
            (json!([{"name": "x", "event": "case_received", "actions": []}]), "rules[0].conditions"),
            (json!([{"name": "x", "event": "case_received", "conditions": true, "actions": []}]), "rules[0].actions"),
            (json!([{"name": "x", "event": "case_received", "priority": "high", "conditions": true, "actions": []}]), "rules[0].priority"),
            (json!([{"name": "x", "event": "case_received", "conditions": true, "actions": [], "colour": 1}]), "rules[0].colour"),
            (rule(json!([{"type": "teleport"}])), "rules[0].actions[0].type"),
            (rule(json!([{"type": "route_to_line"}])), "rules[0].actions[0].line"),
            (rule(json!([{"type": "set_urgency", "urgency": "asap"}])), "rules[0].actions[0].urgency"),
            (rule(json!([{"type": "transfer_emergency", "line": "12345"}])), "rules[0].actions[0].line"),
            (rule(json!([{"type": "notify", "role": "emperor"}])), "rules[0].actions[0].role"),
            (rule(json!([{"type": "notify"}])), "rules[0].actions[0]"),
            (rule(json!([{"type": "joint_handling", "lead": "a", "co_units": ["a"]}])), "rules[0].actions[0].co_units[0]"),
            (rule(json!([{"type": "joint_handling", "lead": "a", "co_units": []}])), "rules[0].actions[0].co_units"),
            (rule(json!([{"type": "add_tag", "tag": "x", "colour": "red"}])), "rules[0].actions[0].colour"),
        ];
        for (v, path) in cases {
            let e = parse_rules(&v).unwrap_err();
            assert_eq!(e.path, path, "{v}: {e}");
        }
    }
}

//! JSON typed in an editor (rules, time-limit overrides): a syntax error names its line and
//! column; a rule the API refuses names its path (`rules[2].actions[0].unit`) and the API's
//! message. Either way the typed text stays in the editor.

use std::collections::HashMap;

use maud::{Markup, html};
use serde_json::Value;

use crate::console::html::Problem;
use crate::console::i18n::Lang;
use crate::error::ApiError;

/// Why an editor's text was not taken.
#[derive(Debug, Default)]
pub struct EditorError {
    pub heading: String,
    /// The API's path of the fault.
    pub path: Option<String>,
    /// Where the JSON syntax breaks (1-based).
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub detail: String,
}

/// The text as JSON, or where its syntax breaks.
pub fn parse(lang: Lang, text: &str) -> Result<Value, EditorError> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        // serde_json ends its message with " at line L column C": shown in words instead.
        let detail = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m).to_owned();
        EditorError { heading: lang.t("admin.json_syntax").to_owned(), line: Some(e.line()), column: Some(e.column()), detail, path: None }
    })
}

impl EditorError {
    /// The API's refusal: a validation error keeps its path and message (the API writes it as
    /// `path: message`); anything else is its words.
    pub fn from_api(lang: Lang, err: &ApiError, heading_key: &str) -> Self {
        match (&err.body.field, err.body.code.as_str()) {
            (Some(path), "validation_failed") => {
                let prefix = format!("{path}: ");
                let detail = err.body.message.strip_prefix(&prefix).unwrap_or(&err.body.message).to_owned();
                EditorError { heading: lang.t(heading_key).to_owned(), path: Some(path.clone()), detail, ..Default::default() }
            }
            _ => EditorError { heading: Problem::from_api(lang, err).text, ..Default::default() },
        }
    }

    pub fn render(&self, lang: Lang, id: &str) -> Markup {
        let at = match (self.line, self.column) {
            (Some(l), Some(c)) => Some(lang.t("admin.json_at").replace("{line}", &l.to_string()).replace("{column}", &c.to_string())),
            _ => None,
        };
        html! {
            div.alert.error.editor-error #(id) role="alert" data-path=[self.path.as_deref()] data-line=[self.line] data-column=[self.column] {
                strong { (self.heading) }
                @if let Some(path) = &self.path { " " code.path { (path) } }
                @if let Some(at) = &at { " " span.at { (at) } }
                @if !self.detail.is_empty() { br; span.detail { (self.detail) } }
            }
        }
    }
}

/// The unit ids a JSON value mentions that name units of the line, in order of first mention.
pub fn units_in(v: &Value, names: &HashMap<String, String>) -> Vec<(String, String)> {
    fn walk(v: &Value, names: &HashMap<String, String>, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) => {
                if let Some(n) = names.get(s)
                    && !out.iter().any(|(id, _)| id == s)
                {
                    out.push((s.clone(), n.clone()));
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, names, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, names, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, names, &mut out);
    out
}

/// The name of the unit a line of pretty JSON mentions, to show beside it.
pub fn unit_on_line<'a>(line: &str, names: &'a HashMap<String, String>) -> Option<&'a str> {
    line.split('"').skip(1).step_by(2).find_map(|s| names.get(s)).map(String::as_str)
}

/// The legend of the units a rule set names: id → name.
pub fn legend(lang: Lang, units: &[(String, String)]) -> Markup {
    html! {
        @if !units.is_empty() {
            table.legend #unit-legend {
                tr { th { (lang.t("admin.rules.unit_id")) } th { (lang.t("admin.rules.unit_name")) } }
                @for (id, name) in units { tr data-unit=(id) { td { code { (id) } } td { (name) } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let e = parse(Lang::En, "[\n  {\"name\": \"a\",,}\n]").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(16)));
        assert!(!e.detail.contains("at line"), "{}", e.detail);
        let html = e.render(Lang::Zh, "x").into_string();
        assert!(html.contains("data-line=\"2\"") && html.contains("第 2 行"), "{html}");
    }

    #[test]
    fn units_are_found_by_id_and_named_once() {
        let names = HashMap::from([("u1".to_owned(), "自来水公司".to_owned())]);
        let v = serde_json::json!([{"actions": [{"unit": "u1"}, {"unit": "u1"}, {"unit": "u2"}]}]);
        assert_eq!(units_in(&v, &names), vec![("u1".to_owned(), "自来水公司".to_owned())]);
        assert_eq!(unit_on_line("      \"unit\": \"u1\"", &names), Some("自来水公司"));
        assert_eq!(unit_on_line("      \"type\": \"route_to_unit\"", &names), None);
    }
}

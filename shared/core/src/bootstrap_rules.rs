//! The demo city's rule sets (files in `demo_rules/`), published at seeding.

use hotline_store::entities::{rule_set, service_category};
use hotline_store::units::UnitFilter;
use hotline_store::{PageRequest, catalogue, rules, tenants, units};
use serde_json::Value;
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult};

const DEMO_RULES: &[(&str, &str)] = &[
    ("12345", include_str!("demo_rules/12345.json")),
    ("12319", include_str!("demo_rules/12319.json")),
    ("12315", include_str!("demo_rules/12315.json")),
    ("12369", include_str!("demo_rules/12369.json")),
    ("12398", include_str!("demo_rules/12398.json")),
    ("12320", include_str!("demo_rules/12320.json")),
    ("12333", include_str!("demo_rules/12333.json")),
    ("12366", include_str!("demo_rules/12366.json")),
];

const DEMO_CATALOGUE: &str = include_str!("demo_rules/catalogue.json");

/// Replaces `@unit name` references with the ids of the line's units.
fn resolve_units(v: &mut Value, by_name: &std::collections::HashMap<String, String>) -> Result<(), String> {
    match v {
        Value::String(s) if s.starts_with('@') => {
            *s = by_name.get(&s[1..]).cloned().ok_or_else(|| format!("no unit named {}", &s[1..]))?;
            Ok(())
        }
        Value::Array(list) => list.iter_mut().try_for_each(|x| resolve_units(x, by_name)),
        Value::Object(map) => map.values_mut().try_for_each(|x| resolve_units(x, by_name)),
        _ => Ok(()),
    }
}

impl Core {
    /// Publishes version 1 of each demo rule set (checked like any other rule set).
    pub(crate) async fn seed_demo_rules(&self) -> CoreResult<()> {
        let db = &self.store.db;
        self.routing.invalidate_org();
        for (code, text) in DEMO_RULES {
            let t = tenants::find_by_code(db, code).await?.ok_or(CoreError::NotFound("tenant"))?;
            let filter = UnitFilter::default();
            let by_name = units::list(db, t.id, &filter, PageRequest::first(1000))
                .await?
                .items
                .into_iter()
                .map(|u| (u.name, u.id.to_string()))
                .collect();
            let mut value: Value = serde_json::from_str(text).map_err(|e| CoreError::Internal(format!("demo rules {code}: {e}")))?;
            resolve_units(&mut value, &by_name).map_err(|e| CoreError::Internal(format!("demo rules {code}: {e}")))?;
            self.check_rules(&t, &value).await?;
            let now = self.now();
            let row = rule_set::Model {
                id: Uuid::now_v7(),
                tenant_id: t.id,
                version: rules::next_version(db, t.id).await?,
                status: "published".into(),
                rules: value.to_string(),
                note: Some("demo rules".into()),
                created_by: None,
                created_at: now,
                updated_at: now,
                published_at: Some(now),
                published_by: None,
            };
            rules::insert(db, row).await?;
            self.routing.invalidate(t.id);
        }
        self.seed_demo_catalogue().await
    }

    /// The demo lines' dispatch catalogues (`demo_rules/catalogue.json`), served as Open311
    /// services.
    async fn seed_demo_catalogue(&self) -> CoreResult<()> {
        let db = &self.store.db;
        let all: std::collections::BTreeMap<String, Vec<Value>> =
            serde_json::from_str(DEMO_CATALOGUE).map_err(|e| CoreError::Internal(format!("demo catalogue: {e}")))?;
        for (code, entries) in all {
            let t = tenants::find_by_code(db, &code).await?.ok_or(CoreError::NotFound("tenant"))?;
            for (i, e) in entries.iter().enumerate() {
                let text = |k: &str| e[k].as_str().map(str::to_owned);
                let now = self.now();
                let row = service_category::Model {
                    id: Uuid::now_v7(),
                    tenant_id: t.id,
                    code: hotline_domain::open311::check_category_code(e["code"].as_str().unwrap_or_default())?,
                    name: hotline_domain::parse_name("name", e["name"].as_str().unwrap_or_default(), 64)?,
                    description: text("description"),
                    keywords: text("keywords"),
                    active: true,
                    sort_order: (i as i32 + 1) * 10,
                    created_at: now,
                    updated_at: now,
                };
                catalogue::insert(db, row).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use hotline_domain::rules::{CompiledRuleSet, Directory, Facts, RuleEvent, decide, parse_rules};

    use super::*;

    struct Lines;

    impl Directory for Lines {
        fn parallel_line_for(&self, _: &str) -> Option<String> {
            None
        }
        fn is_line(&self, code: &str) -> bool {
            DEMO_RULES.iter().any(|(c, _)| *c == code && *c != "12345") || code == "12358"
        }
        fn rules_of(&self, _: &str) -> Option<&CompiledRuleSet> {
            None
        }
        fn district_fallback(&self, _: &str, _: &str) -> Option<String> {
            None
        }
        fn district_government(&self, _: &str) -> Option<(String, String)> {
            None
        }
        fn has_unit(&self, _: &str, _: &str) -> bool {
            false
        }
    }

    /// The TipDM label → the line that should take it; labels without a line of their own in
    /// the demo city stay at the front door (`12345`).
    const LABEL_TO_LINE: &[(&str, &str)] = &[
        ("城乡建设", "12319"),
        ("环境保护", "12369"),
        ("商贸旅游", "12315"),
        ("卫生计生", "12320"),
        ("劳动和社会保障", "12333"),
        ("交通运输", "12345"),
        ("教育文体", "12345"),
    ];

    fn front_door() -> CompiledRuleSet {
        let v: Value = serde_json::from_str(DEMO_RULES[0].1).unwrap();
        CompiledRuleSet::compile(1, parse_rules(&v).unwrap()).unwrap()
    }

    #[test]
    fn every_demo_rule_set_parses_and_compiles() {
        for (code, text) in DEMO_RULES {
            let v: Value = serde_json::from_str(text).unwrap();
            let rules = parse_rules(&v).unwrap_or_else(|e| panic!("{code}: {e}"));
            CompiledRuleSet::compile(1, rules).unwrap_or_else(|e| panic!("{code}: {e}"));
        }
    }

    #[test]
    fn demo_front_door_routes_classic_cases() {
        let front = front_door();
        let route = |text: &str| {
            let f = Facts { description: text.into(), ..Default::default() };
            let d = decide(Some(("12345", &front)), None, &Lines, RuleEvent::CaseReceived, &f);
            d.lines.iter().map(|l| l.code.clone()).collect::<Vec<_>>()
        };
        assert_eq!(route("楼下餐馆油烟直排，熏得没法开窗"), vec!["12369", "12319"]);
        assert_eq!(route("工地老板拖欠农民工工资半年了"), vec!["12333", "12319"]);
        assert_eq!(route("小区门口垃圾堆积没人清运"), vec!["12319"]);
        assert_eq!(route("超市卖过期食品，质量问题严重"), vec!["12315"]);
        assert_eq!(route("开发票被拒，怎么纳税申报"), vec!["12366"]);
    }

    /// Routes the 197 labelled TipDM messages with the demo front door and reports the share
    /// whose lead line matches the label (figure recorded in docs/BENCHMARKS.md).
    #[test]
    fn demo_rules_route_the_labelled_messages() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cn_gov_messages/tipdm2020_fujian2_labeled_dev.csv");
        let Ok(text) = std::fs::read_to_string(path) else {
            assert!(std::env::var("CI").is_err(), "the shared data must be present in CI");
            eprintln!("skipped: {path} is absent");
            return;
        };
        let front = front_door();
        let labels: HashMap<&str, &str> = LABEL_TO_LINE.iter().copied().collect();
        let (mut total, mut right) = (0, 0);
        let mut per_label: HashMap<String, (u32, u32)> = HashMap::new();
        for rec in csv_records(&text).into_iter().skip(1) {
            let [_, _, title, _, detail, label] = rec.as_slice() else { continue };
            let f = Facts { title: title.clone(), description: detail.clone(), ..Default::default() };
            let d = decide(Some(("12345", &front)), None, &Lines, RuleEvent::CaseReceived, &f);
            let got = d.lines.first().map(|l| l.code.as_str()).unwrap_or("12345");
            let want = labels[label.as_str()];
            total += 1;
            let entry = per_label.entry(label.clone()).or_default();
            entry.0 += 1;
            if got == want {
                right += 1;
                entry.1 += 1;
            }
        }
        assert_eq!(total, 197);
        let share = right as f64 / total as f64;
        let mut lines: Vec<String> = per_label.iter().map(|(k, (n, r))| format!("{k}: {r}/{n}")).collect();
        lines.sort();
        println!("demo routing accuracy: {right}/{total} = {:.1}% ({})", share * 100.0, lines.join(", "));
        assert!(share >= 0.6, "the demo rules route only {:.1}% to the labelled line", share * 100.0);
    }

    /// A small RFC 4180 reader (quoted fields may hold commas, quotes and newlines).
    fn csv_records(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let (mut record, mut field, mut quoted) = (Vec::new(), String::new(), false);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => record.push(std::mem::take(&mut field)),
                ('\n', false) => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                ('\r', false) => {}
                (c, _) => field.push(c),
            }
        }
        if !field.is_empty() || !record.is_empty() {
            record.push(field);
            records.push(record);
        }
        records
    }
}

//! The vendored JsonLogic conformance suites (see tests/jsonlogic/SOURCE.md), run against the
//! engine that evaluates rule conditions. Every case must pass.

use serde_json::Value;

fn run(file: &str) -> (usize, Vec<String>) {
    let path = format!("{}/tests/jsonlogic/{file}", env!("CARGO_MANIFEST_DIR"));
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let engine = hotline_domain::rules::engine();
    let (mut passed, mut failures) = (0, Vec::new());
    for (i, case) in cases.iter().enumerate() {
        let Some(obj) = case.as_object() else { continue }; // section headers are strings
        let desc = obj.get("description").and_then(Value::as_str).unwrap_or("");
        let data = obj.get("data").cloned().unwrap_or(Value::Object(Default::default()));
        let outcome = engine.compile(&obj["rule"]).and_then(|logic| engine.session().eval_into::<Value, _>(&logic, &data));
        let ok = match (outcome, obj.get("result"), obj.get("error")) {
            (Ok(got), Some(want), _) => &got == want,
            (Err(_), None, Some(_)) => true,
            _ => false,
        };
        if ok {
            passed += 1;
        } else {
            failures.push(format!("{file}[{i}] {desc}"));
        }
    }
    (passed, failures)
}

#[test]
fn the_vendored_jsonlogic_suites_pass() {
    let dir = format!("{}/tests/jsonlogic", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> =
        std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.ends_with(".json")).collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let mut total = 0;
    let mut failures = Vec::new();
    for f in &files {
        let (p, mut fails) = run(f);
        total += p;
        failures.append(&mut fails);
    }
    assert!(failures.is_empty(), "{} conformance cases fail:\n{}", failures.len(), failures.join("\n"));
    assert!(total > 400, "{total} cases ran");
    println!("jsonlogic conformance: {total} cases passed in {} files", files.len());
}

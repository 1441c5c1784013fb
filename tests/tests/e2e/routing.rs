//! Rule sets and routing end to end: demo rules at intake, dispatch following the decision,
//! versions and rollback, validation paths, tenant separation, simulate, replay, traces.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::case_kit::complaint;
use crate::helpers::TestApp;

fn rules_of(sets: &Value) -> &Value {
    &sets["items"][0]["rules"]
}

#[tokio::test]
async fn intake_routes_with_the_demo_rules_and_dispatch_follows_the_decision() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    // A classic cross-department case: restaurant oil smoke, 12369 leads, 12319 co-handles.
    let receipt = app.intake(&agent, complaint("楼下餐馆油烟直排，熏得没法开窗。")).await;
    let routing = &receipt["routing"];
    assert_eq!(routing["lines"], json!(["12369", "12319"]), "{receipt}");
    let air = app.unit("12369", "大气环境处").await;
    let sanitation = app.unit("12319", "市容环境卫生处").await;
    assert_eq!(routing["lead_unit_id"].as_str(), Some(air.as_str()));
    assert_eq!(routing["co_unit_ids"], json!([sanitation]));
    let id = receipt["case_id"].as_str().unwrap();
    let case = app.case(&agent, id).await;
    assert_eq!(case["category"], "市容环境", "an intake category is kept; rules fill only what is missing");

    // The decision and its trace are stored and readable.
    let (status, decisions) = app.get(&format!("/api/v1/cases/{id}/routing"), &agent).await;
    assert_eq!(status, StatusCode::OK);
    let d = &decisions[0];
    assert_eq!(d["event"], "case_received");
    let stages = d["decision"]["stages"].as_array().unwrap();
    assert_eq!(stages[0]["tenant"], "12345");
    assert!(
        stages[0]["evaluation"]["evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["matched"] == true && r["rule"].as_str().unwrap().contains("油烟"))
    );
    assert!(stages[0]["evaluation"]["skipped"].as_u64().unwrap() > 0, "rules without a keyword in the text are not evaluated");
    assert_eq!(stages[0]["evaluation"]["version"], 1);

    // Dispatch with no unit named follows the decision.
    let case = app.ok_step(&dispatcher, id, "dispatch", json!({})).await;
    assert_eq!(case["lead_unit_id"].as_str(), Some(air.as_str()));
    assert_eq!(case["participants"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn fallbacks_parallel_numbers_and_rule_classification() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    // No rule matches, the case has a district: the district government takes it.
    let mut body = complaint("一个无法归类的问题。");
    body["category"] = Value::Null;
    let r = app.intake(&agent, body.clone()).await;
    let gulou = app.unit("12319", "鼓楼区人民政府").await;
    assert_eq!(r["routing"]["lead_unit_id"].as_str(), Some(gulou.as_str()));
    // No district either: the dispatcher's manual queue.
    body["district"] = Value::Null;
    let r = app.intake(&agent, body.clone()).await;
    assert_eq!(r["routing"]["manual"], true);
    let dispatcher = app.token("dispatcher").await;
    let (status, res) = app.step(&dispatcher, r["case_id"].as_str().unwrap(), "dispatch", json!({})).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("lead_unit_id")));
    // A call to 12319's own number (parallel line) goes straight to 12319, whatever the text.
    body["dialled_number"] = "12319".into();
    body["description"] = "小区停水三天了。".into();
    let r = app.intake(&agent, body.clone()).await;
    assert_eq!(r["routing"]["lines"], json!(["12319"]));
    let water = app.unit("12319", "市自来水公司").await;
    assert_eq!(r["routing"]["lead_unit_id"].as_str(), Some(water.as_str()));
    // The line's rule set the urgency class (the intake left it open).
    let case = app.case(&agent, r["case_id"].as_str().unwrap()).await;
    assert_eq!(case["urgency"], "utilities");
}

#[tokio::test]
async fn versions_publish_atomically_and_roll_back() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin_12319").await;
    let base = "/api/v1/tenants/12319/rule-sets";
    let (_, sets) = app.get(base, &admin).await;
    assert_eq!(sets["items"][0]["status"], "published");
    let v1 = sets["items"][0]["id"].as_str().unwrap().to_owned();
    let parks = app.unit("12319", "园林绿化处").await;
    // A draft that sends garbage to the parks office instead.
    let draft = json!([{"name": "垃圾改派园林", "event": "case_received", "priority": 99, "conditions": {"kw": ["垃圾"]}, "actions": [{"type": "route_to_unit", "unit": parks}]}]);
    let (status, created) = app.call(Method::POST, base, &admin, Some(json!({"rules": draft, "note": "试行"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!((created["status"].as_str(), created["version"].as_i64()), (Some("draft"), Some(2)));
    let v2 = created["id"].as_str().unwrap().to_owned();

    let agent = app.token("agent").await;
    let before = app.intake(&agent, complaint("门口垃圾没人清运。")).await;
    let sanitation = app.unit("12319", "市容环境卫生处").await;
    assert_eq!(before["routing"]["lead_unit_id"].as_str(), Some(sanitation.as_str()), "drafts do not route");

    let (status, published) = app.call(Method::POST, &format!("{base}/{v2}/publish"), &admin, None).await;
    assert_eq!((status, published["status"].as_str()), (StatusCode::OK, Some("published")), "{published}");
    let after = app.intake(&agent, complaint("门口垃圾没人清运。")).await;
    assert_eq!(after["routing"]["lead_unit_id"].as_str(), Some(parks.as_str()));
    let (status, body) = app.call(Method::PUT, &format!("{base}/{v2}"), &admin, Some(json!({"rules": []}))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("not_a_draft")));

    // Rollback: publish version 1 again.
    let (status, _) = app.call(Method::POST, &format!("{base}/{v1}/publish"), &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    let again = app.intake(&agent, complaint("门口垃圾没人清运。")).await;
    assert_eq!(again["routing"]["lead_unit_id"].as_str(), Some(sanitation.as_str()));
    let (_, sets) = app.get(base, &admin).await;
    let statuses: Vec<(i64, &str)> =
        sets["items"].as_array().unwrap().iter().map(|s| (s["version"].as_i64().unwrap(), s["status"].as_str().unwrap())).collect();
    assert_eq!(statuses, vec![(2, "superseded"), (1, "published")]);

    // Every publish is audited with what changed.
    let auditor = app.token("auditor").await;
    let (_, audit) = app.get("/api/v1/audit-events?action=rule_set.publish", &auditor).await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[1]["detail"].as_str().unwrap().contains("added: [垃圾改派园林]"), "{audit}");
    assert_eq!(items[0]["actor_name"], "admin_12319");
    let _ = rules_of(&sets);
}

#[tokio::test]
async fn invalid_rules_are_refused_with_the_path_of_the_fault() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin_12319").await;
    let city = app.token("city_admin").await;
    let base = "/api/v1/tenants/12319/rule-sets";
    let other_line_unit = app.unit("12369", "大气环境处").await;
    for (rules, path) in [
        (
            json!([{"name": "x", "event": "case_received", "conditions": {"kw": ["a"]}, "actions": [{"type": "route_to_unit", "unit": other_line_unit}]}]),
            "rules[0].actions[0].unit",
        ),
        (
            json!([{"name": "x", "event": "case_received", "conditions": {"bogus": [1]}, "actions": [{"type": "add_tag", "tag": "t"}]}]),
            "rules[0].conditions.bogus",
        ),
        (
            json!([{"name": "x", "event": "case_received", "conditions": true, "actions": [{"type": "route_to_line", "line": "12369"}]}]),
            "rules[0].actions[0].line",
        ),
        (
            json!([{"name": "ok", "event": "case_received", "conditions": true, "actions": [{"type": "add_tag", "tag": "t"}]}, {"name": "x", "event": "someday", "conditions": true, "actions": []}]),
            "rules[1].event",
        ),
    ] {
        let (status, res) = app.call(Method::POST, base, &admin, Some(json!({"rules": rules}))).await;
        assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(path)), "{res}");
        assert_eq!(res["reason"], "invalid_rule");
    }
    // The front door routes to lines, not units.
    let (status, res) = app
        .call(Method::POST, "/api/v1/tenants/12345/rule-sets", &city, Some(json!({"rules": [{"name": "x", "event": "case_received", "conditions": true, "actions": [{"type": "route_to_line", "line": "99999"}]}]})))
        .await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("rules[0].actions[0].line")));
}

#[tokio::test]
async fn rule_sets_belong_to_their_tenant() {
    let app = TestApp::spawn().await;
    let admin_12319 = app.token("admin_12319").await;
    let admin_12315 = app.token("admin_12315").await;
    let (_, theirs) = app.get("/api/v1/tenants/12315/rule-sets", &admin_12315).await;
    let their_id = theirs["items"][0]["id"].as_str().unwrap().to_owned();
    let missing = "01900000-0000-7000-8000-000000000000";
    let ok_rules =
        json!({"rules": [{"name": "t", "event": "case_received", "conditions": true, "actions": [{"type": "add_tag", "tag": "t"}]}]});
    for (method, path, body) in [
        (Method::GET, "/api/v1/tenants/12315/rule-sets".to_owned(), None),
        (Method::POST, "/api/v1/tenants/12315/rule-sets".to_owned(), Some(ok_rules.clone())),
        (Method::GET, format!("/api/v1/tenants/12315/rule-sets/{their_id}"), None),
        (Method::POST, format!("/api/v1/tenants/12315/rule-sets/{their_id}/publish"), None),
        (Method::GET, format!("/api/v1/tenants/12319/rule-sets/{their_id}"), None),
    ] {
        let (status, res) = app.call(method.clone(), &path, &admin_12319, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {res}");
    }
    assert_eq!(app.get(&format!("/api/v1/tenants/12319/rule-sets/{missing}"), &admin_12319).await.0, StatusCode::NOT_FOUND);
    // The front door's rules are the city admin's.
    assert_eq!(
        app.call(Method::POST, "/api/v1/tenants/12345/rule-sets", &admin_12319, Some(ok_rules.clone())).await.0,
        StatusCode::NOT_FOUND
    );
    let dispatcher = app.token("dispatcher").await;
    assert_eq!(
        app.call(Method::POST, "/api/v1/tenants/12345/rule-sets", &dispatcher, Some(ok_rules.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get("/api/v1/tenants/12345/rule-sets", &dispatcher).await.0, StatusCode::OK, "dispatchers read the rules");
    let handler = app.token("handler_12319").await;
    assert_eq!(app.get("/api/v1/tenants/12319/rule-sets", &handler).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn simulate_and_replay_answer_with_traces_and_change_nothing() {
    let app = TestApp::spawn().await;
    let city = app.token("city_admin").await;
    let agent = app.token("agent").await;
    let case = complaint("单位拖欠工资三个月。");
    let (status, sim) = app.call(Method::POST, "/api/v1/routing/simulate", &agent, Some(json!({"case": case}))).await;
    assert_eq!(status, StatusCode::OK, "{sim}");
    assert_eq!(sim["lines"][0]["code"], "12333");
    assert!(sim["stages"].as_array().unwrap().len() >= 2);

    // A draft of the front door that sends wages to 12319 instead, simulated without saving…
    let draft = json!([{"name": "欠薪试行", "event": "case_received", "priority": 99, "conditions": {"kw": ["工资"]}, "actions": [{"type": "route_to_line", "line": "12319"}]}]);
    let (status, sim) =
        app.call(Method::POST, "/api/v1/routing/simulate", &city, Some(json!({"case": case, "tenant": "12345", "rules": draft}))).await;
    assert_eq!(status, StatusCode::OK, "{sim}");
    assert_eq!(sim["lines"][0]["code"], "12319");
    // …and replayed over past cases as a stored draft: the published rules plus that rule.
    let (_, sets) = app.get("/api/v1/tenants/12345/rule-sets", &city).await;
    let mut full = rules_of(&sets).as_array().unwrap().clone();
    full.insert(0, draft[0].clone());
    let draft = Value::Array(full);
    for text in ["工地欠薪的问题。", "公司拖欠工资。", "门口垃圾没人清运。"] {
        app.intake(&agent, complaint(text)).await;
    }
    let (_, created) = app.call(Method::POST, "/api/v1/tenants/12345/rule-sets", &city, Some(json!({"rules": draft}))).await;
    let id = created["id"].as_str().unwrap();
    let from = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let (status, report) =
        app.call(Method::POST, &format!("/api/v1/tenants/12345/rule-sets/{id}/replay"), &city, Some(json!({"from": from, "to": to}))).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["cases"], 3);
    // Only the plain wage case changes: the construction-site case still matches the joint
    // rule that makes 12333 lead, and garbage is untouched.
    assert_eq!(report["changed"], 1, "{report}");
    assert_eq!(report["examples"][0]["after"]["lines"][0], "12319");
    // Nothing changed: the published rules still route wages to 12333.
    let r = app.intake(&agent, complaint("公司拖欠工资。")).await;
    assert_eq!(r["routing"]["lines"][0], "12333");
    // Simulation is refused to roles that do not route, and needs a case.
    let handler = app.token("handler_12319").await;
    assert_eq!(app.call(Method::POST, "/api/v1/routing/simulate", &handler, Some(json!({"case": case}))).await.0, StatusCode::FORBIDDEN);
    let (status, res) = app.call(Method::POST, "/api/v1/routing/simulate", &agent, Some(json!({}))).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("case")));
}

#[tokio::test]
async fn a_publish_reaches_another_instance_through_redis() {
    let app = TestApp::spawn().await;
    if app._kv.url.is_none() || !app.db.is_postgres() {
        eprintln!("skipped: needs PostgreSQL and Redis shared by two instances");
        return;
    }
    let other = app.second_instance().await;
    let agent = app.token("agent").await;
    let agent_b = other.token("agent").await;
    // Instance B has the published rules cached.
    let r = other.intake(&agent_b, complaint("门口垃圾没人清运。")).await;
    let sanitation = app.unit("12319", "市容环境卫生处").await;
    assert_eq!(r["routing"]["lead_unit_id"].as_str(), Some(sanitation.as_str()));
    // A publishes a new version…
    let admin = app.token("admin_12319").await;
    let parks = app.unit("12319", "园林绿化处").await;
    let draft = json!([{"name": "垃圾改派园林", "event": "case_received", "priority": 99, "conditions": {"kw": ["垃圾"]}, "actions": [{"type": "route_to_unit", "unit": parks}]}]);
    let (_, created) = app.call(Method::POST, "/api/v1/tenants/12319/rule-sets", &admin, Some(json!({"rules": draft}))).await;
    let id = created["id"].as_str().unwrap();
    app.call(Method::POST, &format!("/api/v1/tenants/12319/rule-sets/{id}/publish"), &admin, None).await;
    // …and B routes with it once the announcement arrives: B is asked (a bounded number of
    // times) until its answer changes; no fixed sleep.
    let mut routed = None;
    for _ in 0..2000 {
        let (_, sim) =
            other.call(Method::POST, "/api/v1/routing/simulate", &agent_b, Some(json!({"case": complaint("门口垃圾没人清运。")}))).await;
        routed = sim["lead_unit"].as_str().map(str::to_owned);
        if routed.as_deref() == Some(parks.as_str()) {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(routed.as_deref(), Some(parks.as_str()), "instance B picked up the publish");
    let _ = agent;
}

//! A rule change walked the way a line admin does it: a draft from the published rules, broken
//! JSON and a wrong unit refused beside the editor (the text kept), a simulation with its trace,
//! a replay over the line's recent cases, the diff, publishing, and the rollback after a
//! confirmation; intake follows whichever version is active.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{attr_after, redirected_id};
use crate::case_kit::complaint;
use crate::console_kit::Console;
use crate::helpers::TestApp;

const GARBAGE: &str = "门口垃圾没人清运。";

/// The lead unit intake gives a garbage complaint taken at the front door.
async fn garbage_goes_to(app: &TestApp) -> String {
    let agent = app.token("agent").await;
    app.intake(&agent, complaint(GARBAGE)).await["routing"]["lead_unit_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_line_admin_edits_simulates_replays_diffs_publishes_and_rolls_back_a_rule() {
    let app = TestApp::spawn().await;
    let token = app.token("admin_12319").await;
    let (parks, sanitation) = (app.unit("12319", "园林绿化处").await, app.unit("12319", "市容环境卫生处").await);
    assert_eq!(garbage_goes_to(&app).await, sanitation, "the demo rules send garbage to sanitation");

    // A case the line took itself (through an integrator's key) an hour ago, for the replay to
    // find. (The clock goes back and forth rather than ahead: signed-in tokens are checked
    // against the real time.)
    let (_, key) = app.call(Method::POST, "/api/v1/tenants/12319/api-keys", &token, Some(json!({"name": "网格平台"}))).await;
    let now = app.core.now();
    app.clock.set(now - chrono::Duration::hours(1));
    let res = app.client.post(app.url("/api/v1/cases")).header("x-api-key", key["secret"].as_str().unwrap()).json(&complaint(GARBAGE));
    let own: Value = res.send().await.unwrap().json().await.unwrap();
    app.clock.set(now);
    let own_tracking = own["tracking_number"].as_str().unwrap_or_else(|| panic!("{own}")).to_owned();

    let mut admin = Console::login(&app, "admin_12319").await;
    let res = admin.get("/console/admin").await;
    assert_eq!(
        (res.status, res.redirect()),
        (StatusCode::SEE_OTHER, Some("/console/admin/12319/rules")),
        "a tenant admin goes to their line"
    );
    let list = admin.get("/console/admin/12319/rules").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let v1 = attr_after(&list.body, "data-version=\"1\"", "data-id").to_owned();
    assert!(list.body.contains("data-version=\"1\" data-status=\"published\""), "{}", list.body);

    // A new draft holds the published rules, unit ids named beside the editor.
    let res = admin.post("/console/admin/12319/rules/new", &[("note", "垃圾改派园林")]).await;
    let v2 = redirected_id(&res);
    let url = format!("/console/admin/12319/rules/{v2}");
    let page = admin.get(&url).await;
    assert!(page.body.contains("id=\"rules-text\"") && page.body.contains("供水"), "{}", page.body);
    assert!(page.body.contains(&format!("data-unit=\"{sanitation}\"")) && page.body.contains("市自来水公司"), "legend: {}", page.body);

    // Broken JSON: where it breaks, the typed text kept.
    let broken = "[\n  {\"name\": \"垃圾改派园林\",,}\n]";
    let res = admin.post(&url, &[("rules", broken), ("note", "")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("id=\"rules-problem\"") && res.body.contains("data-line=\"2\"") && res.body.contains("第 2 行"),
        "{}",
        res.body
    );
    assert!(res.body.contains("&quot;垃圾改派园林&quot;,,}") && !res.body.contains("{\"code\""), "kept, no JSON error: {}", res.body);

    // A unit that is not the line's: the API's path and message, the text kept.
    let (_, published) = app.get("/api/v1/tenants/12319/rule-sets", &token).await;
    let mut rules = published["items"][0]["rules"].as_array().unwrap().clone();
    let rule = |unit: &str| {
        json!({"name": "垃圾改派园林", "event": "case_received", "priority": 99, "conditions": {"kw": ["垃圾"]},
               "actions": [{"type": "route_to_unit", "unit": unit}], "stop": true})
    };
    let wrong = serde_json::to_string_pretty(&json!([rule("no-such-unit")])).unwrap();
    let res = admin.post(&url, &[("rules", &wrong), ("note", "")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("data-path=\"rules[0].actions[0].unit\"") && res.body.contains("one of its active units"), "{}", res.body);
    assert!(res.body.contains("no-such-unit"), "the text is kept: {}", res.body);

    rules.insert(0, rule(&parks));
    let good = serde_json::to_string_pretty(&Value::Array(rules)).unwrap();
    let res = admin.post(&url, &[("rules", &good), ("note", "垃圾改派园林")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("id=\"rules-saved\"") && res.body.contains("园林绿化处"), "{}", res.body);

    // Simulating the saved draft: the decision and which rule fired.
    let sample = [("contact_type", "complaint"), ("channel", "phone"), ("description", GARBAGE), ("district", "鼓楼区")];
    let res = admin.post(&format!("{url}/simulate"), &sample).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(attr_after(&res.body, "id=\"decision\"", "data-lead"), parks);
    assert!(res.body.contains("data-rule=\"垃圾改派园林\" data-matched=\"true\"") && res.body.contains("园林绿化处"), "{}", res.body);
    // …or the unsaved text in the editor, checked first.
    let mut typed = sample.to_vec();
    typed.push(("rules", broken));
    let res = admin.post(&format!("{url}/simulate"), &typed).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("data-line=\"2\""), "{}", res.body);
    assert_eq!(garbage_goes_to(&app).await, sanitation, "a draft does not route");

    // Replay over the line's cases of the last 30 days.
    let res = admin.post(&format!("{url}/replay"), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(attr_after(&res.body, "id=\"replay-report\"", "data-changed"), "1", "{}", res.body);
    assert!(res.body.contains(&format!("data-tracking=\"{own_tracking}\"")), "the changed case as an example: {}", res.body);

    // The diff of v1 and the draft: the new rule added, its unit named.
    let diff = admin.get(&format!("/console/admin/12319/rules/diff?a={v1}&b={v2}")).await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    assert!(diff.body.contains("class=\"add\"") && diff.body.contains("← 园林绿化处"), "{}", diff.body);
    assert!(!diff.body.contains("class=\"del\""), "only additions: {}", diff.body);

    // Publishing: intake follows the new version.
    let res = admin.post(&format!("{url}/publish"), &[]).await;
    assert_eq!(res.redirect(), Some("/console/admin/12319/rules"), "{}", res.body);
    assert_eq!(garbage_goes_to(&app).await, parks);
    let res = admin.post(&url, &[("rules", &good), ("note", "")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "a published version never changes");
    assert!(res.body.contains("已发布的版本不能修改"), "{}", res.body);

    // Rolling back asks first; confirmed, v1 is active again and intake follows it.
    let v1_publish = format!("/console/admin/12319/rules/{v1}/publish");
    let res = admin.post(&v1_publish, &[]).await;
    assert!(res.body.contains("id=\"rollback-confirm\"") && res.body.contains("回滚到 v1"), "{}", res.body);
    assert_eq!(garbage_goes_to(&app).await, parks, "nothing changes before the confirmation");
    let res = admin.post(&v1_publish, &[("confirm", "yes")]).await;
    assert_eq!(res.redirect(), Some("/console/admin/12319/rules"), "{}", res.body);
    assert_eq!(garbage_goes_to(&app).await, sanitation, "routing follows the rolled-back version");
    let list = admin.get("/console/admin/12319/rules").await;
    assert!(list.body.contains("data-version=\"1\" data-status=\"published\""), "{}", list.body);
    assert!(list.body.contains("data-version=\"2\" data-status=\"superseded\""), "{}", list.body);
    let row = list.body.split("data-version=\"1\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("管理员"), "who published v1 again (the line admin): {row}");
}

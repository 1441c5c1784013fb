//! Duplicate candidates (并单): the open cases alike by text, place and time, across lines, for
//! the front door; linking one is the `link` step.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::case_kit::complaint;
use crate::helpers::TestApp;

fn at(text: &str, lat: f64) -> Value {
    let mut body = complaint(text);
    body["lat"] = json!(lat);
    body["long"] = json!(119.2960);
    body
}

#[tokio::test]
async fn alike_open_cases_are_offered_best_first_and_can_be_linked() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let supervisor = app.token("city_supervisor").await;
    let handler = app.token("handler_12319").await;
    let line_admin = app.token("admin_12315").await;
    let other_line = app.staff("12315", "dispatcher_12315", &["dispatcher"], None).await;
    let id = |r: Value| r["case_id"].as_str().unwrap().to_owned();
    let lamp = id(app.intake(&agent, at("东街口路灯坏了不亮", 26.0820)).await);
    let food = id(app.intake(&agent, at("超市卖过期食品", 26.0820)).await);
    let other_lamp = id(app.intake(&agent, at("东街口的路灯不亮了", 26.0821)).await);
    let far_lamp = id(app.intake(&agent, at("东街口的路灯不亮了", 26.1320)).await);
    let answered = id(app.intake(&agent, at("东街口路灯坏了不亮", 26.0820)).await);
    app.ok_step(&agent, &answered, "answer", json!({"answer": "已转路灯所。"})).await;

    let (status, body) = app.get(&format!("/api/v1/cases/{lamp}/duplicates"), &agent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|c| c["case_id"].as_str().unwrap()).collect();
    // The same issue nearby first, the same words far away after it; not the food, not the
    // closed one, not the case itself.
    assert_eq!(ids, [other_lamp.as_str(), far_lamp.as_str()], "{body}");
    let best = &items[0]["score"];
    assert!(best["total"].as_f64().unwrap() > items[1]["score"]["total"].as_f64().unwrap());
    assert_eq!(best["place"], 1.0);
    assert!(best["text"].as_f64().unwrap() > 0.5 && best["total"].as_f64().unwrap() >= 0.5, "{best}");
    assert!(!ids.contains(&food.as_str()) && !ids.contains(&answered.as_str()));
    let (status, same) = app.get(&format!("/api/v1/cases/{lamp}/duplicates"), &supervisor).await;
    assert_eq!((status, same["items"].as_array().unwrap().len()), (StatusCode::OK, 2));

    // Linked in one action: the duplicate closes and points at its master.
    let linked = app.ok_step(&agent, &other_lamp, "link", json!({"duplicate_of": lamp})).await;
    assert_eq!(linked["closure"], "linked");
    let (_, after) = app.get(&format!("/api/v1/cases/{lamp}/duplicates"), &agent).await;
    assert_eq!(after["items"].as_array().unwrap().len(), 1, "the linked one is closed now: {after}");

    // A unit handler is not at the front door; another line cannot see the platform's case.
    let (status, _) = app.get(&format!("/api/v1/cases/{lamp}/duplicates"), &handler).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get(&format!("/api/v1/cases/{lamp}/duplicates"), &line_admin).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "tenant admins take no contacts");
    // Another line's dispatcher: the case is not theirs, exactly as if it did not exist.
    let (status, _) = app.get(&format!("/api/v1/cases/{lamp}/duplicates"), &other_line).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get(&format!("/api/v1/cases/{}/duplicates", uuid::Uuid::now_v7()), &agent).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

//! Learned routing suggestions: trained by the worker from the cases with a lead unit, stored
//! as versions, retrained only when those cases changed, explained, shown beside the rules in
//! the intake answer; for agents and dispatchers only.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::case_kit::complaint;
use crate::helpers::TestApp;

#[tokio::test]
async fn agents_get_the_likely_line_with_its_reasons() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let line_dispatcher = app.staff("12315", "dispatcher_12315", &["dispatcher"], None).await;
    let water = app.unit("12319", "市容环境卫生处").await;
    let food = app.unit("12315", "食品安全协调处").await;
    let suggest = |token: String, text: &'static str| {
        let app = &app;
        async move { app.call(Method::POST, "/api/v1/routing/suggest", &token, Some(json!({ "text": text }))).await }
    };

    // Before any case has a lead unit there is nothing to learn from.
    let report = app.core.retrain_models().await.unwrap();
    assert_eq!(report.trained, 0);
    let (status, empty) = suggest(agent.clone(), "小区停水了").await;
    assert_eq!(
        (status, empty["model_version"].as_i64(), empty["trained_on"].as_u64(), empty["suggestions"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0), Some(0), Some(0)),
        "{empty}"
    );

    for (text, unit) in [
        ("小区停水三天了", &water),
        ("自来水停水没有通知", &water),
        ("路边垃圾没人清运", &water),
        ("超市卖过期食品", &food),
        ("买到过期变质的牛奶", &food),
        ("餐馆食品不卫生", &food),
    ] {
        let id = app.intake(&agent, complaint(text)).await["case_id"].as_str().unwrap().to_owned();
        app.ok_step(&dispatcher, &id, "dispatch", json!({ "lead_unit_id": unit })).await;
    }
    // The worker's run trains the platform's model and the two lines' (whose units have cases).
    let report = app.core.retrain_models().await.unwrap();
    assert_eq!(report.trained, 3, "{report:?}");
    let (status, body) = suggest(agent.clone(), "我家又停水了").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["model_version"].as_i64(), body["trained_on"].as_u64()), (Some(1), Some(6)), "{body}");
    let first = &body["suggestions"][0];
    assert_eq!((first["label"].as_str(), first["name"].as_str()), (Some("12319"), Some("12319")), "{body}");
    assert!(first["confidence"].as_f64().unwrap() > body["suggestions"][1]["confidence"].as_f64().unwrap());
    assert!(first["because"].as_array().unwrap().iter().any(|b| b["feature"] == "停水"), "{first}");
    let (_, food_body) = suggest(dispatcher.clone(), "超市卖过期面包").await;
    assert_eq!(food_body["suggestions"][0]["label"], "12315", "{food_body}");

    // The intake answer shows the suggestion beside the rule decision.
    let receipt = app.intake(&agent, complaint("燃气停水都没有")).await;
    assert_eq!(receipt["suggestion"]["suggestions"][0]["label"], "12319", "{receipt}");
    assert_eq!(receipt["suggestion"]["model_version"], 1, "{receipt}");
    assert!(receipt["routing"].is_object(), "{receipt}");

    // A new dispatched case changes nothing until the worker's next run, which trains version 2;
    // a run with nothing new trains nothing.
    let id = receipt["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({ "lead_unit_id": water })).await;
    let (_, same) = suggest(agent.clone(), "我家又停水了").await;
    assert_eq!((same["model_version"].as_i64(), same["trained_on"].as_u64()), (Some(1), Some(6)));
    let report = app.core.retrain_models().await.unwrap();
    assert_eq!(report.trained, 2, "the platform and 12319 changed, 12315 did not: {report:?}");
    let (_, again) = suggest(agent.clone(), "我家又停水了").await;
    assert_eq!((again["model_version"].as_i64(), again["trained_on"].as_u64()), (Some(2), Some(7)), "{again}");
    assert_eq!(app.core.retrain_models().await.unwrap().trained, 0);
    let (status, versions) = app.get("/api/v1/routing/models", &agent).await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    let listed: Vec<(i64, i64)> =
        versions.as_array().unwrap().iter().map(|v| (v["version"].as_i64().unwrap(), v["examples"].as_i64().unwrap())).collect();
    assert_eq!(listed, vec![(2, 7), (1, 6)]);

    // Inside a line the labels are its units, named; the line sees only its own cases.
    let (status, line) = suggest(line_dispatcher, "超市卖过期面包").await;
    assert_eq!(status, StatusCode::OK, "{line}");
    assert_eq!(line["trained_on"], 3, "12315 sees the three cases of its units: {line}");
    assert_eq!(
        (line["suggestions"][0]["label"].as_str(), line["suggestions"][0]["name"].as_str()),
        (Some(food.as_str()), Some("食品安全协调处"))
    );

    // Refused: a unit handler is not at the desk; empty or oversized text is invalid.
    let (status, _) = suggest(handler.clone(), "停水").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("/api/v1/routing/models", &handler).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = suggest(agent.clone(), "   ").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("text")), "{body}");
    let long: Value = json!({ "text": "长".repeat(4001) });
    let (status, _) = app.call(Method::POST, "/api/v1/routing/suggest", &agent, Some(long)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

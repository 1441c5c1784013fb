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

/// Alike reports from one place; `lat` moves the place (0.05° ≈ 5.5 km).
fn sewage(text: &str, lat: f64) -> Value {
    let mut body = at(text, lat);
    body["district"] = json!("鼓楼区");
    body
}

#[tokio::test]
async fn a_burst_of_alike_cases_in_one_place_raises_one_hot_spot_for_the_city_office() {
    let app = TestApp::spawn().await;
    let city_admin = app.token("city_admin").await;
    let body = json!({"username": "duty.supervisor", "display_name": "值班督办", "email": "duty@12345.example.cn",
        "password": "a long test passphrase", "roles": ["city_supervisor"]});
    let (status, res) = app.call(reqwest::Method::POST, "/api/v1/tenants/12345/users", &city_admin, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    let agent = app.token("agent").await;
    let supervisor = app.token("city_supervisor").await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let line_admin = app.token("admin_12319").await;
    let id = |r: Value| r["case_id"].as_str().unwrap().to_owned();
    let alerts = |app: &TestApp| {
        let db = app.raw_db_later();
        async move {
            hotline_store::outbox::all(&db.await).await.unwrap().into_iter().filter(|m| m.subject.contains("热点预警")).collect::<Vec<_>>()
        }
    };

    // Three alike reports, a different issue in the same place, and the same words far away:
    // not yet a burst (four alike in one place within a day).
    let mut burst = Vec::new();
    for text in ["杨桥路污水冒出来了", "杨桥路有污水冒出，很臭", "杨桥路下水道冒污水"] {
        burst.push(id(app.intake(&agent, sewage(text, 26.0820)).await));
        app.clock.advance(chrono::Duration::minutes(10));
    }
    let food = id(app.intake(&agent, sewage("超市卖过期食品", 26.0820)).await);
    let far = id(app.intake(&agent, sewage("杨桥路污水冒出来了", 26.1320)).await);
    app.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(app.core.scan_hot_spots().await.unwrap(), Default::default());

    // The fourth raises the hot spot and alerts the city office once.
    burst.push(id(app.intake(&agent, sewage("杨桥路污水外溢", 26.0821)).await));
    app.clock.advance(chrono::Duration::minutes(10));
    // A worker stopping (SIGTERM) during the comparison abandons it: nothing is recorded and the
    // watermark stays, so the next pass still finds the burst.
    let (_stopping, stopped) = tokio::sync::watch::channel(true);
    assert_eq!(app.core.scan_hot_spots_until(stopped).await.unwrap(), Default::default());
    let r = app.core.scan_hot_spots().await.unwrap();
    assert_eq!((r.raised, r.joined), (1, 0));
    let sent = alerts(&app).await;
    assert_eq!(sent.len(), 1, "one alert to the one supervisor with an address");
    assert_eq!(sent[0].recipient, "duty@12345.example.cn");
    assert!(sent[0].body.contains("4 件相似诉求") && sent[0].body.contains("鼓楼区"), "{}", sent[0].body);
    assert_eq!(app.core.scan_hot_spots().await.unwrap(), Default::default(), "a second pass finds nothing new");

    // A fifth joins it without another alert.
    burst.push(id(app.intake(&agent, sewage("杨桥路污水还在冒", 26.0820)).await));
    app.clock.advance(chrono::Duration::minutes(10));
    let r = app.core.scan_hot_spots().await.unwrap();
    assert_eq!((r.raised, r.joined), (0, 1));
    assert_eq!(alerts(&app).await.len(), 1);

    let (status, body) = app.get("/api/v1/supervision/hot-spots", &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let spots = body.as_array().unwrap();
    assert_eq!(spots.len(), 1, "{body}");
    assert_eq!((spots[0]["case_count"].as_i64(), spots[0]["district"].as_str()), (Some(5), Some("鼓楼区")));
    assert_eq!(spots[0]["title"], "杨桥路污水冒出来了");
    let mut listed: Vec<String> = spots[0]["cases"].as_array().unwrap().iter().map(|c| c["case_id"].as_str().unwrap().to_owned()).collect();
    listed.sort();
    burst.sort();
    assert_eq!(listed, burst);
    assert!(!listed.contains(&food) && !listed.contains(&far));
    let (status, _) = app.get("/api/v1/supervision/hot-spots", &dispatcher).await;
    assert_eq!(status, StatusCode::OK);
    let (status, later) = app.get("/api/v1/supervision/hot-spots?since=2099-01-01T00:00:00Z", &supervisor).await;
    assert_eq!((status, later.as_array().map(Vec::len)), (StatusCode::OK, Some(0)));

    // Refused: unit staff and a line's administrator; a malformed instant.
    for token in [&handler, &line_admin] {
        let (status, _) = app.get("/api/v1/supervision/hot-spots", token).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = app.get("/api/v1/supervision/hot-spots?since=yesterday", &supervisor).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

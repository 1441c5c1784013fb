//! Counting joint cases and calls (issue 6): a joint case counts once for the platform and once
//! in each line taking part; calls count from the call centre's CTI events. Figures computed by
//! hand from the scenarios.

use hotline_domain::stats::Counter;
use hotline_store::stats::{Level, Scope, SumQuery};
use reqwest::StatusCode;
use serde_json::json;

use crate::case_kit::complaint;
use crate::helpers::TestApp;
use crate::stats_counting::{march, shanghai, sum, tenant};

const COUNTED: [Counter; 14] = [
    Counter::Received,
    Counter::Dispatched,
    Counter::DispatchedOnTime,
    Counter::Returned,
    Counter::SignDecided,
    Counter::SignedOnTime,
    Counter::FeedbackGiven,
    Counter::FeedbackResolved,
    Counter::FeedbackDecided,
    Counter::FeedbackOnTime,
    Counter::Rated,
    Counter::RatedSatisfied,
    Counter::Reopened,
    Counter::Closed,
];

#[tokio::test]
async fn a_joint_case_counts_once_for_the_platform_and_once_in_each_line_taking_part() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let lead_unit = app.unit("12319", "市政设施管理处").await;
    let air = app.unit("12369", "大气环境处").await;
    let consumer = app.unit("12315", "消费者权益保护处").await;
    let lead = app.staff("12319", "shizheng.handler", &["unit_handler"], Some(&lead_unit)).await;
    let air_staff = app.staff("12369", "air.handler", &["unit_lead"], Some(&air)).await;
    let consumer_staff = app.token("handler_12315").await;
    let air_admin = app.token("admin_12369").await;

    // Monday 9 March. 09:00 the front door receives the case; 09:10 it goes to a lead in 12319
    // with co-units in 12369 and 12315; 09:20 the lead returns it; 09:30 it is dispatched
    // again to the same three units.
    app.clock.set(shanghai(9, 9, 0));
    let id = app.intake(&agent, complaint("工地夜间施工扬尘大、噪音扰民，还占道经营。")).await["case_id"].as_str().unwrap().to_owned();
    app.clock.set(shanghai(9, 9, 10));
    let units = json!({"lead_unit_id": lead_unit, "co_unit_ids": [air, consumer]});
    app.ok_step(&dispatcher, &id, "dispatch", units.clone()).await;
    app.clock.set(shanghai(9, 9, 20));
    app.ok_step(&lead, &id, "return", json!({"reason_code": "other", "reason": "需明确各单位职责"})).await;
    app.clock.set(shanghai(9, 9, 30));
    app.ok_step(&dispatcher, &id, "dispatch", units).await;
    // 10:00 all three sign (the lead in time); 10:30 12369 contributes and the lead lets 12315
    // go; 11:00 resolved feedback in time; 11:30 the citizen is dissatisfied: reopened.
    app.clock.set(shanghai(9, 10, 0));
    for who in [&lead, &air_staff, &consumer_staff] {
        assert_eq!(app.sign(who, &id).await.0, StatusCode::OK);
    }
    app.clock.set(shanghai(9, 10, 30));
    app.ok_step(&air_staff, &id, "contribution", json!({"text": "已对工地扬尘立案查处。"})).await;
    app.ok_step(&lead, &id, "release", json!({"unit_id": consumer, "reason": "占道经营已由城管处理"})).await;
    app.clock.set(shanghai(9, 11, 0));
    app.ok_step(&lead, &id, "feedback", json!({"text": "扬尘、噪音、占道均已整改。", "resolved": true})).await;
    app.clock.set(shanghai(9, 11, 30));
    let case = app.ok_step(&agent, &id, "rating", json!({"rating": "dissatisfied"})).await;
    assert_eq!(case["status"], "dispatched", "reopened: {case}");

    // received, dispatched, on time, returned, sign decided, signed on time, feedback given,
    // resolved, feedback decided, on time, rated, satisfied, reopened, closed.
    let platform = [1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0];
    // The lead's line counts all of it; it received the case with the first dispatch.
    let lead_line = platform;
    // A co-unit's line counts the case's outcome (the one answer, the rating, the reopening),
    // not the lead's dispatches, return, signature or clocks.
    let air_line = [1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0];
    // Released before the answer: 12315 received the case and counts nothing more.
    let consumer_line = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    // The front door received it; everything after the dispatch counts in the lines.
    let front_line = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let front = tenant(&app, "12345").await;
    let check = |scope: Scope, code: &'static str, expected: [i64; 14]| {
        let app = &app;
        async move {
            let counts = sum(app, scope, Some(vec![tenant(app, code).await]), None).await.remove("").unwrap_or_default();
            let got: Vec<i64> = COUNTED.iter().map(|c| counts.get(*c)).collect();
            assert_eq!(got, expected.to_vec(), "{scope:?} {code}: {COUNTED:?}");
        }
    };
    check(Scope::Platform, "12345", platform).await;
    check(Scope::Line, "12319", lead_line).await;
    check(Scope::Line, "12369", air_line).await;
    check(Scope::Line, "12315", consumer_line).await;
    check(Scope::Line, "12345", front_line).await;
    let everywhere = sum(&app, Scope::Platform, None, Some("tenant_id")).await;
    assert_eq!(everywhere.keys().cloned().collect::<Vec<_>>(), vec![front.to_string()], "the platform counts the case once");

    // Within its line, a co-unit's share sits on the co-unit.
    let q = SumQuery {
        scope: Scope::Line,
        level: Level::Unit,
        tenants: Some(vec![tenant(&app, "12369").await]),
        from: march(1),
        to: march(31),
        group_by: Some("unit_id"),
        unit: None,
    };
    let by_unit = hotline_store::stats::sum(&app.raw_db().await, &q).await.unwrap();
    assert_eq!(by_unit.keys().cloned().collect::<Vec<_>>(), vec![air.clone()]);

    // The lines' dashboards read the same: 12369 sees its received and resolved joint case.
    let (status, body) = app.get("/api/v1/stats/summary?from=2026-03-01&to=2026-03-31&metrics=received,resolution_rate", &air_admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let figures = body["current"]["figures"].as_array().unwrap();
    assert_eq!((figures[0]["value"].clone(), figures[1]["value"].clone()), (json!(1.0), json!(1.0)));

    // Recounted from the event log, both scopes agree.
    assert_eq!(app.core.verify_counters(march(1), march(31)).await.unwrap(), vec![]);
}

#[tokio::test]
async fn calls_count_from_the_call_centres_events_when_they_end() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let supervisor = app.token("city_supervisor").await;
    let other_admin = app.token("admin_12315").await;
    let security = app.token("security_admin").await;
    let (_, key) = app.call(Method::POST, "/api/v1/tenants/12345/api-keys", &security, Some(json!({"name": "呼叫中心CTI"}))).await;
    let key = key["secret"].as_str().unwrap().to_owned();
    let post = |body: serde_json::Value| {
        let (app, key) = (&app, &key);
        async move {
            let res = app.client.post(app.url("/api/v1/calls/events")).header("x-api-key", key).json(&body).send().await.unwrap();
            (res.status(), res.json::<serde_json::Value>().await.unwrap())
        }
    };
    let t = |s: i64| (shanghai(9, 9, 0) + chrono::Duration::seconds(s)).to_rfc3339();
    // Four calls on 9 March: answered after 15 s (in time), after 16 s (late), abandoned, and
    // one whose ringing the telephony never reported (offered when answered).
    let calls: [(&str, Option<i64>, Option<i64>); 4] =
        [("C-1", Some(0), Some(15)), ("C-2", Some(100), Some(116)), ("C-3", Some(200), None), ("C-4", None, Some(300))];
    for (call, rang, answered) in calls {
        if let Some(r) = rang {
            assert_eq!(post(json!({"call_id": call, "event": "ringing", "at": t(r)})).await.0, StatusCode::CREATED);
        }
        if let Some(a) = answered {
            assert_eq!(post(json!({"call_id": call, "event": "answered", "at": t(a), "agent": "agent"})).await.0, StatusCode::CREATED);
        }
        let ended = post(json!({"call_id": call, "event": "ended", "at": t(400)})).await;
        assert_eq!(ended.0, StatusCode::CREATED, "{:?}", ended.1);
    }
    // A repeated end counts nothing more; an answer after the end is refused, not recounted.
    assert_eq!(post(json!({"call_id": "C-3", "event": "ended", "at": t(400)})).await.0, StatusCode::OK);
    let (status, body) = post(json!({"call_id": "C-3", "event": "answered", "at": t(401)})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("call_ended")));
    // A call still ringing is not counted yet.
    post(json!({"call_id": "C-5", "event": "ringing", "at": t(500)})).await;

    let q = "/api/v1/stats/summary?from=2026-03-01&to=2026-03-31&metrics=calls,connection_rate,answered_within_15s_rate,abandon_rate";
    let (status, body) = app.get(q, &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let values: Vec<serde_json::Value> = body["current"]["figures"].as_array().unwrap().iter().map(|f| f["value"].clone()).collect();
    assert_eq!(values, vec![json!(4.0), json!(0.75), json!(0.5), json!(0.25)]);
    // The front door's line has them; another line has none.
    let front_line = sum(&app, Scope::Line, Some(vec![tenant(&app, "12345").await]), None).await.remove("").unwrap_or_default();
    assert_eq!((front_line.get(Counter::Calls), front_line.get(Counter::CallsAbandoned)), (4, 1));
    let (_, theirs) = app.get(&format!("{q}&tenant=12315"), &supervisor).await;
    assert_eq!(theirs["current"]["figures"][0]["value"], json!(0.0));
    assert_eq!(app.get(&format!("{q}&tenant=12345"), &other_admin).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.core.verify_counters(march(1), march(31)).await.unwrap(), vec![]);

    // A counter that lost a call is found.
    let grain =
        hotline_store::stats::Grain { scope: Scope::Line, tenant_id: tenant(&app, "12345").await, day: march(9), ..Default::default() };
    let lost = hotline_store::stats::Increment { grain, counters: vec![(Counter::Calls, -1)], handling_bucket: None };
    hotline_store::stats::add(&app.raw_db().await, &[lost]).await.unwrap();
    let drift = app.core.verify_counters(march(1), march(31)).await.unwrap();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!((drift[0].scope, drift[0].counter.as_str(), drift[0].expected, drift[0].stored), ("line", "calls", 4, 3));
}

#[tokio::test]
async fn a_new_lead_in_another_line_brings_the_case_to_that_line() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let first = app.unit("12319", "市容环境卫生处").await;
    let second = app.unit("12315", "消费者权益保护处").await;
    app.clock.set(shanghai(9, 9, 0));
    let id = app.intake(&agent, complaint("商铺占道经营并拒绝退款。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": first})).await;
    app.clock.set(shanghai(9, 10, 0));
    app.ok_step(&dispatcher, &id, "lead", json!({"unit_id": second, "reason": "以消费纠纷为主"})).await;
    // The change of lead counts nothing of its own, but 12315 now has the case: it received it.
    for (code, received, dispatched) in [("12319", 1, 1), ("12315", 1, 0)] {
        let counts = sum(&app, Scope::Line, Some(vec![tenant(&app, code).await]), None).await.remove("").unwrap_or_default();
        assert_eq!((counts.get(Counter::Received), counts.get(Counter::Dispatched)), (received, dispatched), "{code}");
    }
    assert_eq!(app.core.verify_counters(march(1), march(31)).await.unwrap(), vec![]);
}

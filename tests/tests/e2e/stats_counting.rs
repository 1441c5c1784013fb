//! Counting as cases live (issue 6): each step adds its counters in its own transaction; the
//! figures below are computed by hand from the scenario.

use chrono::{NaiveDate, TimeZone};
use hotline_domain::stats::{Counter, Counts, Metric, Value};
use hotline_store::stats::{self, Level, Scope, SumQuery};
use serde_json::json;
use uuid::Uuid;

use crate::case_kit::complaint;
use crate::helpers::TestApp;

pub(crate) fn shanghai(d: u32, h: u32, min: u32) -> chrono::DateTime<chrono::Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 3, d, h, min, 0).unwrap().with_timezone(&chrono::Utc)
}

pub(crate) async fn tenant(app: &TestApp, code: &str) -> Uuid {
    hotline_store::tenants::find_by_code(&app.core.store.db, code).await.unwrap().unwrap().id
}

pub(crate) async fn sum(
    app: &TestApp,
    scope: Scope,
    tenants: Option<Vec<Uuid>>,
    group_by: Option<&'static str>,
) -> std::collections::BTreeMap<String, Counts> {
    let q = SumQuery {
        scope,
        level: Level::Line,
        tenants,
        from: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        group_by,
        unit: None,
    };
    stats::sum(&app.raw_db().await, &q).await.unwrap()
}

#[tokio::test]
async fn a_case_is_counted_step_by_step_with_its_clocks_decided_once() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;

    // Monday 9 March 09:00: two contacts; one is answered at once from the knowledge base.
    app.clock.set(shanghai(9, 9, 0));
    let id = app.intake(&agent, complaint("小区垃圾三天没人清运。")).await["case_id"].as_str().unwrap().to_owned();
    let quick = app.intake(&agent, complaint("请问垃圾分类投放时间？")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&agent, &quick, "answer", json!({"answer": "每日 7:00–9:00、18:00–20:00。"})).await;
    // 09:30 dispatched (within the 24 h dispatch limit); sign-for due Tuesday 09:30, feedback
    // due after 3 working days, Thursday 09:30.
    app.clock.set(shanghai(9, 9, 30));
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    // Tuesday 10:00 the sweep finds the case unsigned: the sign-for clock is decided, missed.
    app.clock.set(shanghai(10, 10, 0));
    app.core.sweep_deadlines().await.unwrap();
    // 10:30 the unit signs late: that decides nothing more.
    app.clock.set(shanghai(10, 10, 30));
    app.sign(&handler, &id).await;
    // Wednesday 10:00 feedback, resolved and in time; 11:00 the citizen is satisfied: closed
    // after 50 hours (Monday 09:00 to Wednesday 11:00).
    app.clock.set(shanghai(11, 10, 0));
    app.ok_step(&handler, &id, "feedback", json!({"text": "垃圾已清运。", "resolved": true})).await;
    app.clock.set(shanghai(11, 11, 0));
    app.ok_step(&agent, &id, "rating", json!({"rating": "satisfied"})).await;
    // A later sweep past the feedback deadline finds the clock decided already.
    app.clock.set(shanghai(12, 10, 0));
    app.core.sweep_deadlines().await.unwrap();

    let platform = &sum(&app, Scope::Platform, None, None).await[""];
    let expected = [
        (Counter::Received, 2),
        (Counter::AnsweredDirectly, 1),
        (Counter::Dispatched, 1),
        (Counter::DispatchedOnTime, 1),
        (Counter::SignDecided, 1),
        (Counter::SignedOnTime, 0),
        (Counter::FeedbackDecided, 1),
        (Counter::FeedbackOnTime, 1),
        (Counter::FeedbackGiven, 1),
        (Counter::FeedbackResolved, 1),
        (Counter::Rated, 1),
        (Counter::RatedSatisfied, 1),
        // The direct answer closes its case too; handling times: 0 s and 50 h.
        (Counter::Closed, 2),
        (Counter::HandlingCount, 2),
        (Counter::HandlingSeconds, 50 * 3600),
        (Counter::Returned, 0),
    ];
    for (c, n) in expected {
        assert_eq!(platform.get(c), n, "{c}");
    }
    assert_eq!(Metric::FirstContactResolutionRate.value(platform), Value::Ratio(Some(0.5)));
    assert_eq!(Metric::ResponseRate.value(platform), Value::Ratio(Some(0.0)));
    assert_eq!(Metric::FeedbackOnTimeRate.value(platform), Value::Ratio(Some(1.0)));
    assert_eq!(Metric::SatisfactionRate.value(platform), Value::Ratio(Some(1.0)));
    assert_eq!(Metric::AvgHandlingSeconds.value(platform), Value::Ratio(Some(25.0 * 3600.0)));

    // The platform's figures sit under the front door that received the cases; the line's
    // figures under 12319, whose unit handled it: the line received the case when it was
    // dispatched there. The front door's own line received both and answered one.
    let front = tenant(&app, "12345").await;
    let line = tenant(&app, "12319").await;
    let by_tenant = sum(&app, Scope::Platform, None, Some("tenant_id")).await;
    assert_eq!(by_tenant.keys().cloned().collect::<Vec<_>>(), vec![front.to_string()]);
    let line_scope = &sum(&app, Scope::Line, Some(vec![line]), None).await[""];
    assert_eq!((line_scope.get(Counter::Dispatched), line_scope.get(Counter::FeedbackGiven)), (1, 1));
    assert_eq!(line_scope.get(Counter::Received), 1);
    let front_line = &sum(&app, Scope::Line, Some(vec![front]), None).await[""];
    assert_eq!((front_line.get(Counter::Received), front_line.get(Counter::AnsweredDirectly)), (2, 1));
    assert_eq!((front_line.get(Counter::Dispatched), front_line.get(Counter::Closed)), (0, 1), "the dispatched case counts in 12319");
    let other_line = sum(&app, Scope::Line, Some(vec![tenant(&app, "12315").await]), None).await;
    assert_eq!(other_line[""].get(Counter::Dispatched), 0, "another line counts nothing of it");

    // Each counter sits on the local day of its event.
    let by_day = sum(&app, Scope::Platform, None, Some("day")).await;
    assert_eq!(by_day["2026-03-09"].get(Counter::Received), 2);
    assert_eq!(by_day["2026-03-10"].get(Counter::SignDecided), 1);
    assert_eq!(by_day["2026-03-11"].get(Counter::Closed), 1);

    // Recounted from the event log, the counters agree.
    assert_eq!(app.core.verify_counters(march(1), march(31)).await.unwrap(), vec![]);
}

pub(crate) fn march(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

#[tokio::test]
async fn the_drift_check_finds_a_counter_that_was_tampered_with() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    app.clock.set(shanghai(9, 9, 0));
    app.intake(&agent, complaint("路灯不亮。")).await;
    assert_eq!(app.core.verify_counters(march(1), march(31)).await.unwrap(), vec![]);
    // A lost update, simulated: one more "received" than the log holds.
    let front = tenant(&app, "12345").await;
    let grain = stats::Grain { scope: Scope::Platform, tenant_id: front, day: march(9), ..Default::default() };
    stats::add(&app.raw_db().await, &[stats::Increment { grain, counters: vec![(Counter::Received, 1)], handling_bucket: None }])
        .await
        .unwrap();
    let drift = app.core.verify_counters(march(1), march(31)).await.unwrap();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!((drift[0].tenant_id, drift[0].day, drift[0].counter.as_str()), (front, march(9), "received"));
    assert_eq!((drift[0].expected, drift[0].stored), (1, 2));
}

fn figure(summary: &serde_json::Value, part: &str, metric: &str) -> serde_json::Value {
    summary[part]["figures"].as_array().unwrap().iter().find(|f| f["metric"] == metric).unwrap_or_else(|| panic!("no {metric}"))["value"]
        .clone()
}

#[tokio::test]
async fn the_summary_shows_each_reader_its_own_figures_beside_the_level_above() {
    use reqwest::StatusCode;
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let supervisor = app.token("city_supervisor").await;
    let line_admin = app.token("admin_12319").await;
    let other_admin = app.token("admin_12315").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    // Two cases received on 9 March; one goes to 12319, is signed in time and rated
    // dissatisfied after feedback (which reopens it); the other is answered at once.
    app.clock.set(shanghai(9, 9, 0));
    let id = app.intake(&agent, complaint("垃圾未清运。")).await["case_id"].as_str().unwrap().to_owned();
    let quick = app.intake(&agent, complaint("咨询办事时间。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&agent, &quick, "answer", json!({"answer": "工作日 8:30–17:30。"})).await;
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    app.clock.set(shanghai(9, 10, 0));
    app.sign(&handler, &id).await;
    app.ok_step(&handler, &id, "feedback", json!({"text": "已清运。", "resolved": true})).await;
    app.ok_step(&agent, &id, "rating", json!({"rating": "dissatisfied"})).await;

    let range = "from=2026-03-01&to=2026-03-31";
    let (status, city) = app.get(&format!("/api/v1/stats/summary?{range}"), &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{city}");
    assert_eq!(city["current"]["subject"], "platform");
    assert_eq!(figure(&city, "current", "received"), json!(2.0));
    assert_eq!(figure(&city, "current", "first_contact_resolution_rate"), json!(0.5));
    assert_eq!(figure(&city, "current", "response_rate"), json!(1.0));
    assert_eq!(figure(&city, "current", "satisfaction_rate"), json!(0.0));
    assert_eq!(figure(&city, "current", "reopen_rate"), json!(1.0), "one reopening, one closure (the direct answer)");
    assert!(city["reference"].is_null());

    // The line sees itself beside the platform; the case reached it with the dispatch.
    let (_, line) = app.get(&format!("/api/v1/stats/summary?{range}&metrics=dispatched,received,response_rate"), &line_admin).await;
    assert_eq!(line["current"]["subject"], "12319");
    assert_eq!(line["current"]["figures"].as_array().unwrap().len(), 3);
    assert_eq!((figure(&line, "current", "dispatched"), figure(&line, "current", "received")), (json!(1.0), json!(1.0)));
    assert_eq!(figure(&line, "reference", "received"), json!(2.0));
    // The unit sees itself beside its line.
    let (_, mine) = app.get(&format!("/api/v1/stats/summary?{range}&metrics=dispatched"), &handler).await;
    assert_eq!((mine["current"]["subject"].as_str(), mine["reference"]["subject"].as_str()), (Some(unit.as_str()), Some("12319")));
    assert_eq!(figure(&mine, "current", "dispatched"), json!(1.0));
    // The city office may look at one line.
    let (_, one) = app.get(&format!("/api/v1/stats/summary?{range}&tenant=12319&metrics=dispatched"), &supervisor).await;
    assert_eq!(figure(&one, "current", "dispatched"), json!(1.0));

    // Refusals: another line's figures, a role without statistics, bad input.
    let (status, _) = app.get(&format!("/api/v1/stats/summary?{range}&tenant=12319"), &other_admin).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, theirs) = app.get(&format!("/api/v1/stats/summary?{range}&metrics=dispatched"), &other_admin).await;
    assert_eq!(figure(&theirs, "current", "dispatched"), json!(0.0), "12315 sees only its own line");
    assert_eq!(app.get(&format!("/api/v1/stats/summary?{range}"), &agent).await.0, StatusCode::FORBIDDEN);
    let (status, body) = app.get("/api/v1/stats/summary?metrics=happiness", &supervisor).await;
    assert_eq!(
        (status, body["reason"].as_str(), body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_metric"), Some("metrics"))
    );
    let (status, body) = app.get("/api/v1/stats/summary?from=2026-04-01&to=2026-03-01", &supervisor).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("from")));
    let (status, body) = app.get("/api/v1/stats/summary?tenant=99999", &supervisor).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("tenant")));
    assert_eq!(app.get("/api/v1/stats/summary?colour=red", &supervisor).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.core.verify_counters(march(1), march(31)).await.unwrap(), vec![]);
}

#[tokio::test]
async fn lines_units_districts_and_channels_compare_and_rank_with_a_minimum_sample() {
    use reqwest::StatusCode;
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let supervisor = app.token("city_supervisor").await;
    let line_admin = app.token("admin_12319").await;
    let handler = app.token("handler_12319").await;
    let city_unit = app.unit("12319", "市容环境卫生处").await;
    let air_unit = app.unit("12369", "大气环境处").await;
    app.clock.set(shanghai(9, 9, 0));
    for (text, unit, channel) in [("垃圾堆放。", &city_unit, "phone"), ("占道经营。", &city_unit, "web"), ("工地扬尘。", &air_unit, "web")]
    {
        let mut body = complaint(text);
        body["channel"] = channel.into();
        let id = app.intake(&agent, body).await["case_id"].as_str().unwrap().to_owned();
        app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    }
    let range = "from=2026-03-01&to=2026-03-31";
    let value = |entries: &serde_json::Value, key: &str, metric: &str| -> serde_json::Value {
        let e = entries.as_array().unwrap().iter().find(|e| e["subject"] == key).unwrap_or_else(|| panic!("no {key} in {entries}"));
        e["figures"].as_array().unwrap().iter().find(|f| f["metric"] == metric).unwrap()["value"].clone()
    };

    let (status, lines) = app.get(&format!("/api/v1/stats/compare?dimension=line&metrics=dispatched&{range}"), &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{lines}");
    assert_eq!(value(&lines["entries"], "12319", "dispatched"), json!(2.0));
    assert_eq!(value(&lines["entries"], "12369", "dispatched"), json!(1.0));
    let (_, districts) = app.get(&format!("/api/v1/stats/compare?dimension=district&metrics=received&{range}"), &supervisor).await;
    assert_eq!(value(&districts["entries"], "鼓楼区", "received"), json!(3.0));
    // Channels, contact types and urgencies, across the city and within a line.
    let (status, channels) = app.get(&format!("/api/v1/stats/compare?dimension=channel&metrics=received&{range}"), &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{channels}");
    assert_eq!(
        (value(&channels["entries"], "phone", "received"), value(&channels["entries"], "web", "received")),
        (json!(1.0), json!(2.0))
    );
    let (_, mine) = app.get(&format!("/api/v1/stats/compare?dimension=channel&metrics=dispatched&{range}"), &line_admin).await;
    assert_eq!((value(&mine["entries"], "phone", "dispatched"), value(&mine["entries"], "web", "dispatched")), (json!(1.0), json!(1.0)));
    let (_, kinds) = app.get(&format!("/api/v1/stats/compare?dimension=contact_type&metrics=received&{range}"), &supervisor).await;
    assert_eq!(value(&kinds["entries"], "complaint", "received"), json!(3.0));
    let (_, urgencies) = app.get(&format!("/api/v1/stats/compare?dimension=urgency&metrics=received&{range}"), &supervisor).await;
    assert_eq!(urgencies["entries"].as_array().unwrap().iter().map(|e| e["figures"][0]["value"].as_f64().unwrap()).sum::<f64>(), 3.0);
    // A line compares its own units.
    let (_, units) = app.get(&format!("/api/v1/stats/compare?dimension=unit&metrics=dispatched&{range}"), &line_admin).await;
    assert_eq!(units["entries"].as_array().unwrap().len(), 1);
    assert_eq!(value(&units["entries"], &city_unit, "dispatched"), json!(2.0));

    let (_, table) = app.get(&format!("/api/v1/stats/rankings?dimension=line&metric=dispatched&min_sample=0&{range}"), &supervisor).await;
    let order: Vec<(u64, &str)> =
        table["ranked"].as_array().unwrap().iter().map(|r| (r["place"].as_u64().unwrap(), r["key"].as_str().unwrap())).collect();
    // The front door is in the table too, with what it did itself (received, dispatched none).
    assert_eq!(order, vec![(1, "12319"), (2, "12369"), (3, "12345")]);
    let (_, strict) = app.get(&format!("/api/v1/stats/rankings?dimension=line&metric=dispatched&min_sample=2&{range}"), &supervisor).await;
    assert_eq!(strict["ranked"].as_array().unwrap().len(), 1);
    let mut too_few: Vec<&str> = strict["too_few"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    too_few.sort();
    assert_eq!(too_few, vec!["12345", "12369"]);

    // Refusals and bad input.
    assert_eq!(app.get(&format!("/api/v1/stats/compare?dimension=line&{range}"), &line_admin).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/api/v1/stats/compare?dimension=unit&tenant=12369&{range}"), &line_admin).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/api/v1/stats/compare?dimension=unit&{range}"), &handler).await.0, StatusCode::FORBIDDEN);
    let (status, body) = app.get("/api/v1/stats/compare?dimension=colour", &supervisor).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("dimension")));
    let (status, body) = app.get("/api/v1/stats/rankings?dimension=line&metric=fame", &supervisor).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("metric")));
    let (status, body) = app.get("/api/v1/stats/rankings?dimension=line&metric=received&min_sample=-1", &supervisor).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("min_sample")));
    assert_eq!(app.get("/api/v1/stats/compare", &supervisor).await.0, StatusCode::BAD_REQUEST, "dimension is required");
}

#[tokio::test]
async fn time_series_follow_weeks_and_months_for_each_reader() {
    use reqwest::StatusCode;
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let supervisor = app.token("city_supervisor").await;
    let line_admin = app.token("admin_12319").await;
    let other_admin = app.token("admin_12315").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    // Received Monday 9 March (ISO week 11), Tuesday 17 March (week 12) and Thursday 2 April
    // (week 14); the last two dispatched to 12319.
    for (when, dispatch) in [(shanghai(9, 9, 0), false), (shanghai(17, 9, 0), true)] {
        app.clock.set(when);
        let id = app.intake(&agent, complaint("噪音扰民。")).await["case_id"].as_str().unwrap().to_owned();
        if dispatch {
            app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
        }
    }
    app.clock.set(chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 4, 2, 9, 0, 0).unwrap().with_timezone(&chrono::Utc));
    let id = app.intake(&agent, complaint("路面破损。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;

    let series = |body: &serde_json::Value, metric: &str| -> Vec<(String, serde_json::Value)> {
        body["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let v = p["figures"].as_array().unwrap().iter().find(|f| f["metric"] == metric).unwrap()["value"].clone();
                (p["label"].as_str().unwrap().to_owned(), v)
            })
            .collect()
    };
    let (status, weeks) = app.get("/api/v1/stats/timeseries?bucket=week&from=2026-03-09&to=2026-04-05&metrics=received", &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{weeks}");
    assert_eq!(
        series(&weeks, "received"),
        vec![
            ("2026-W11".to_owned(), json!(1.0)),
            ("2026-W12".to_owned(), json!(1.0)),
            ("2026-W13".to_owned(), json!(0.0)),
            ("2026-W14".to_owned(), json!(1.0))
        ]
    );
    let (_, months) = app.get("/api/v1/stats/timeseries?bucket=month&from=2026-03-01&to=2026-04-30&metrics=dispatched", &line_admin).await;
    assert_eq!(months["subject"], "12319");
    assert_eq!(series(&months, "dispatched"), vec![("2026-03".to_owned(), json!(1.0)), ("2026-04".to_owned(), json!(1.0))]);
    // Whole months are read from the month rollup, partial ones by day: the same figures.
    let (_, partial) = app.get("/api/v1/stats/timeseries?bucket=month&from=2026-03-10&to=2026-04-01&metrics=dispatched", &line_admin).await;
    assert_eq!(series(&partial, "dispatched"), vec![("2026-03".to_owned(), json!(1.0)), ("2026-04".to_owned(), json!(0.0))]);
    let (_, mixed) = app.get("/api/v1/stats/timeseries?bucket=month&from=2026-02-15&to=2026-04-05&metrics=received", &supervisor).await;
    assert_eq!(
        series(&mixed, "received"),
        vec![("2026-02".to_owned(), json!(0.0)), ("2026-03".to_owned(), json!(2.0)), ("2026-04".to_owned(), json!(1.0))]
    );
    let (_, year) = app.get("/api/v1/stats/timeseries?bucket=year&from=2025-12-20&to=2026-12-31&metrics=received", &supervisor).await;
    assert_eq!(series(&year, "received"), vec![("2025".to_owned(), json!(0.0)), ("2026".to_owned(), json!(3.0))]);
    let (_, mine) = app.get("/api/v1/stats/timeseries?bucket=year&from=2026-01-01&to=2026-12-31&metrics=dispatched", &handler).await;
    assert_eq!((mine["subject"].as_str(), series(&mine, "dispatched")), (Some(unit.as_str()), vec![("2026".to_owned(), json!(2.0))]));

    assert_eq!(app.get("/api/v1/stats/timeseries?tenant=12319", &other_admin).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/stats/timeseries", &agent).await.0, StatusCode::FORBIDDEN);
    let (status, body) = app.get("/api/v1/stats/timeseries?bucket=fortnight", &supervisor).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("bucket")));
    let (status, body) = app.get("/api/v1/stats/timeseries?bucket=day&from=2020-01-01&to=2026-01-01", &supervisor).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("too_many_points")));
}

#[tokio::test]
async fn figures_come_as_csv_that_excel_reads_when_asked() {
    use reqwest::StatusCode;
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let supervisor = app.token("city_supervisor").await;
    app.clock.set(shanghai(9, 9, 0));
    app.intake(&agent, complaint("噪音扰民。")).await;
    let csv = |path: &str, token: &str| app.client.get(app.url(path)).bearer_auth(token.to_owned()).header("Accept", "text/csv").send();
    let res = csv("/api/v1/stats/summary?from=2026-03-01&to=2026-03-31&metrics=received,satisfaction_rate", &supervisor).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "subject,metric,chinese,value,sample");
    assert_eq!(lines[1], "platform,received,受理量,1,1");
    assert_eq!(lines[2], "platform,satisfaction_rate,满意率,,0", "an undefined rate is an empty cell");
    let res = csv("/api/v1/stats/timeseries?bucket=month&from=2026-03-01&to=2026-03-31&metrics=received", &supervisor).await.unwrap();
    let text = res.text().await.unwrap();
    assert!(text.contains("2026-03,2026-03-01,2026-03-31,received,受理量,1,1"), "{text}");
    // Refusals stay JSON errors.
    let res = csv("/api/v1/stats/summary", &agent).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));

    // A `.csv` link works without the header, for each of the four (as a spreadsheet opens it).
    let plain = |path: String| app.client.get(app.url(&path)).bearer_auth(supervisor.clone()).send();
    let range = "from=2026-03-01&to=2026-03-31";
    for (path, first_line) in [
        (format!("summary.csv?{range}&metrics=received"), "subject,metric,chinese,value,sample"),
        (format!("compare.csv?dimension=line&{range}&metrics=received"), "subject,metric,chinese,value,sample"),
        (format!("rankings.csv?dimension=line&metric=received&min_sample=0&{range}"), "place,key,value,sample"),
        (format!("timeseries.csv?bucket=week&{range}&metrics=received"), "label,from,to,metric,chinese,value,sample"),
    ] {
        let res = plain(format!("/api/v1/stats/{path}")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment; filename="), "{disposition}");
        let text = res.text().await.unwrap();
        assert_eq!(text.trim_start_matches('\u{feff}').split("\r\n").next(), Some(first_line), "{path}");
    }
    assert!(
        plain(format!("/api/v1/stats/summary.csv?{range}")).await.unwrap().text().await.unwrap().contains("platform,received,受理量,1,1")
    );
    // … with the same refusals and errors.
    let res = app.client.get(app.url("/api/v1/stats/summary.csv")).bearer_auth(agent.clone()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = plain("/api/v1/stats/compare.csv?dimension=colour".to_owned()).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.client.get(app.url("/api/v1/stats/summary.csv")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn overdue_now_counts_the_open_cases_past_their_feedback_deadline_when_read() {
    use reqwest::StatusCode;
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let supervisor = app.token("city_supervisor").await;
    let line_admin = app.token("admin_12319").await;
    let handler = app.token("handler_12319").await;
    let other_handler = app.token("handler_12315").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let consumer = app.unit("12315", "消费者权益保护处").await;
    // Monday 9 March 09:00: three complaints (3 working days to feedback: due Thursday 09:00)
    // go to 12319 twice and to 12315 once; a fourth stays at the front door.
    app.clock.set(shanghai(9, 9, 0));
    let mut ids = Vec::new();
    for (text, to) in [("垃圾未清运。", &unit), ("路灯不亮。", &unit), ("商家拒绝退款。", &consumer)] {
        let id = app.intake(&agent, complaint(text)).await["case_id"].as_str().unwrap().to_owned();
        app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": to})).await;
        ids.push(id);
    }
    app.intake(&agent, complaint("咨询。")).await;
    // Wednesday one 12319 case gets its answer in time.
    app.clock.set(shanghai(11, 10, 0));
    app.sign(&handler, &ids[0]).await;
    app.ok_step(&handler, &ids[0], "feedback", json!({"text": "已清运。", "resolved": true})).await;
    let overdue = |body: &serde_json::Value, part: &str| figure(body, part, "overdue_now");
    let range = "from=2026-03-01&to=2026-03-31&metrics=overdue_now";
    let (_, before) = app.get(&format!("/api/v1/stats/summary?{range}"), &supervisor).await;
    assert_eq!(overdue(&before, "current"), json!(0.0), "nothing is late on Wednesday");

    // Friday: the other two are past their deadline; 12315 answers late, so one is left.
    app.clock.set(shanghai(13, 10, 0));
    let (_, city) = app.get(&format!("/api/v1/stats/summary?{range}"), &supervisor).await;
    assert_eq!(overdue(&city, "current"), json!(2.0));
    app.sign(&other_handler, &ids[2]).await;
    app.ok_step(&other_handler, &ids[2], "feedback", json!({"text": "已协调退款。", "resolved": true})).await;
    let (_, city) = app.get(&format!("/api/v1/stats/summary?{range}"), &supervisor).await;
    assert_eq!(overdue(&city, "current"), json!(1.0));
    // It is a state: a period that ended long ago shows today's backlog all the same.
    let (_, old) = app.get("/api/v1/stats/summary?from=2026-01-01&to=2026-01-31&metrics=overdue_now", &supervisor).await;
    assert_eq!(overdue(&old, "current"), json!(1.0));
    let (_, line) = app.get(&format!("/api/v1/stats/summary?{range}"), &line_admin).await;
    assert_eq!((overdue(&line, "current"), overdue(&line, "reference")), (json!(1.0), json!(1.0)));
    let (_, mine) = app.get(&format!("/api/v1/stats/summary?{range}"), &handler).await;
    assert_eq!((overdue(&mine, "current"), overdue(&mine, "reference")), (json!(1.0), json!(1.0)));
    let (status, cmp) = app.get(&format!("/api/v1/stats/compare?dimension=line&{range}"), &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{cmp}");
    let by_line: std::collections::BTreeMap<String, serde_json::Value> = cmp["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["subject"].as_str().unwrap().to_owned(), e["figures"][0]["value"].clone()))
        .collect();
    assert_eq!((by_line["12319"].clone(), by_line["12315"].clone()), (json!(1.0), json!(0.0)), "{by_line:?}");
    // Fewest overdue first; a time series has no past states.
    let (_, league) =
        app.get("/api/v1/stats/rankings?dimension=line&metric=overdue_now&min_sample=1&from=2026-03-01&to=2026-03-31", &supervisor).await;
    let order: Vec<&str> = league["ranked"].as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(order, vec!["12315", "12319"], "{league}");
    let (_, series) = app.get(&format!("/api/v1/stats/timeseries?bucket=week&{range}"), &supervisor).await;
    assert!(series["points"].as_array().unwrap().iter().all(|p| p["figures"][0]["value"].is_null()), "{series}");
}

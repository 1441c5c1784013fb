//! The deadline sweep: reminders and supervision exactly once, on the working calendar, and the
//! supervision queues.

use chrono::TimeZone;
use reqwest::StatusCode;
use serde_json::json;

use crate::case_kit::complaint;
use crate::helpers::TestApp;

fn shanghai(m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<chrono::Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap().with_timezone(&chrono::Utc)
}

async fn crossings(app: &TestApp, id: &str) -> Vec<(String, String)> {
    hotline_store::sweep::crossings_of(&app.raw_db().await, id.parse().unwrap()).await.unwrap()
}

#[tokio::test]
async fn reminders_and_supervision_fire_once_each_on_the_working_calendar() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let supervisor = app.token("city_supervisor").await;
    // Tokens are checked against the wall clock: sign in before moving the case clock.
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    // Monday 9 March 2026, 09:00: a complaint, 3 working days → due Thursday 09:00; the reminder
    // at 80 % of the 22.5 staffed hours → Wednesday 12:00.
    app.clock.set(shanghai(3, 9, 9, 0));
    let id = app.intake(&dispatcher, complaint("小区垃圾成堆。")).await["case_id"].as_str().unwrap().to_owned();
    let case = app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    assert_eq!(
        case["feedback_due_at"].as_str().map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()),
        Some(shanghai(3, 12, 9, 0))
    );
    assert_eq!(app.core.sweep_deadlines().await.unwrap().reminders, 0);

    // Wednesday 11:59: the 24-hour sign-for limit (Tuesday 09:00) passed unsigned, and the
    // reminder point is one minute away.
    app.clock.set(shanghai(3, 11, 11, 59));
    let r = app.core.sweep_deadlines().await.unwrap();
    assert_eq!((r.reminders, r.supervisions), (0, 1), "{r:?}");
    app.clock.set(shanghai(3, 11, 12, 30));
    // Two sweeps at once (two workers): the reminder is recorded once.
    let (a, b) = tokio::join!(app.core.sweep_deadlines(), app.core.sweep_deadlines());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.reminders + b.reminders, a.supervisions + b.supervisions), (1, 0), "{a:?} {b:?}");
    let mut got = crossings(&app, &id).await;
    got.sort();
    assert_eq!(got, vec![("feedback".to_owned(), "near".to_owned()), ("sign".to_owned(), "passed".to_owned())]);
    let (_, near) = app.get("/api/v1/supervision?view=near_due", &supervisor).await;
    assert_eq!(near["items"][0]["id"], id.as_str());

    // Thursday 10:00: the feedback deadline has passed too.
    app.clock.set(shanghai(3, 12, 10, 0));
    let r = app.core.sweep_deadlines().await.unwrap();
    assert_eq!(r.supervisions, 1, "{r:?}");
    assert_eq!(app.core.sweep_deadlines().await.unwrap(), Default::default(), "a repeated tick finds nothing new");
    let got = crossings(&app, &id).await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.contains(&("sign".to_owned(), "passed".to_owned())) && got.contains(&("feedback".to_owned(), "passed".to_owned())));
    let actions = app.actions(&dispatcher, &id).await;
    assert_eq!(actions.iter().filter(|a| *a == "remind").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "supervise").count(), 2);
    let (_, overdue) = app.get("/api/v1/supervision?view=overdue", &supervisor).await;
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);

    // An approved extension is a new clock: its crossings are new ones.
    app.sign(&handler, &id).await;
    app.ok_step(&handler, &id, "extension", json!({"days": 2, "reason": "需协调"})).await;
    app.ok_step(&supervisor, &id, "extension/decision", json!({"approve": true})).await;
    app.clock.set(shanghai(3, 14, 10, 0));
    assert_eq!(app.core.sweep_deadlines().await.unwrap().supervisions, 1, "the extended deadline passed");
}

#[tokio::test]
async fn supervision_queues_are_for_supervisors_and_respect_tenants() {
    let app = TestApp::spawn().await;
    let handler = app.token("handler_12319").await;
    let (status, _) = app.get("/api/v1/supervision?view=overdue", &handler).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let admin = app.token("admin_12315").await;
    let (status, body) = app.get("/api/v1/supervision?view=late", &admin).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("view")));
    let dispatcher = app.token("dispatcher").await;
    let line_admin = app.token("admin_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let id = app.intake(&dispatcher, complaint("小区垃圾成堆。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    // Overdue is computed when reading: no sweep needed.
    app.clock.advance(chrono::Duration::days(20));
    let (_, mine) = app.get("/api/v1/supervision?view=overdue", &line_admin).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let (_, theirs) = app.get("/api/v1/supervision?view=overdue", &admin).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0, "another line sees nothing of it");
}

#[tokio::test]
async fn two_worker_instances_on_postgres_handle_each_crossing_once() {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() || app._kv.url.is_none() {
        eprintln!("skipped: needs PostgreSQL (and Redis) for a second instance");
        return;
    }
    let other = app.second_instance().await;
    let dispatcher = app.token("dispatcher").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    // A fixed, holiday-free week, so the deadlines are known.
    app.clock.set(shanghai(3, 9, 9, 0));
    other.clock.set(shanghai(3, 9, 9, 0));
    let mut ids = Vec::new();
    for i in 0..20 {
        let id = app.intake(&dispatcher, complaint(&format!("第{i}件投诉。"))).await["case_id"].as_str().unwrap().to_owned();
        app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
        ids.push(id);
    }
    // Within the first sweep's look-back of 7 days, past every deadline of a 3-working-day complaint.
    let later = shanghai(3, 15, 9, 0);
    app.clock.set(later);
    other.clock.set(later);
    let (a, b) = tokio::join!(app.core.sweep_deadlines(), other.core.sweep_deadlines());
    let (a, b) = (a.unwrap(), b.unwrap());
    // 20 cases × (reminder, sign passed, feedback passed, escalated 3 days later) = 80
    // crossings, split between the two workers, each recorded once.
    assert_eq!(a.reminders + b.reminders, 20, "{a:?} {b:?}");
    assert_eq!(a.supervisions + b.supervisions, 60, "{a:?} {b:?}");
    for id in &ids {
        assert_eq!(crossings(&app, id).await.len(), 4);
    }
    // Each missed clock was counted once, too: the counters agree with the event log.
    let march = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    assert_eq!(app.core.verify_counters(march(1), march(31)).await.unwrap(), vec![]);
    let q = hotline_store::stats::SumQuery {
        scope: hotline_store::stats::Scope::Platform,
        level: hotline_store::stats::Level::Line,
        tenants: None,
        from: march(1),
        to: march(31),
        group_by: None,
        unit: None,
    };
    let sums = hotline_store::stats::sum(&app.raw_db().await, &q).await.unwrap();
    use hotline_domain::stats::Counter;
    assert_eq!((sums[""].get(Counter::SignDecided), sums[""].get(Counter::FeedbackDecided)), (20, 20));
}

#[tokio::test]
async fn a_supervision_notice_must_be_answered_by_the_lead_unit() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let supervisor = app.token("city_supervisor").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let id = app.intake(&dispatcher, complaint("反复投诉未解决。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    app.sign(&handler, &id).await;
    let (status, body) = app.step(&handler, &id, "supervision-notice/answer", json!({"text": "已处理"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("no_notice_pending")));
    app.ok_step(&supervisor, &id, "supervision-notice", json!({"text": "请于今日17时前书面答复处理进展。"})).await;
    app.ok_step(&handler, &id, "supervision-notice/answer", json!({"text": "已安排清运，明日完成。"})).await;
    let (status, _) = app.step(&handler, &id, "supervision-notice/answer", json!({"text": "再答一次"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "one answer per notice");
    let actions = app.actions(&supervisor, &id).await;
    assert!(actions.ends_with(&["supervision_notice".to_owned(), "answer_notice".to_owned()]), "{actions:?}");
}

#[tokio::test]
async fn a_line_sets_its_own_time_limits_and_dispatch_uses_them() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin_12319").await;
    let dispatcher = app.token("dispatcher").await;
    let auditor = app.token("auditor").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let (status, res) = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/tenants/12319/sla-policy",
            &admin,
            Some(json!({"entries": [{"stage": "feedback", "limit": {"weeks": 1}}]})),
        )
        .await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("entries[0].limit")));
    let entries = json!([{"urgency": "general", "contact_type": "complaint", "stage": "feedback", "limit": {"working_days": 1}}]);
    let (status, res) = app.call(reqwest::Method::PUT, "/api/v1/tenants/12319/sla-policy", &admin, Some(json!({"entries": entries}))).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    let (_, got) = app.get("/api/v1/tenants/12319/sla-policy", &admin).await;
    assert_eq!(got["entries"], entries);

    // Accounts first: tokens are checked against the wall clock, cases run on the test clock.
    let line_dispatcher = app.staff("12319", "dispatch.line", &["dispatcher", "agent"], None).await;
    // The case belongs to the front door, whose defaults (3 working days) apply…
    app.clock.set(shanghai(3, 9, 9, 0));
    let platform_case = app.intake(&dispatcher, complaint("小区垃圾。")).await["case_id"].as_str().unwrap().to_owned();
    let case = app.ok_step(&dispatcher, &platform_case, "dispatch", json!({"lead_unit_id": unit})).await;
    let due = |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().to_utc();
    assert_eq!(due(&case["feedback_due_at"]), shanghai(3, 12, 9, 0));
    // …while a case the line takes itself follows the line's limit: 1 working day.
    let own = app.intake(&line_dispatcher, complaint("小区垃圾。")).await["case_id"].as_str().unwrap().to_owned();
    let case = app.ok_step(&line_dispatcher, &own, "dispatch", json!({"lead_unit_id": unit})).await;
    assert_eq!(due(&case["feedback_due_at"]), shanghai(3, 10, 9, 0));
    let (_, audit) = app.get("/api/v1/audit-events?action=sla_policy.update", &auditor).await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

async fn mails_to(app: &TestApp, who: &str) -> usize {
    hotline_store::outbox::all(&app.raw_db().await).await.unwrap().into_iter().filter(|m| m.recipient == who).count()
}

#[tokio::test]
async fn long_overdue_and_problem_cases_go_up() {
    let app = TestApp::spawn().await;
    let city = app.token("city_admin").await;
    let office = json!({"username": "office", "display_name": "市热线办", "email": "office@rexian.example.cn", "password": "a long test passphrase", "roles": ["city_supervisor"]});
    assert_eq!(app.call(reqwest::Method::POST, "/api/v1/tenants/12345/users", &city, Some(office)).await.0, StatusCode::CREATED);
    // The system administrator creates the account; the security administrator makes it the line's admin.
    let head = json!({"username": "head.12319", "display_name": "局长", "email": "head@12319.example.cn", "password": "a long test passphrase", "roles": ["dispatcher"]});
    assert_eq!(app.call(reqwest::Method::POST, "/api/v1/tenants/12319/users", &city, Some(head)).await.0, StatusCode::CREATED);
    app.grant("12319", "head.12319", &["tenant_admin"]).await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    app.clock.set(shanghai(3, 9, 9, 0));
    let id = app.intake(&dispatcher, complaint("长期无人处理。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    app.clock.set(shanghai(3, 12, 10, 0));
    app.core.sweep_deadlines().await.unwrap();
    assert_eq!(mails_to(&app, "head@12319.example.cn").await, 0, "overdue: the unit is supervised, the head not yet");
    // Three days after the deadline: escalated to the line's head (the unit has no superior).
    app.clock.set(shanghai(3, 15, 9, 30));
    app.core.sweep_deadlines().await.unwrap();
    assert_eq!(mails_to(&app, "head@12319.example.cn").await, 1);
    assert!(app.actions(&dispatcher, &id).await.contains(&"escalate".to_owned()));
    app.core.sweep_deadlines().await.unwrap();
    assert_eq!(mails_to(&app, "head@12319.example.cn").await, 1, "once");

    // Three returns make a problem case, which goes up to the city office.
    app.sign(&handler, &id).await;
    for round in 0..3 {
        app.ok_step(&handler, &id, "return", json!({"reason_code": "other", "reason": "不属本单位"})).await;
        if round < 2 {
            app.ok_step(&dispatcher, &id, "reject-return", json!({"reason": "请继续办理"})).await;
            app.sign(&handler, &id).await;
        }
    }
    assert_eq!(mails_to(&app, "office@rexian.example.cn").await, 1);
}

/// A unit member with an e-mail address, signed in.
async fn member(app: &TestApp, code: &str, username: &str, unit: &str) -> String {
    let city = app.token("city_admin").await;
    let body = json!({"username": username, "display_name": username, "email": format!("{username}@example.cn"),
        "password": "a long test passphrase", "roles": ["unit_handler"], "unit_id": unit});
    let (status, res) = app.call(reqwest::Method::POST, &format!("/api/v1/tenants/{code}/users"), &city, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    app.token_with(username, "a long test passphrase").await
}

fn due(v: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("no time in {v}"))).unwrap().to_utc()
}

#[tokio::test]
async fn each_co_unit_of_a_joint_case_has_its_own_sign_and_contribution_deadline() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let lead_unit = app.unit("12319", "市政设施管理处").await;
    let air = app.unit("12369", "大气环境处").await;
    let consumer = app.unit("12315", "消费者权益保护处").await;
    let lead = member(&app, "12319", "lead.handler", &lead_unit).await;
    let air_staff = member(&app, "12369", "air.handler", &air).await;
    let consumer_staff = member(&app, "12315", "consumer.handler", &consumer).await;
    let supervisor = app.token("city_supervisor").await;

    // Monday 9 March 2026, 09:00, a complaint (3 working days of 7.5 staffed hours). Each co-unit
    // must sign within the 24-hour sign-for limit (Tuesday 09:00) and contribute after 70 % of
    // the 22.5 staffed hours = 15.75 h: Monday 7 h + Tuesday 7.5 h + Wednesday 08:30–09:45.
    app.clock.set(shanghai(3, 9, 9, 0));
    let id = app.intake(&dispatcher, complaint("工地扬尘、噪音扰民，还占道经营。")).await["case_id"].as_str().unwrap().to_owned();
    let case = app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": lead_unit, "co_unit_ids": [air, consumer]})).await;
    let parts = case["participants"].as_array().unwrap().clone();
    for p in &parts {
        if p["role"] == "co" {
            assert_eq!(due(&p["sign_due_at"]), shanghai(3, 10, 9, 0), "{p}");
            assert_eq!(due(&p["contribute_due_at"]), shanghai(3, 11, 9, 45), "{p}");
        } else {
            assert!(p["sign_due_at"].is_null() && p["contribute_due_at"].is_null(), "the lead's clocks are the case's: {p}");
        }
    }
    assert!(due(&parts[1]["contribute_due_at"]) < due(&case["feedback_due_at"]));
    app.sign(&air_staff, &id).await;
    // Counted from here: dispatch told each unit of its new case.
    let consumer_mails = mails_to(&app, "consumer.handler@example.cn").await;
    let air_mails = mails_to(&app, "air.handler@example.cn").await;

    // Tuesday 10:00: the lead and the consumer unit did not sign; the air unit did.
    app.clock.set(shanghai(3, 10, 10, 0));
    let r = app.core.sweep_deadlines().await.unwrap();
    assert_eq!(r.supervisions, 2, "{r:?}");
    let mut got = crossings(&app, &id).await;
    got.sort();
    assert_eq!(got, vec![("co_sign".to_owned(), "passed".to_owned()), ("sign".to_owned(), "passed".to_owned())]);
    assert_eq!(mails_to(&app, "consumer.handler@example.cn").await, consumer_mails + 1);
    assert_eq!(mails_to(&app, "air.handler@example.cn").await, air_mails, "the air unit signed in time");

    // The lead signs, is sent back and re-dispatched to: its clocks restart, the co-units' do not.
    app.sign(&lead, &id).await;
    app.ok_step(&lead, &id, "return", json!({"reason_code": "other", "reason": "需明确牵头单位"})).await;
    let case = app.ok_step(&dispatcher, &id, "reject-return", json!({"reason": "由你单位牵头"})).await;
    assert!(due(&case["feedback_due_at"]) > shanghai(3, 12, 9, 0), "the lead's feedback clock restarted");
    let co: Vec<_> = case["participants"].as_array().unwrap().iter().filter(|p| p["role"] == "co").cloned().collect();
    assert!(co.iter().all(|p| due(&p["contribute_due_at"]) == shanghai(3, 11, 9, 45)), "{co:?}");
    app.sign(&lead, &id).await;
    app.ok_step(&air_staff, &id, "contribution", json!({"text": "已对工地扬尘立案查处。"})).await;

    // Wednesday 10:00: the consumer unit's contribution is late (the air unit gave its part);
    // the co-unit and the lead, who coordinates, are both told — once.
    app.clock.set(shanghai(3, 11, 10, 0));
    let before = mails_to(&app, "lead.handler@example.cn").await;
    let r = app.core.sweep_deadlines().await.unwrap();
    assert_eq!(r.supervisions, 1, "{r:?}");
    assert!(crossings(&app, &id).await.contains(&("contribution".to_owned(), "passed".to_owned())));
    assert_eq!(mails_to(&app, "consumer.handler@example.cn").await, consumer_mails + 2);
    assert_eq!(mails_to(&app, "lead.handler@example.cn").await, before + 1);
    assert_eq!(mails_to(&app, "air.handler@example.cn").await, air_mails);
    assert_eq!(app.core.sweep_deadlines().await.unwrap(), Default::default(), "a repeated tick finds nothing new");
    let (_, events) = app.get(&format!("/api/v1/cases/{id}/events?limit=200"), &dispatcher).await;
    let late: Vec<_> = events["items"].as_array().unwrap().iter().filter(|e| e["payload"]["stage"] == "contribution").collect();
    let march = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    assert_eq!(app.core.verify_counters(march(1), march(31)).await.unwrap(), vec![]);
    assert_eq!(late.len(), 1);
    assert_eq!(late[0]["payload"]["unit_id"], consumer.as_str());
    // The lead's own feedback deadline is a day away, yet the case is overdue: a co-unit is late.
    let (_, overdue) = app.get("/api/v1/supervision?view=overdue", &supervisor).await;
    assert!(overdue["items"].as_array().unwrap().iter().any(|c| c["id"] == id.as_str()), "{overdue}");

    // Late is still welcome: the part arrives, and the lead can give the one answer.
    app.sign(&consumer_staff, &id).await;
    app.ok_step(&consumer_staff, &id, "contribution", json!({"text": "占道经营已责令整改。"})).await;
    let (_, overdue) = app.get("/api/v1/supervision?view=overdue", &supervisor).await;
    assert!(overdue["items"].as_array().unwrap().is_empty(), "every part is in: {overdue}");
    app.ok_step(&lead, &id, "feedback", json!({"text": "扬尘已查处，占道已整改。", "resolved": true})).await;
}

#[tokio::test]
async fn a_swept_crossing_keeps_awkward_text_intact_in_its_mail() {
    // The sweep writes its mail in bulk (arrays unpacked by `unnest` on PostgreSQL): quotes,
    // backslashes, braces, commas and the word NULL must arrive as typed.
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    member(&app, "12319", "awkward.handler", &unit).await;
    let title = r#"路灯"不亮" \ {NULL}, 第2次"#;
    app.clock.set(shanghai(3, 9, 9, 0));
    let mut input = complaint("路灯坏了。");
    input["title"] = json!(title);
    let id = app.intake(&dispatcher, input).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    app.clock.set(shanghai(3, 10, 10, 0));
    assert_eq!(app.core.sweep_deadlines().await.unwrap().supervisions, 1);
    let mails: Vec<_> = hotline_store::outbox::all(&app.raw_db().await)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient == "awkward.handler@example.cn" && m.subject.contains("督办"))
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body.contains(title), "{}", mails[0].body);
    assert_eq!(mails[0].attempts, 0);
    assert!(mails[0].sent_at.is_none() && mails[0].last_error.is_none());
}

/// Two administrators saving time limits at once both succeed (on SQLite the save once read
/// before writing inside its transaction, and the later writer got "database is locked": 500).
#[tokio::test]
async fn concurrent_saves_of_a_time_limit_policy_all_succeed() {
    let app = TestApp::spawn().await;
    let admin = app.token("city_admin").await;
    let url = app.url("/api/v1/tenants/12319/sla-policy");
    let saves: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, admin) = (app.client.clone(), url.clone(), admin.clone());
            tokio::spawn(async move { client.put(url).bearer_auth(admin).json(&json!({"entries": []})).send().await.unwrap().status() })
        })
        .collect();
    for save in saves {
        assert_eq!(save.await.unwrap(), StatusCode::OK);
    }
}

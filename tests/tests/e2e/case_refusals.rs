//! For every step: the wrong role, the wrong unit, another tenant and the wrong state are
//! refused with the right status and code.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::case_kit::complaint;
use crate::helpers::TestApp;

struct Cast {
    agent: String,
    dispatcher: String,
    supervisor: String,
    line_admin: String,
    lead: String,
    co: String,
    bystander: String,
    other_line: String,
    lead_unit: String,
    co_unit: String,
    spare_unit: String,
}

async fn cast(app: &TestApp) -> Cast {
    let lead_unit = app.unit("12319", "市容环境卫生处").await;
    let co_unit = app.unit("12369", "大气环境处").await;
    let spare_unit = app.unit("12319", "园林绿化处").await;
    Cast {
        agent: app.token("agent").await,
        dispatcher: app.token("dispatcher").await,
        supervisor: app.token("city_supervisor").await,
        line_admin: app.token("admin_12319").await,
        lead: app.token("handler_12319").await,
        co: app.staff("12369", "co.handler", &["unit_handler"], Some(&co_unit)).await,
        bystander: app.staff("12319", "bystander", &["unit_handler"], Some(&spare_unit)).await,
        other_line: app.staff("12315", "dispatch.12315", &["dispatcher"], None).await,
        lead_unit,
        co_unit,
        spare_unit,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    Received,
    Dispatched,
    Signed,
    Returned,
    ExtensionAsked,
    NoticeGiven,
    Contributed,
    FeedbackGiven,
    Closed,
}

/// A joint case (lead in 12319, co-unit in 12369) brought to `stage`.
async fn case_at(app: &TestApp, c: &Cast, stage: Stage) -> String {
    let id = app.intake(&c.agent, complaint("工地扬尘。")).await["case_id"].as_str().unwrap().to_owned();
    if stage == Stage::Received {
        return id;
    }
    app.ok_step(&c.dispatcher, &id, "dispatch", json!({"lead_unit_id": c.lead_unit, "co_unit_ids": [c.co_unit]})).await;
    if stage == Stage::Dispatched {
        return id;
    }
    assert_eq!(app.sign(&c.lead, &id).await.0, StatusCode::OK);
    assert_eq!(app.sign(&c.co, &id).await.0, StatusCode::OK);
    match stage {
        Stage::Signed => return id,
        Stage::Returned => {
            app.ok_step(&c.lead, &id, "return", json!({"reason_code": "other", "reason": "r"})).await;
            return id;
        }
        Stage::ExtensionAsked => {
            app.ok_step(&c.lead, &id, "extension", json!({"days": 3, "reason": "r"})).await;
            return id;
        }
        Stage::NoticeGiven => {
            app.ok_step(&c.supervisor, &id, "supervision-notice", json!({"text": "请于今日答复"})).await;
            return id;
        }
        _ => {}
    }
    app.ok_step(&c.co, &id, "contribution", json!({"text": "t"})).await;
    if stage == Stage::Contributed {
        return id;
    }
    app.ok_step(&c.lead, &id, "feedback", json!({"text": "done", "resolved": true})).await;
    if stage == Stage::Closed {
        app.ok_step(&c.dispatcher, &id, "close", json!({})).await;
    }
    id
}

#[derive(Clone, Copy)]
enum Who {
    Agent,
    Dispatcher,
    Supervisor,
    LineAdmin,
    Lead,
    Co,
    Bystander,
    OtherLine,
}

fn token(c: &Cast, w: Who) -> &str {
    match w {
        Who::Agent => &c.agent,
        Who::Dispatcher => &c.dispatcher,
        Who::Supervisor => &c.supervisor,
        Who::LineAdmin => &c.line_admin,
        Who::Lead => &c.lead,
        Who::Co => &c.co,
        Who::Bystander => &c.bystander,
        Who::OtherLine => &c.other_line,
    }
}

struct Row {
    step: &'static str,
    body: fn(&Cast) -> Value,
    right: Who,
    ready: Stage,
    wrong_role: Who,
    wrong_role_code: &'static str,
    /// A unit that takes part but does not own this step (None: front-door steps).
    wrong_unit: Option<(Who, &'static str)>,
    wrong_state: Stage,
}

fn rows() -> Vec<Row> {
    use Stage::*;
    use Who::*;
    let r = |step, body, right, ready, wrong_role, wrong_role_code, wrong_unit, wrong_state| Row {
        step,
        body,
        right,
        ready,
        wrong_role,
        wrong_role_code,
        wrong_unit,
        wrong_state,
    };
    vec![
        r("accept", |_| json!({}), Agent, Received, Supervisor, "forbidden", None, Dispatched),
        r("answer", |_| json!({"answer": "a"}), Agent, Received, Supervisor, "forbidden", None, Signed),
        r("refer", |_| json!({"referral": "95598"}), Agent, Received, Supervisor, "forbidden", None, Closed),
        r("transfer", |_| json!({"line": "120"}), Agent, Received, Supervisor, "forbidden", None, Signed),
        r("dispatch", |c| json!({"lead_unit_id": c.spare_unit}), Dispatcher, Received, Supervisor, "forbidden", None, Signed),
        r("sign", |_| json!({}), Lead, Dispatched, LineAdmin, "forbidden", None, Signed),
        r("progress", |_| json!({"text": "t"}), Lead, Signed, LineAdmin, "forbidden", Some((Co, "not_lead_unit")), Dispatched),
        r(
            "return",
            |_| json!({"reason_code": "other", "reason": "r"}),
            Lead,
            Signed,
            LineAdmin,
            "forbidden",
            Some((Co, "not_lead_unit")),
            FeedbackGiven,
        ),
        r("reject-return", |_| json!({"reason": "r"}), Dispatcher, Returned, Agent, "forbidden", None, Signed),
        r("extension", |_| json!({"days": 2, "reason": "r"}), Lead, Signed, LineAdmin, "forbidden", Some((Co, "not_lead_unit")), Closed),
        r("extension/decision", |_| json!({"approve": true}), Supervisor, ExtensionAsked, Agent, "forbidden", None, Closed),
        r("contribution", |_| json!({"text": "t"}), Co, Signed, LineAdmin, "forbidden", Some((Lead, "not_co_unit")), FeedbackGiven),
        r(
            "release",
            |c| json!({"unit_id": c.co_unit, "reason": "r"}),
            Lead,
            Signed,
            LineAdmin,
            "forbidden",
            Some((Co, "not_lead_unit")),
            Closed,
        ),
        r("lead", |c| json!({"unit_id": c.spare_unit, "reason": "r"}), Dispatcher, Signed, Agent, "forbidden", None, Closed),
        r(
            "feedback",
            |_| json!({"text": "t", "resolved": true}),
            Lead,
            Contributed,
            LineAdmin,
            "forbidden",
            Some((Co, "not_lead_unit")),
            Dispatched,
        ),
        r("rating", |_| json!({"rating": "satisfied"}), Agent, FeedbackGiven, Supervisor, "forbidden", None, Signed),
        r("close", |_| json!({}), Dispatcher, FeedbackGiven, Agent, "forbidden", None, Signed),
        r("reopen", |_| json!({"reason": "r"}), Dispatcher, FeedbackGiven, Agent, "forbidden", None, Signed),
        r("supervision-notice", |_| json!({"text": "t"}), Supervisor, Signed, Agent, "forbidden", None, Closed),
        r(
            "supervision-notice/answer",
            |_| json!({"text": "t"}),
            Lead,
            NoticeGiven,
            LineAdmin,
            "forbidden",
            Some((Co, "not_lead_unit")),
            Closed,
        ),
    ]
}

async fn try_step(app: &TestApp, who: &str, id: &str, step: &str, body: Value) -> (StatusCode, Value) {
    if step == "sign" { app.sign(who, id).await } else { app.step(who, id, step, body).await }
}

#[tokio::test]
async fn every_step_refuses_the_wrong_role_unit_tenant_and_state() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    for row in rows() {
        let step = row.step;
        let body = (row.body)(&c);
        // A contribution needs a signed co-unit; a release needs a pending one: in `Signed`
        // both hold. The right actor succeeds last, on a fresh case, so each refusal is tested
        // on a case where the step would otherwise be possible.
        let id = case_at(&app, &c, row.ready).await;

        let (status, res) = try_step(&app, token(&c, row.wrong_role), &id, step, body.clone()).await;
        assert_eq!((status, res["code"].as_str()), (StatusCode::FORBIDDEN, Some(row.wrong_role_code)), "{step} wrong role: {res}");

        if let Some((who, code)) = row.wrong_unit {
            let (status, res) = try_step(&app, token(&c, who), &id, step, body.clone()).await;
            assert_eq!((status, res["code"].as_str()), (StatusCode::FORBIDDEN, Some(code)), "{step} wrong unit: {res}");
        }
        // A unit that does not take part cannot even see the case.
        let (status, res) = try_step(&app, token(&c, Who::Bystander), &id, step, body.clone()).await;
        assert_eq!((status, res["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{step} bystander unit: {res}");
        // Another line's staff: the case does not exist for them.
        let (status, res) = try_step(&app, token(&c, Who::OtherLine), &id, step, body.clone()).await;
        assert_eq!((status, res["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{step} other tenant: {res}");

        let wrong = case_at(&app, &c, row.wrong_state).await;
        let (status, res) = try_step(&app, token(&c, row.right), &wrong, step, body.clone()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{step} in {:?}: {res}", row.wrong_state);

        let (status, res) = try_step(&app, token(&c, row.right), &id, step, body).await;
        assert_eq!(status, StatusCode::OK, "{step} by the right actor: {res}");
    }
}

#[tokio::test]
async fn a_line_dispatcher_dispatches_only_within_the_line() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let line_dispatcher = app.staff("12319", "dispatch.12319", &["dispatcher", "agent"], None).await;
    let id = app.intake(&line_dispatcher, complaint("井盖丢失。")).await;
    let id = id["case_id"].as_str().unwrap();
    let (status, res) = app.step(&line_dispatcher, id, "dispatch", json!({"lead_unit_id": c.co_unit})).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("lead_unit_id")));
    app.ok_step(&line_dispatcher, id, "dispatch", json!({"lead_unit_id": c.lead_unit})).await;
    // Front-door steps on a joint case another line received belong to that front door.
    let platform_case = case_at(&app, &c, Stage::FeedbackGiven).await;
    let (status, res) = app.step(&line_dispatcher, &platform_case, "close", json!({})).await;
    assert_eq!((status, res["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_case_owner")));
}

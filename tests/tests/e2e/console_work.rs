//! The citizen portal in the console's pages: submit with a place, track by tracking number and
//! the phone's last four digits, rate once, search the public knowledge base.

use reqwest::StatusCode;
use serde_json::json;

use crate::console_kit::Console;
use crate::helpers::TestApp;

fn tracking_of(body: &str) -> String {
    let at = body.find("data-tracking=\"").expect("a tracking number") + "data-tracking=\"".len();
    body[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_citizen_submits_tracks_and_rates_once_in_the_portal() {
    let app = TestApp::spawn().await;
    let mut citizen = Console::visit(&app).await;
    let home = citizen.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("我要反映") && home.body.contains("data-locate"), "the form offers the location");

    // Field errors come back as words beside the field, the typed text kept.
    let form = |phone: &'static str, lat: &'static str| {
        vec![
            ("contact_type", "complaint"),
            ("title", "路灯不亮"),
            ("description", "鼓楼区东街口的路灯坏了一周，晚上很黑。"),
            ("address", "鼓楼区东街口"),
            ("district", "鼓楼区"),
            ("lat", lat),
            ("long", "119.2965"),
            ("caller_name", "张三"),
            ("caller_phone", phone),
        ]
    };
    let res = citizen.post("/portal/submit", &form("12", "26.0745")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("电话号码格式不正确") && res.body.contains("field invalid"), "{}", res.body);
    assert!(res.body.contains("鼓楼区东街口的路灯坏了一周") && !res.body.contains("{\""), "kept, no JSON: {}", res.body);
    let res = citizen.post("/portal/submit", &form("13800138000", "north")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("请填写数字"), "{}", res.body);

    let mut submit = form("13800138000", "26.0745");
    submit.push(("idempotency_key", "portal-test-key-1"));
    let res = citizen.post("/portal/submit", &submit).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let number = tracking_of(&res.body);
    let again = citizen.post("/portal/submit", &submit).await;
    assert_eq!(tracking_of(&again.body), number, "a resent form makes no second case");

    // Tracking: the wrong digits read like a wrong number; the right ones show the case without
    // the phone number.
    let wrong = citizen.get(&format!("/track?n={number}&d=1234")).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let unknown = citizen.get("/track?n=NOPE-000&d=8000").await;
    assert_eq!((unknown.status, unknown.body.contains("没有找到该工单")), (StatusCode::NOT_FOUND, true));
    let page = citizen.get(&format!("/track?n={number}&d=8000")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&number) && !page.body.contains("13800138000") && !page.body.contains("张三"), "{}", page.body);
    assert!(!page.body.contains("name=\"rating\""), "nothing to rate before an answer");

    // The line handles it; then the portal offers the rating, once.
    let token = app.token("dispatcher").await;
    let (_, list) = app.get(&format!("/api/v1/cases?q={}", "路灯"), &token).await;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let unit = app.unit("12319", "市容环境卫生处").await;
    app.ok_step(&token, &id, "accept", json!({"urgency": "general"})).await;
    app.ok_step(&token, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    let handler = app.token("handler_12319").await;
    app.sign(&handler, &id).await;
    app.ok_step(&handler, &id, "feedback", json!({"text": "路灯已修复。", "resolved": true})).await;
    let page = citizen.get(&format!("/track?n={number}&d=8000")).await;
    assert!(page.body.contains("路灯已修复") && page.body.contains("name=\"rating\""), "{}", page.body);
    let rated = citizen.post("/track/rate", &[("n", &number), ("d", "8000"), ("rating", "satisfied"), ("no_return_visit", "true")]).await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.body);
    assert!(rated.body.contains("满意") && !rated.body.contains("name=\"rating\""), "{}", rated.body);
    let twice = citizen.post("/track/rate", &[("n", &number), ("d", "8000"), ("rating", "dissatisfied")]).await;
    assert!(twice.status.is_client_error(), "one rating: {}", twice.status);
    let case = app.case(&token, &id).await;
    assert_eq!((case["rating"].as_str(), case["no_return_visit"].as_bool()), (Some("satisfied"), Some(true)));

    // A form from another site (no CSRF token) does nothing.
    let forged = citizen.post_with_csrf("/portal/submit", &submit, None).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // The knowledge base answers in words; nothing found says so. English on request.
    let kb = citizen.get("/kb?q=%E7%81%AB%E6%98%9F%E7%A7%BB%E6%B0%91").await;
    assert!(kb.status == StatusCode::OK && kb.body.contains("没有找到相关答案"), "{}", kb.body);
    citizen.cookies.push(("hl_lang".into(), "en".into()));
    let kb = citizen.get("/kb").await;
    assert!(kb.body.contains("Common questions") && kb.body.contains("lang=\"en\""));
}

/// The agent desk takes a phone contact that the rules send to 12319, with the assistant beside
/// it; the dispatcher dispatches it from the case page; the 12319 handler finds it in the inbox,
/// signs and answers. Other lines and wrong roles are refused in words.
#[tokio::test]
async fn an_agent_takes_a_call_and_the_12319_handler_signs_and_answers_it_in_the_console() {
    let app = TestApp::spawn().await;
    let mut agent = Console::login(&app, "agent").await;
    let desk = agent.get("/console/desk").await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.body.contains("hx-post=\"/console/desk/assist\""), "the assistant follows the typing");

    let contact = [
        ("channel", "phone"),
        ("contact_type", "complaint"),
        ("caller_name", "李四"),
        ("caller_phone", "13912345678"),
        ("title", "占道经营"),
        ("description", "小区门口有流动摊贩占道经营，垃圾乱扔，影响通行。"),
        ("address", "鼓楼区五四路"),
        ("district", "鼓楼区"),
    ];
    let assist = agent.post("/console/desk/assist", &contact).await;
    assert_eq!(assist.status, StatusCode::OK, "{}", assist.body);
    assert!(assist.body.contains("data-lines=\"12319"), "the rules' decision: {}", assist.body);
    let (_, cases) = app.get("/api/v1/cases", &app.token("dispatcher").await).await;
    assert_eq!(cases["items"].as_array().unwrap().len(), 0, "the assistant saves nothing");

    let mut bad = contact.to_vec();
    bad.retain(|(k, _)| *k != "description");
    bad.push(("description", ""));
    let res = agent.post("/console/desk/intake", &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("field invalid") && !res.body.contains("小区门口") && !res.body.contains("{\""), "{}", res.body);

    let saved = agent.post("/console/desk/intake", &contact).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert!(saved.body.contains("12319"), "{}", saved.body);
    let at = saved.body.find("/console/cases/").unwrap() + "/console/cases/".len();
    let id = saved.body[at..].split('"').next().unwrap().to_owned();

    // The case page shows the caller masked, never in clear.
    let page = agent.get(&format!("/console/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("139****5678") && !page.body.contains("13912345678"), "{}", page.body);
    // An agent may not sign: the refusal is words beside the form.
    let res = agent.post(&format!("/console/cases/{id}/step/sign"), &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

    let mut dispatcher = Console::login(&app, "dispatcher").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let res = dispatcher.post(&format!("/console/cases/{id}/step/accept"), &[("urgency", "general")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = dispatcher.post(&format!("/console/cases/{id}/step/dispatch"), &[("lead_unit_id", &unit)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("待签收"), "{}", res.body);

    // The 12319 handler's inbox has it to sign; the 12315 handler cannot open it.
    let mut handler = Console::login(&app, "handler_12319").await;
    let inbox = handler.get("/console/inbox").await;
    assert!(inbox.body.contains(&format!("/console/cases/{id}")), "{}", inbox.body);
    let mut other = Console::login(&app, "handler_12315").await;
    let res = other.get(&format!("/console/cases/{id}")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains("没有找到") && !res.body.contains("占道经营"), "{}", res.body);
    assert!(!other.get("/console/inbox").await.body.contains(&id));

    let res = handler.post(&format!("/console/cases/{id}/step/sign"), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = handler.post(&format!("/console/cases/{id}/step/feedback"), &[("text", "")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res =
        handler.post(&format!("/console/cases/{id}/step/feedback"), &[("text", "已劝离摊贩并清理垃圾。"), ("resolved", "true")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let case = app.case(&app.token("dispatcher").await, &id).await;
    assert_eq!((case["status"].as_str(), case["feedback"].as_str()), (Some("feedback_given"), Some("已劝离摊贩并清理垃圾。")));
    let done = handler.get("/console/inbox?tab=2").await;
    assert!(done.body.contains(&format!("/console/cases/{id}")));
}

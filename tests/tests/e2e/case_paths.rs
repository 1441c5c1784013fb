//! Each path of a case, end to end.

use reqwest::StatusCode;
use serde_json::json;

use crate::case_kit::{PHONE, complaint};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_consultation_is_answered_at_first_contact() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let mut body = complaint("请问居住证怎么办理？需要哪些材料？");
    body["contact_type"] = "consultation".into();
    let receipt = app.intake(&agent, body).await;
    let tracking = receipt["tracking_number"].as_str().unwrap();
    assert!(tracking.starts_with("12345-") && tracking.len() == "12345-20261122-000001".len(), "{tracking}");
    let id = receipt["case_id"].as_str().unwrap();
    let case = app.ok_step(&agent, id, "answer", json!({"answer": "携带身份证和居住证明到派出所办理。"})).await;
    assert_eq!((case["status"].as_str(), case["closure"].as_str()), (Some("closed"), Some("answered")));
    assert_eq!(app.actions(&agent, id).await, vec!["receive", "answer"]);
}

#[tokio::test]
async fn a_complaint_goes_dispatch_sign_feedback_rating_close() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let receipt = app.intake(&agent, complaint("小区门口垃圾三天没人清运。")).await;
    let id = receipt["case_id"].as_str().unwrap();
    app.ok_step(&dispatcher, id, "accept", json!({"urgency": "general"})).await;
    let case = app.ok_step(&dispatcher, id, "dispatch", json!({"lead_unit_id": unit})).await;
    assert_eq!(case["status"], "dispatched");
    assert!(case["feedback_due_at"].is_string() && case["sign_due_at"].is_string());
    let (status, case) = app.sign(&handler, id).await;
    assert_eq!((status, case["status"].as_str()), (StatusCode::OK, Some("signed")));
    app.ok_step(&handler, id, "progress", json!({"text": "已联系环卫所安排清运。"})).await;
    let case = app.ok_step(&handler, id, "feedback", json!({"text": "垃圾已清运完毕。", "resolved": true})).await;
    assert_eq!(case["status"], "feedback_given");
    let case = app.ok_step(&agent, id, "rating", json!({"rating": "satisfied"})).await;
    assert_eq!((case["status"].as_str(), case["closure"].as_str()), (Some("closed"), Some("resolved")));
    let (status, body) = app.step(&agent, id, "rating", json!({"rating": "satisfied"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("already_rated")), "one rating per contact");
    assert_eq!(app.actions(&agent, id).await, vec!["receive", "accept", "dispatch", "sign", "progress", "feedback", "rate"]);
    let (_, events) = app.get(&format!("/api/v1/cases/{id}/events"), &agent).await;
    let dispatch = &events["items"][2];
    assert_eq!((dispatch["from_status"].as_str(), dispatch["to_status"].as_str()), (Some("accepted"), Some("dispatched")));
    assert_eq!(dispatch["actor_name"], "dispatcher");
}

#[tokio::test]
async fn a_return_is_reviewed_then_redispatched_and_repeated_returns_flag_a_problem() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let first = app.token("handler_12319").await;
    let parks = app.unit("12319", "园林绿化处").await;
    let second = app.staff("12319", "parks.handler", &["unit_handler"], Some(&parks)).await;
    let sanitation = app.unit("12319", "市容环境卫生处").await;
    let id = app.intake(&dispatcher, complaint("公园里的树倒在路上。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": sanitation})).await;
    assert_eq!(app.sign(&first, &id).await.0, StatusCode::OK);
    let returned = app.ok_step(&first, &id, "return", json!({"reason_code": "not_our_jurisdiction", "reason": "树木归园林部门管理"})).await;
    assert_eq!((returned["status"].as_str(), returned["return_count"].as_i64()), (Some("returned"), Some(1)));
    // The dispatcher disagrees: back to the same unit, which must sign again.
    let back = app.ok_step(&dispatcher, &id, "reject-return", json!({"reason": "道路清障属市容职责"})).await;
    assert_eq!(back["status"], "dispatched");
    assert_eq!(app.sign(&first, &id).await.0, StatusCode::OK);
    app.ok_step(&first, &id, "return", json!({"reason_code": "not_our_jurisdiction", "reason": "仍属园林"})).await;
    // Now the dispatcher accepts the return and re-dispatches to the parks office.
    let moved = app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": parks, "reason": "改派园林绿化处"})).await;
    assert_eq!(moved["lead_unit_id"].as_str(), Some(parks.as_str()));
    let statuses: Vec<(&str, &str)> =
        moved["participants"].as_array().unwrap().iter().map(|p| (p["role"].as_str().unwrap(), p["status"].as_str().unwrap())).collect();
    assert!(statuses.contains(&("lead", "withdrawn")) && statuses.contains(&("lead", "assigned")), "{statuses:?}");
    // The first unit no longer works on it.
    assert_eq!(app.sign(&first, &id).await.1["code"], "not_your_unit");
    assert_eq!(app.sign(&second, &id).await.0, StatusCode::OK);
    let third = app.ok_step(&second, &id, "return", json!({"reason_code": "other", "reason": "需要更多信息"})).await;
    assert_eq!((third["problem"].as_bool(), third["problem_reason"].as_str()), (Some(true), Some("returned_3_times")));
    let (_, problems) = app.get("/api/v1/cases?problem=true", &dispatcher).await;
    assert_eq!(problems["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_approved_extension_moves_the_feedback_deadline() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let supervisor = app.token("city_supervisor").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let id = app.intake(&dispatcher, complaint("违章搭建需要拆除。")).await["case_id"].as_str().unwrap().to_owned();
    let due =
        app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await["feedback_due_at"].as_str().unwrap().to_owned();
    app.sign(&handler, &id).await;
    let (status, body) = app.step(&dispatcher, &id, "extension/decision", json!({"approve": true})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("no_extension_pending")));
    let asked = app.ok_step(&handler, &id, "extension", json!({"days": 5, "reason": "需协调多个部门"})).await;
    assert_eq!(asked["extension_days_requested"], 5);
    let (status, body) = app.step(&handler, &id, "extension", json!({"days": 3, "reason": "再延"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("extension_pending")));
    let (status, body) = app.step(&supervisor, &id, "extension/decision", json!({"approve": false})).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")), "a refusal gives a reason");
    let decided = app.ok_step(&supervisor, &id, "extension/decision", json!({"approve": true})).await;
    let before = chrono::DateTime::parse_from_rfc3339(&due).unwrap();
    let after = chrono::DateTime::parse_from_rfc3339(decided["feedback_due_at"].as_str().unwrap()).unwrap();
    assert_eq!(after - before, chrono::Duration::days(5));
    assert!(decided["extension_days_requested"].is_null());
}

#[tokio::test]
async fn a_dissatisfied_citizen_reopens_and_the_case_escalates_to_the_units_superior() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let admin = app.token("admin_12319").await;
    let district = app.unit("12319", "鼓楼区人民政府").await;
    let (status, street) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/tenants/12319/units",
            &admin,
            Some(json!({"name": "东街街道办事处", "kind": "street_office", "parent_id": district, "district": "鼓楼区"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let street = street["id"].as_str().unwrap().to_owned();
    let handler = app.staff("12319", "dongjie.handler", &["unit_handler"], Some(&street)).await;
    let receipt = app.intake(&dispatcher, complaint("楼下餐馆油烟扰民。")).await;
    let id = receipt["case_id"].as_str().unwrap().to_owned();
    let tracking = receipt["tracking_number"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": street})).await;
    app.sign(&handler, &id).await;
    app.ok_step(&handler, &id, "feedback", json!({"text": "已督促餐馆安装净化器。", "resolved": true})).await;

    // The citizen rates through the public page with the last four digits of the phone.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/public/cases/{tracking}/rating")))
        .json(&json!({"phone_last4": &crate::case_kit::PHONE[7..], "rating": "very_dissatisfied", "comment": "油烟依旧"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let case = app.case(&dispatcher, &id).await;
    assert_eq!((case["status"].as_str(), case["reopen_count"].as_i64()), (Some("dispatched"), Some(1)));
    let parts = case["participants"].as_array().unwrap();
    assert!(parts.iter().any(|p| p["unit_id"] == street && p["role"] == "lead" && p["status"] == "assigned"));
    assert!(parts.iter().any(|p| p["unit_id"] == district && p["role"] == "co"), "escalated to the district government: {case}");
    assert_eq!(app.actions(&dispatcher, &id).await.last().map(String::as_str), Some("rate"));
    // Round two: the street office signs and answers again; the dispatcher closes without a visit.
    app.sign(&handler, &id).await;
    let district_handler = app.staff("12319", "gulou.handler", &["unit_handler"], Some(&district)).await;
    app.sign(&district_handler, &id).await;
    let (status, body) = app.step(&handler, &id, "feedback", json!({"text": "再次处理", "resolved": true})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("contributions_missing")));
    app.ok_step(&district_handler, &id, "contribution", json!({"text": "区政府已约谈店主。"})).await;
    app.ok_step(&handler, &id, "feedback", json!({"text": "已整改到位。", "resolved": true})).await;
    let closed = app.ok_step(&dispatcher, &id, "close", json!({"reason": "回访未接通"})).await;
    assert_eq!(closed["closure"], "resolved");
}

#[tokio::test]
async fn a_duplicate_contact_is_linked_to_the_open_case() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let first = app.intake(&agent, complaint("路灯坏了一整条街都黑。")).await["case_id"].as_str().unwrap().to_owned();
    let second = app.intake(&agent, complaint("东街路灯不亮。")).await["case_id"].as_str().unwrap().to_owned();
    let linked = app.ok_step(&agent, &second, "link", json!({"duplicate_of": first})).await;
    assert_eq!((linked["status"].as_str(), linked["closure"].as_str()), (Some("closed"), Some("linked")));
    assert_eq!(linked["duplicate_of"].as_str(), Some(first.as_str()));
    assert!(app.actions(&agent, &first).await.contains(&"duplicate_linked".to_owned()));
    let (status, body) = app.step(&agent, &first, "link", json!({"duplicate_of": first})).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("duplicate_of")));
}

#[tokio::test]
async fn an_emergency_is_transferred_and_an_out_of_scope_contact_referred() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let fire = app.intake(&agent, complaint("楼道里冒烟，好像着火了！")).await["case_id"].as_str().unwrap().to_owned();
    let case = app.ok_step(&agent, &fire, "transfer", json!({"line": "119", "reason": "火情"})).await;
    assert_eq!(
        (case["closure"].as_str(), case["transfer_line"].as_str(), case["urgency"].as_str()),
        (Some("transferred"), Some("119"), Some("emergency"))
    );
    let (status, body) = app.step(&agent, &fire, "transfer", json!({"line": "119"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    let other = app.intake(&agent, complaint("家里停电了。")).await["case_id"].as_str().unwrap().to_owned();
    let (status, body) = app.step(&agent, &other, "transfer", json!({"line": "12345"})).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("line")));
    let case = app.ok_step(&agent, &other, "refer", json!({"referral": "95598 国网供电服务热线"})).await;
    assert_eq!(case["closure"], "referred");
}

#[tokio::test]
async fn joint_handling_with_a_lead_and_two_co_units_in_other_lines() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let lead_unit = app.unit("12319", "市政设施管理处").await;
    let air = app.unit("12369", "大气环境处").await;
    let consumer = app.unit("12315", "消费者权益保护处").await;
    let lead = app.staff("12319", "shizheng.handler", &["unit_handler"], Some(&lead_unit)).await;
    let air_staff = app.staff("12369", "air.handler", &["unit_lead"], Some(&air)).await;
    let consumer_staff = app.token("handler_12315").await;
    let id = app.intake(&dispatcher, complaint("工地夜间施工扬尘大、噪音扰民，还占道经营。")).await["case_id"].as_str().unwrap().to_owned();
    let case = app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": lead_unit, "co_unit_ids": [air, consumer]})).await;
    assert_eq!(case["participants"].as_array().unwrap().len(), 3);

    // Each unit signs for its part; the lead's signature moves the case.
    assert_eq!(app.sign(&air_staff, &id).await.1["status"], "dispatched");
    assert_eq!(app.sign(&lead, &id).await.1["status"], "signed");
    assert_eq!(app.sign(&consumer_staff, &id).await.0, StatusCode::OK);
    let (status, body) = app.sign(&consumer_staff, &id).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("already_signed")));

    // Only co-units contribute, only the lead gives feedback, and not while a co-unit owes its part.
    let (status, body) = app.step(&lead, &id, "contribution", json!({"text": "x"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_co_unit")));
    let (status, body) = app.step(&air_staff, &id, "feedback", json!({"text": "x", "resolved": true})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_lead_unit")));
    let (status, body) = app.step(&lead, &id, "feedback", json!({"text": "x", "resolved": true})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("contributions_missing")));
    app.ok_step(&air_staff, &id, "contribution", json!({"text": "已对工地扬尘立案查处。"})).await;
    app.ok_step(&lead, &id, "release", json!({"unit_id": consumer, "reason": "占道经营已由城管处理，无需市场监管"})).await;

    // Each line sees the joint case through its unit; an uninvolved unit of the same line does not.
    let line_12369 = app.token("admin_12369").await;
    let (_, list) = app.get("/api/v1/cases", &line_12369).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let bystander = app.token("handler_12369").await;
    assert_eq!(app.get(&format!("/api/v1/cases/{id}"), &bystander).await.0, StatusCode::NOT_FOUND);
    let (_, theirs) = app.get("/api/v1/cases", &bystander).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0, "co-units see only their cases");

    // Unresolved feedback must say who, why, what next and by when.
    let (status, body) = app.step(&lead, &id, "feedback", json!({"text": "部分解决", "resolved": false})).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("next_date")));
    let case = app
        .ok_step(
            &lead,
            &id,
            "feedback",
            json!({"text": "扬尘已整改，夜间施工许可待核查。", "resolved": false, "unresolved_reason": "需住建部门核查许可",
                   "next_steps": "联合住建部门现场核查", "next_date": "2026-12-15"}),
        )
        .await;
    assert_eq!(case["status"], "feedback_given");
    assert_eq!(case["feedback_details"]["next_steps"], "联合住建部门现场核查");
}

#[tokio::test]
async fn the_dispatcher_changes_the_lead_with_a_reason() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let a = app.unit("12319", "市容环境卫生处").await;
    let b = app.unit("12319", "违法建设查处办公室").await;
    let id = app.intake(&dispatcher, complaint("楼顶违建。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": a})).await;
    let (status, body) = app.step(&dispatcher, &id, "lead", json!({"unit_id": b})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "reason is required: {body}");
    let case = app.ok_step(&dispatcher, &id, "lead", json!({"unit_id": b, "reason": "违建由查处办牵头"})).await;
    assert_eq!(case["lead_unit_id"].as_str(), Some(b.as_str()));
    let old = case["participants"].as_array().unwrap().iter().find(|p| p["unit_id"] == a).unwrap().clone();
    assert_eq!(old["status"], "withdrawn");
    let handler_a = app.token("handler_12319").await;
    assert_eq!(app.sign(&handler_a, &id).await.1["code"], "not_your_unit");
    let _ = PHONE;
}

#[tokio::test]
async fn three_reopenings_flag_a_problem_case_and_escalation_stops_at_the_top() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let id = app.intake(&dispatcher, complaint("反复投诉的油烟问题。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    for round in 1..=3 {
        assert_eq!(app.sign(&handler, &id).await.0, StatusCode::OK, "round {round}");
        app.ok_step(&handler, &id, "feedback", json!({"text": format!("第{round}次处理"), "resolved": true})).await;
        let case = app.ok_step(&dispatcher, &id, "reopen", json!({"reason": "群众仍不满意"})).await;
        assert_eq!(case["reopen_count"], round);
        assert_eq!(case["problem"], round >= 3, "round {round}");
        // The unit has no superior in the demo tree: nobody is added.
        assert_eq!(case["participants"].as_array().unwrap().len(), 1);
    }
    let case = app.case(&dispatcher, &id).await;
    assert_eq!(case["problem_reason"], "reopened_3_times");
    let (status, body) = app.step(&dispatcher, &id, "reopen", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")), "a dispatched case is not reopened");
}

#[tokio::test]
async fn unit_deadlines_follow_the_working_calendar_of_the_line() {
    let app = TestApp::spawn().await;
    // Sign in first: tokens are checked against the wall clock, the case clock is injected.
    let dispatcher = app.token("dispatcher").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    use chrono::TimeZone;
    let shanghai = |m, d, h| chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap().with_timezone(&chrono::Utc);
    // Friday 13 February 2026, 17:00, the eve of the Spring Festival holiday.
    app.clock.set(shanghai(2, 13, 17));
    let id = app.intake(&dispatcher, complaint("节前小区垃圾堆积。")).await["case_id"].as_str().unwrap().to_owned();
    let case = app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    let due = |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&chrono::Utc);
    // A complaint: 3 working days, across the make-up Saturday and the nine-day holiday.
    assert_eq!(due(&case["feedback_due_at"]), shanghai(2, 25, 17));
    // Signing for: 24 hours of clock time.
    assert_eq!(due(&case["sign_due_at"]), shanghai(2, 14, 17));
}

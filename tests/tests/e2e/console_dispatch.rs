//! The dispatcher's queues in the console: contacts awaiting dispatch (one click when the rules
//! named a unit), returns to review, extension requests and lead-unit changes, each decided in
//! its row; other roles and other lines are refused in words.

use reqwest::StatusCode;
use serde_json::json;

use crate::case_kit::complaint;
use crate::console_kit::Console;
use crate::helpers::TestApp;

/// The row of a case in a queue page, or `None` when the page does not list it.
fn row<'b>(body: &'b str, id: &str) -> Option<&'b str> {
    let at = body.find(&format!("id=\"row-{id}\""))?;
    let end = body[at..].find("</tr>").map_or(body.len(), |e| at + e);
    Some(&body[at..end])
}

#[tokio::test]
async fn a_dispatcher_works_the_four_queues_from_the_console() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let api = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let hygiene = app.unit("12319", "市容环境卫生处").await;
    let parks = app.unit("12319", "园林绿化处").await;

    // The queue: a contact the rules placed goes out in one click; one they could not place
    // opens the case page.
    let ruled = app.intake(&agent, complaint("小区门口垃圾堆积，无人清运。")).await["case_id"].as_str().unwrap().to_owned();
    // Without a place, not even the district government's fallback applies.
    let mut placeless = complaint("邻居家的鹦鹉每天清晨大声说话。");
    placeless.as_object_mut().unwrap().retain(|k, _| k != "district" && k != "address");
    let manual = app.intake(&agent, placeless).await["case_id"].as_str().unwrap().to_owned();
    let mut desk = Console::login(&app, "dispatcher").await;
    let queue = desk.get("/console/dispatch").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let ruled_row = row(&queue.body, &ruled).expect("the placed contact waits");
    assert!(ruled_row.contains("市容环境卫生处") && ruled_row.contains("/dispatch\""), "{ruled_row}");
    let manual_row = row(&queue.body, &manual).expect("the manual contact waits");
    assert!(manual_row.contains("需人工派单") && !manual_row.contains(&format!("/console/dispatch/{manual}/dispatch")), "{manual_row}");
    let sent = desk.post(&format!("/console/dispatch/{ruled}/dispatch"), &[]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("待签收"), "{}", sent.body);
    assert_eq!(app.case(&api, &ruled).await["lead_unit_id"].as_str(), Some(hygiene.as_str()));
    assert!(row(&desk.get("/console/dispatch").await.body, &ruled).is_none(), "dispatched cases leave the queue");

    // Returns: the unit's reason is shown; refusing needs a reason (said beside the form), then
    // the case goes back to the same unit.
    app.sign(&handler, &ruled).await;
    app.ok_step(&handler, &ruled, "return", json!({"reason_code": "not_our_jurisdiction", "reason": "应由物业负责清运。"})).await;
    let returns = desk.get("/console/dispatch?tab=1").await;
    let returned_row = row(&returns.body, &ruled).expect("the return waits for review");
    assert!(returned_row.contains("应由物业负责清运") && returned_row.contains("市容环境卫生处"), "{returned_row}");
    let refused = desk.post(&format!("/console/dispatch/{ruled}/reject-return"), &[("reason", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("alert error") && refused.body.contains(&format!("row-{ruled}")) && !refused.body.contains("{\""));
    let kept = desk.post(&format!("/console/dispatch/{ruled}/reject-return"), &[("reason", "小区公共区域属环卫职责。")]).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    let case = app.case(&api, &ruled).await;
    assert_eq!((case["status"].as_str(), case["lead_unit_id"].as_str()), (Some("dispatched"), Some(hygiene.as_str())));

    // Extension requests: days and reason in the row; approving moves the deadline.
    app.sign(&handler, &ruled).await;
    app.ok_step(&handler, &ruled, "extension", json!({"days": 5, "reason": "需协调物业公司。"})).await;
    let due_before = app.case(&api, &ruled).await["feedback_due_at"].as_str().unwrap().to_owned();
    let extensions = desk.get("/console/dispatch?tab=2").await;
    let ext_row = row(&extensions.body, &ruled).expect("the request waits");
    assert!(ext_row.contains("5 天") && ext_row.contains("需协调物业公司"), "{ext_row}");
    let approved = desk.post(&format!("/console/dispatch/{ruled}/extension"), &[("approve", "true")]).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let case = app.case(&api, &ruled).await;
    assert!(case["extension_days_requested"].is_null());
    assert!(case["feedback_due_at"].as_str().unwrap() > due_before.as_str(), "{case}");
    let again = desk.post(&format!("/console/dispatch/{ruled}/extension"), &[("approve", "true")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("没有待审批的延期申请"), "{}", again.body);

    // Lead units: the open case with its lead; the same unit is refused, another taken.
    let leads = desk.get("/console/dispatch?tab=3").await;
    let lead_row = row(&leads.body, &ruled).expect("the open case is listed");
    assert!(lead_row.contains("市容环境卫生处") && lead_row.contains(&format!("value=\"{parks}\"")), "{lead_row}");
    assert!(!lead_row.contains(&format!("value=\"{hygiene}\"")), "the current lead is not offered");
    let same = desk.post(&format!("/console/dispatch/{ruled}/lead"), &[("unit_id", &hygiene), ("reason", "x")]).await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(same.body.contains("该单位已是主办单位"), "{}", same.body);
    let moved = desk.post(&format!("/console/dispatch/{ruled}/lead"), &[("unit_id", &parks), ("reason", "涉及小区绿地。")]).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(app.case(&api, &ruled).await["lead_unit_id"].as_str(), Some(parks.as_str()));

    // Other roles: refused in words. Another line's dispatcher sees none of 12319's cases and
    // cannot decide them (not found, like a missing case).
    let mut unit_handler = Console::login(&app, "handler_12319").await;
    let res = unit_handler.get("/console/dispatch").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("您的角色不能执行此操作") && !res.body.contains("{\""), "{}", res.body);
    let res = unit_handler.post(&format!("/console/dispatch/{ruled}/lead"), &[("unit_id", &hygiene), ("reason", "x")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    app.staff("12315", "dispatcher_12315", &["dispatcher"], None).await;
    let mut other = Console::login_with(&app, "dispatcher_12315", "a long test passphrase").await;
    for tab in 0..4 {
        let page = other.get(&format!("/console/dispatch?tab={tab}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(row(&page.body, &ruled).is_none() && row(&page.body, &manual).is_none(), "tab {tab}: {}", page.body);
        assert!(!page.body.contains("市容环境卫生处"), "no unit of another line is offered");
    }
    let res = other.post(&format!("/console/dispatch/{ruled}/lead"), &[("unit_id", &parks), ("reason", "x")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains("没有找到") && !res.body.contains("小区门口"), "{}", res.body);
}

/// The case page's step forms send what the core asks: a new lead as `unit_id`, and feedback
/// on an unsolved case with who, why, what next and by when (missing ones named beside the
/// form).
#[tokio::test]
async fn the_case_page_changes_the_lead_and_gives_unsolved_feedback() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let api = app.token("dispatcher").await;
    let hygiene = app.unit("12319", "市容环境卫生处").await;
    let parks = app.unit("12319", "园林绿化处").await;
    let id = app.intake(&agent, complaint("小区门口垃圾堆积，无人清运。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&api, &id, "dispatch", json!({"lead_unit_id": hygiene})).await;

    let mut desk = Console::login(&app, "dispatcher").await;
    let page = desk.get(&format!("/console/cases/{id}")).await;
    assert!(page.body.contains("/step/change_lead") && page.body.contains("/step/supervision_notice"), "{}", page.body);
    let res = desk.post(&format!("/console/cases/{id}/step/change_lead"), &[("unit_id", &parks), ("reason", "涉及绿地。")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.case(&api, &id).await["lead_unit_id"].as_str(), Some(parks.as_str()));

    let parks_handler = app.staff("12319", "parks_handler", &["unit_handler"], Some(&parks)).await;
    app.sign(&parks_handler, &id).await;
    let mut handler = Console::login_with(&app, "parks_handler", "a long test passphrase").await;
    let unsolved = [("text", "已联系物业。"), ("unresolved_reason", "物业合同纠纷"), ("next_steps", "约谈物业")];
    let res = handler.post(&format!("/console/cases/{id}/step/feedback"), &unsolved).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("<label class=\"field invalid\"><span>预计办结日期"), "the missing date is marked: {}", res.body);
    let mut complete = unsolved.to_vec();
    complete.push(("next_date", "2026-12-20"));
    let res = handler.post(&format!("/console/cases/{id}/step/feedback"), &complete).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let case = app.case(&api, &id).await;
    assert_eq!((case["feedback_resolved"].as_bool(), case["feedback_details"]["next_date"].as_str()), (Some(false), Some("2026-12-20")));
}

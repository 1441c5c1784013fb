//! The other tabs of a line, walked by its admin: units and users (field errors beside the
//! field; a new user signs in; a reset password works), calendar and time limits (the calendar
//! is the city's to change), the knowledge base (a second admin approves), API keys (the secret
//! shown once; revoking asks first).

use reqwest::StatusCode;

use super::{attr_after, redirected_id};
use crate::console_kit::Console;
use crate::helpers::{DEMO_PASSWORD, TestApp};

/// Signs in through the console's form with any password.
async fn sign_in<'a>(app: &'a TestApp, username: &str, password: &str) -> (Console<'a>, StatusCode) {
    let mut c = Console::visit(app).await;
    let res = c.post("/console/login", &[("username", username), ("password", password), ("next", "/console")]).await;
    (c, res.status)
}

#[tokio::test]
async fn a_line_admin_manages_units_and_users_and_a_new_user_signs_in() {
    let app = TestApp::spawn().await;
    let mut admin = Console::login(&app, "admin_12319").await;

    // Units: an empty name and a taken name are refused beside the name.
    let page = admin.get("/console/admin/12319/units").await;
    assert!(page.body.contains("id=\"units\"") && page.body.contains("市自来水公司"), "{}", page.body);
    let res = admin.post("/console/admin/12319/units", &[("name", " "), ("kind", "department_office")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("field invalid") && res.body.contains("id=\"unit-create\""), "{}", res.body);
    let res = admin.post("/console/admin/12319/units", &[("name", "市自来水公司"), ("kind", "utility")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("本热线已有同名单位") && res.body.contains("field invalid"), "{}", res.body);
    let res =
        admin.post("/console/admin/12319/units", &[("name", "桥梁养护所"), ("kind", "other"), ("is_district_fallback", "true")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("只有区政府可以作为本区兜底单位"), "{}", res.body);
    let res = admin.post("/console/admin/12319/units", &[("name", "桥梁养护所"), ("kind", "other"), ("district", "鼓楼区")]).await;
    assert_eq!(res.redirect(), Some("/console/admin/12319/units"), "{}", res.body);
    let bridges = app.unit("12319", "桥梁养护所").await;
    let edit = format!("/console/admin/12319/units/{bridges}");
    let page = admin.get(&edit).await;
    assert!(page.body.contains("id=\"unit-edit\"") && page.body.contains("value=\"桥梁养护所\""), "{}", page.body);
    let res =
        admin.post(&edit, &[("name", "桥梁养护所"), ("kind", "department_office"), ("district", "鼓楼区"), ("status", "inactive")]).await;
    assert_eq!(res.redirect(), Some("/console/admin/12319/units"), "{}", res.body);
    let page = admin.get("/console/admin/12319/units").await;
    assert!(page.body.contains(&format!("data-unit=\"{bridges}\" data-status=\"inactive\"")), "{}", page.body);

    // Users: the password rules and a taken user name beside their fields, the rest kept.
    let page = admin.get("/console/admin/12319/users").await;
    assert!(page.body.contains("data-user=\"handler_12319\""), "{}", page.body);
    let water = app.unit("12319", "市自来水公司").await;
    let user = |username: &'static str, password: &'static str| {
        vec![
            ("username", username),
            ("display_name", "王五"),
            ("email", "wangwu@example.org"),
            ("roles", "unit_handler"),
            ("roles", "unit_lead"),
            ("unit_id", water.as_str()),
            ("password", password),
        ]
    };
    let res = admin.post("/console/admin/12319/users", &user("wang_12319", "short")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("密码至少 8 个字符") && res.body.contains("value=\"wang_12319\""), "{}", res.body);
    let res = admin.post("/console/admin/12319/users", &user("handler_12319", DEMO_PASSWORD)).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let beside = res.body.split("name=\"username\"").nth(1).unwrap().split("</label>").next().unwrap();
    assert!(beside.contains("该用户名已被使用"), "beside the user name: {}", res.body);
    let res = admin.post("/console/admin/12319/users", &user("wang_12319", DEMO_PASSWORD)).await;
    assert_eq!(res.redirect(), Some("/console/admin/12319/users"), "{}", res.body);
    let mut wang = Console::login(&app, "wang_12319").await;
    let inbox = wang.get("/console/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK, "the new handler works in the inbox: {}", inbox.body);

    // Edit: roles and status; a reset password ends the old one.
    let page = admin.get("/console/admin/12319/users").await;
    let id = attr_after(&page.body, "data-user=\"wang_12319\"", "href").rsplit('/').next().unwrap().to_owned();
    let url = format!("/console/admin/12319/users/{id}");
    let page = admin.get(&url).await;
    assert!(page.body.contains("value=\"unit_lead\" checked"), "{}", page.body);
    let res = admin.post(&url, &[("display_name", "王五"), ("roles", "unit_handler"), ("unit_id", ""), ("status", "active")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "a handler needs a unit: {}", res.body);
    let res = admin.post(&url, &[("display_name", "王五"), ("roles", "unit_handler"), ("unit_id", &water), ("status", "active")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("id=\"user-saved\"") && !res.body.contains("value=\"unit_lead\" checked"), "{}", res.body);
    let res = admin.post(&format!("{url}/password"), &[("password", "wang_12319")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("密码不能与用户名相同"), "{}", res.body);
    let res = admin.post(&format!("{url}/password"), &[("password", "新的密码很长很长2026")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(sign_in(&app, "wang_12319", DEMO_PASSWORD).await.1, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&app, "wang_12319", "新的密码很长很长2026").await.1, StatusCode::OK);
    let (_, me) = app.get("/api/v1/me", &app.token_with("wang_12319", "新的密码很长很长2026").await).await;
    assert_eq!(me["roles"], serde_json::json!(["unit_handler"]), "{me}");
}

#[tokio::test]
async fn a_line_admin_sets_time_limits_writes_knowledge_and_hands_out_an_api_key() {
    let app = TestApp::spawn().await;
    let mut admin = Console::login(&app, "admin_12319").await;

    // The calendar is the city admin's: the line admin reads the refusal beside the form.
    let page = admin.get("/console/admin/12319/calendar").await;
    assert!(page.body.contains("id=\"calendar-form\"") && page.body.contains("id=\"sla-table\""), "{}", page.body);
    let res = admin.post("/console/admin/12319/calendar", &[("calendar", "weekdays"), ("time_zone", "Asia/Shanghai")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("id=\"calendar-form\"") && res.body.contains("您的角色不能执行此操作"), "{}", res.body);
    let mut city = Console::login(&app, "city_admin").await;
    let res = city.post("/console/admin/12319/calendar", &[("calendar", "weekdays"), ("time_zone", "Mars/Olympus")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("时区不正确"), "{}", res.body);
    let res = city.post("/console/admin/12319/calendar", &[("calendar", "weekdays"), ("time_zone", "Asia/Shanghai")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let (_, t) = app.get("/api/v1/tenants/12319", &app.token("city_admin").await).await;
    assert_eq!(t["calendar"], "weekdays");

    // Time limits: JSON errors with line and column, then the entry's path; a saved override
    // shows in the table.
    let res = admin.post("/console/admin/12319/calendar/sla", &[("entries", "[{\"stage\": }]"), ("ct", "help")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("data-line=\"1\"") && res.body.contains("[{&quot;stage&quot;: }]"), "{}", res.body);
    let bad = r#"[{"urgency": "general", "stage": "later", "limit": {"working_days": 2}}]"#;
    let res = admin.post("/console/admin/12319/calendar/sla", &[("entries", bad), ("ct", "help")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("data-path=\"entries[0].stage\"") && res.body.contains("later"), "{}", res.body);
    let good = r#"[{"urgency": "general", "stage": "feedback", "limit": {"working_days": 2}}]"#;
    let res = admin.post("/console/admin/12319/calendar/sla", &[("entries", good), ("ct", "help")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("id=\"sla-saved\"") && res.body.contains("class=\"overridden\" data-stage=\"feedback\">2 个工作日"),
        "{}",
        res.body
    );

    // Knowledge: written, submitted; its author may not approve it, a second admin does.
    let res = admin.post("/console/admin/12319/knowledge", &[("title", ""), ("body", "正文")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let article = [("title", "垃圾清运时间"), ("body", "生活垃圾每日清运两次。"), ("tags", "垃圾, 清运"), ("review_at", "2027-01-31")];
    let res = admin.post("/console/admin/12319/knowledge", &article).await;
    let id = redirected_id(&res);
    let url = format!("/console/admin/12319/knowledge/{id}");
    let page = admin.get(&url).await;
    assert!(page.body.contains("data-version=\"1\" data-state=\"draft\"") && page.body.contains("value=\"垃圾, 清运\""), "{}", page.body);
    let res = admin.post(&format!("{url}/versions/1/submit"), &[]).await;
    assert!(res.redirect().is_some(), "{}", res.body);
    let res = admin.post(&format!("{url}/versions/1/approve"), &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("不能审批自己编写的版本"), "{}", res.body);
    let res = admin
        .post(
            "/console/admin/12319/users",
            &[("username", "admin2_12319"), ("display_name", "副管理员"), ("roles", "tenant_admin"), ("password", DEMO_PASSWORD)],
        )
        .await;
    // A line admin cannot make another admin (三员分立): the account is made with an everyday
    // role, and the security administrator grants tenant_admin.
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(res.body.contains("安全管理员"), "{}", res.body);
    let res = admin
        .post(
            "/console/admin/12319/users",
            &[("username", "admin2_12319"), ("display_name", "副管理员"), ("roles", "dispatcher"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert!(res.redirect().is_some(), "{}", res.body);
    app.grant("12319", "admin2_12319", &["tenant_admin"]).await;
    let mut second = Console::login(&app, "admin2_12319").await;
    let res = second.post(&format!("{url}/versions/1/approve"), &[]).await;
    assert!(res.redirect().is_some(), "{}", res.body);
    let list = admin.get("/console/admin/12319/knowledge?status=published").await;
    assert!(list.body.contains(&format!("data-article=\"{id}\" data-status=\"published\"")), "{}", list.body);
    let res = admin.post(&format!("{url}/versions"), &[("title", "垃圾清运时间"), ("body", "生活垃圾每日清运三次。")]).await;
    assert!(res.redirect().is_some(), "{}", res.body);
    assert!(admin.get(&url).await.body.contains("data-version=\"2\" data-state=\"draft\""));
    let res = admin.post(&format!("{url}/archive"), &[]).await;
    assert!(res.redirect().is_some(), "{}", res.body);
    assert!(admin.get(&url).await.body.contains("data-status=\"archived\""));
    let mut other = Console::login(&app, "admin_12315").await;
    assert_eq!(other.get(&format!("/console/admin/12315/knowledge/{id}")).await.status, StatusCode::NOT_FOUND, "12319's article");

    // API keys: the secret once, working; revoking asks first, then the key stops working.
    let res = admin.post("/console/admin/12319/keys", &[("name", "区网格化平台")]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let secret = attr_after(&res.body, "id=\"api-secret\"", "data-secret").to_owned();
    assert!(res.body.contains("只显示这一次"), "{}", res.body);
    let me = |secret: String| {
        let (client, url) = (app.client.clone(), app.url("/api/v1/me"));
        async move { client.get(url).header("x-api-key", secret).send().await.unwrap().status() }
    };
    assert_eq!(me(secret.clone()).await, StatusCode::OK);
    let page = admin.get("/console/admin/12319/keys").await;
    assert!(page.body.contains("区网格化平台") && !page.body.contains(&secret), "never shown again: {}", page.body);
    let key = attr_after(&page.body, "data-revoked=\"false\"", "data-key").to_owned();
    let res = admin.post(&format!("/console/admin/12319/keys/{key}/revoke"), &[]).await;
    assert!(res.body.contains("id=\"revoke-confirm\"") && res.body.contains("区网格化平台"), "{}", res.body);
    assert_eq!(me(secret.clone()).await, StatusCode::OK, "not before the confirmation");
    let res = other.post(&format!("/console/admin/12315/keys/{key}/revoke"), &[("confirm", "yes")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "12319's key from 12315: {}", res.body);
    assert_eq!(me(secret.clone()).await, StatusCode::OK);
    let res = admin.post(&format!("/console/admin/12319/keys/{key}/revoke"), &[("confirm", "yes")]).await;
    assert_eq!(res.redirect(), Some("/console/admin/12319/keys"), "{}", res.body);
    assert_eq!(me(secret).await, StatusCode::UNAUTHORIZED);
    assert!(admin.get("/console/admin/12319/keys").await.body.contains("data-revoked=\"true\""));
}

//! Who reaches the line admin pages: a tenant admin their own line only (another line's pages
//! and records read as not found); the city admin every line, the platform included; other
//! roles are refused in words, on every tab, reading or posting.

use reqwest::StatusCode;

use crate::console_kit::{Answer, Console};
use crate::helpers::TestApp;

const TABS: [&str; 6] = ["rules", "units", "users", "calendar", "knowledge", "keys"];

fn not_found(res: &Answer, what: &str) {
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{what}: {}", res.body);
    assert!(res.body.contains("没有找到") && !res.body.contains("{\""), "{what}: words, not JSON: {}", res.body);
}

fn forbidden(res: &Answer, what: &str) {
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{what}: {}", res.body);
    assert!(res.body.contains("您的角色不能执行此操作") && !res.body.contains("{\""), "{what}: words, not JSON: {}", res.body);
}

#[tokio::test]
async fn another_line_reads_as_not_found_and_other_roles_are_refused_on_every_admin_page() {
    let app = TestApp::spawn().await;
    let city = app.token("city_admin").await;
    let other_set = app.first_id("/api/v1/tenants/12315/rule-sets", &city).await;
    let other_unit = app.first_id("/api/v1/tenants/12315/units", &city).await;
    let other_user = app.first_id("/api/v1/tenants/12315/users", &city).await;

    let mut admin = Console::login(&app, "admin_12319").await;
    for tab in TABS {
        not_found(&admin.get(&format!("/console/admin/12315/{tab}")).await, tab);
        assert_eq!(admin.get(&format!("/console/admin/12319/{tab}")).await.status, StatusCode::OK, "{tab} of the own line");
    }
    not_found(&admin.get(&format!("/console/admin/12315/rules/{other_set}")).await, "a version of 12315");
    not_found(&admin.get(&format!("/console/admin/12319/rules/{other_set}")).await, "12315's version under 12319");
    not_found(&admin.get(&format!("/console/admin/12319/units/{other_unit}")).await, "12315's unit under 12319");
    not_found(&admin.get(&format!("/console/admin/12319/users/{other_user}")).await, "12315's user under 12319");
    not_found(&admin.post(&format!("/console/admin/12319/rules/{other_set}/publish"), &[]).await, "publishing 12315's version");
    not_found(&admin.post("/console/admin/12315/units", &[("name", "越权单位"), ("kind", "other")]).await, "a unit for 12315");
    let (_, units) = app.get("/api/v1/tenants/12315/units?q=越权单位", &city).await;
    assert_eq!(units["items"].as_array().unwrap().len(), 0, "nothing was created");

    // Roles other than the administrators': the index, each tab, and a post.
    for user in ["handler_12319", "agent"] {
        let mut c = Console::login(&app, user).await;
        forbidden(&c.get("/console/admin").await, user);
        let own = if user == "agent" { "12345" } else { "12319" };
        for tab in TABS {
            forbidden(&c.get(&format!("/console/admin/{own}/{tab}")).await, &format!("{user} on {tab}"));
        }
        forbidden(&c.post(&format!("/console/admin/{own}/keys"), &[("name", "偷偷建的")]).await, &format!("{user} making a key"));
    }
    let security = app.token("security_admin").await;
    let (_, keys) = app.get("/api/v1/tenants/12319/api-keys", &security).await;
    assert_eq!(keys["items"].as_array().unwrap().len(), 0, "no key was made");

    // The city admin picks any line, the platform included (which has no units tab).
    let mut city_admin = Console::login(&app, "city_admin").await;
    let index = city_admin.get("/console/admin").await;
    assert_eq!(index.status, StatusCode::OK, "{}", index.body);
    for code in ["12345", "12319", "12315"] {
        assert!(index.body.contains(&format!("href=\"/console/admin/{code}/rules\"")), "{code} offered: {}", index.body);
    }
    for tab in TABS.iter().filter(|t| **t != "keys") {
        let res = city_admin.get(&format!("/console/admin/12315/{tab}")).await;
        assert_eq!(res.status, StatusCode::OK, "{tab} of 12315: {}", res.body);
    }
    // Integrator keys are no system administrator's work (三员分立): neither offered nor served.
    forbidden(&city_admin.get("/console/admin/12315/keys").await, "the city admin on keys");
    let platform = city_admin.get("/console/admin/12345/rules").await;
    assert_eq!(platform.status, StatusCode::OK, "{}", platform.body);
    assert!(!platform.body.contains("data-tab=\"units\"") && !platform.body.contains("data-tab=\"keys\""), "{}", platform.body);
    let version = city_admin.get(&format!("/console/admin/12315/rules/{other_set}")).await;
    assert!(version.status == StatusCode::OK && version.body.contains("id=\"rules-json\""), "{}", version.body);
    city_admin.cookies.push(("hl_lang".into(), "en".into()));
    let english = city_admin.get("/console/admin/12315/users").await;
    assert!(english.body.contains("Users · ") && english.body.contains(">Roles<") && !english.body.contains("角色"), "{}", english.body);
}

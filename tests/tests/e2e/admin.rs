//! The admin API: lines, units, users and API keys, with validation and conflicts.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::POST, path, token, Some(body)).await
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::PATCH, path, token, Some(body)).await
}

#[tokio::test]
async fn the_city_admin_creates_and_changes_a_line() {
    let app = TestApp::spawn().await;
    let admin = app.token("city_admin").await;
    let line = json!({"code": "12342", "name": "营商环境投诉热线", "merge_mode": "parallel", "numbers": ["12342", "0591-87654321"]});
    let (status, created) = post(&app, "/api/v1/tenants", &admin, line.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["kind"], "line");
    assert_eq!(created["numbers"], json!(["12342", "059187654321"]));
    assert_eq!(created["time_zone"], "Asia/Shanghai");

    assert_eq!(post(&app, "/api/v1/tenants", &admin, line).await.0, StatusCode::CONFLICT);
    let (status, body) =
        post(&app, "/api/v1/tenants", &admin, json!({"code": "12343", "name": "x", "merge_mode": "parallel", "numbers": ["12319"]})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("number_taken")), "12319 already rings into 12319");

    let (status, changed) = patch(&app, "/api/v1/tenants/12342", &admin, json!({"merge_mode": "absorbed", "numbers": []})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["merge_mode"], "absorbed");
    assert_eq!(changed["numbers"], json!([]));
    let (status, body) = patch(&app, "/api/v1/tenants/12342", &admin, json!({"numbers": ["12342"]})).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("absorbed_line_has_no_number")));
    let (status, body) = patch(&app, "/api/v1/tenants/12345", &admin, json!({"status": "suspended"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn invalid_tenant_input_names_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.token("city_admin").await;
    for (body, field) in [
        (json!({"code": "1 2", "name": "x", "merge_mode": "parallel"}), "code"),
        (json!({"code": "12342", "name": "", "merge_mode": "parallel"}), "name"),
        (json!({"code": "12342", "name": "x", "merge_mode": "merged"}), "merge_mode"),
        (json!({"code": "12342", "name": "x", "merge_mode": "parallel", "numbers": ["12a"]}), "numbers[0]"),
        (json!({"code": "12342", "name": "x", "merge_mode": "parallel", "time_zone": "Mars/Base"}), "time_zone"),
        (json!({"code": "12342", "name": "x", "merge_mode": "absorbed", "numbers": ["12342"]}), "numbers"),
    ] {
        let (status, resp) = post(&app, "/api/v1/tenants", &admin, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {resp}");
        assert_eq!(resp["code"], "validation_failed");
        assert_eq!(resp["field"], field, "{body}: {resp}");
    }
    let (status, resp) = post(&app, "/api/v1/tenants", &admin, json!({"code": 12342})).await;
    assert_eq!((status, resp["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_body")));
}

#[tokio::test]
async fn a_tenant_admin_builds_the_unit_tree_with_one_fallback_per_district() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin_12319").await;
    let base = "/api/v1/tenants/12319/units";
    let (_, gulou) = app.get(&format!("{base}?district=鼓楼区&kind=district_government"), &admin).await;
    let gulou_id = gulou["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(gulou["items"][0]["is_district_fallback"], true);

    let (status, street) =
        post(&app, base, &admin, json!({"name": "东街街道办事处", "kind": "street_office", "parent_id": gulou_id, "district": "鼓楼区"}))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{street}");
    let street_id = street["id"].as_str().unwrap().to_owned();

    // A second fallback for the same district is refused; so is a fallback that is no district government.
    let (status, body) = post(
        &app,
        base,
        &admin,
        json!({"name": "鼓楼区城管局", "kind": "district_government", "district": "鼓楼区", "is_district_fallback": true}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("fallback_exists")));
    let (status, body) =
        post(&app, base, &admin, json!({"name": "x", "kind": "utility", "district": "鼓楼区", "is_district_fallback": true})).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("fallback_not_district_government")));
    // Names are unique in a line; parents must exist in the line; no cycles.
    assert_eq!(post(&app, base, &admin, json!({"name": "东街街道办事处", "kind": "street_office"})).await.0, StatusCode::CONFLICT);
    let (status, body) =
        post(&app, base, &admin, json!({"name": "y", "kind": "other", "parent_id": "01900000-0000-7000-8000-000000000000"})).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id")));
    let (status, body) = patch(&app, &format!("{base}/{gulou_id}"), &admin, json!({"parent_id": street_id})).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("cycle")));
    // Clearing a parent with null works.
    let (status, body) = patch(&app, &format!("{base}/{street_id}"), &admin, json!({"parent_id": null})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["parent_id"].is_null());
}

#[tokio::test]
async fn accounts_follow_the_password_and_role_rules() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin_12369").await;
    let base = "/api/v1/tenants/12369/users";
    let unit = app.first_id("/api/v1/tenants/12369/units", &admin).await;
    let user = |name: &str, password: &str, roles: Value, unit: Option<&str>| json!({"username": name, "display_name": "李娜", "password": password, "roles": roles, "unit_id": unit});
    for (body, reason) in [
        (user("li.na", "short", json!(["unit_handler"]), Some(&unit)), "password_too_short"),
        (user("li.na", "password123", json!(["unit_handler"]), Some(&unit)), "password_too_common"),
        (user("li.na", "a fine long passphrase", json!(["city_admin"]), None), "role_not_allowed_in_tenant"),
        (user("li.na", "a fine long passphrase", json!(["unit_handler"]), None), "required"),
        (user("li.na", "a fine long passphrase", json!(["integrator"]), None), "role_not_assignable"),
        (user("li.na", "a fine long passphrase", json!(["emperor"]), None), "invalid_value"),
        (user("li na", "a fine long passphrase", json!(["agent"]), None), "invalid_username"),
    ] {
        let (status, resp) = post(&app, base, &admin, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {resp}");
        assert_eq!(resp["reason"], reason, "{body}: {resp}");
    }
    let (status, created) = post(&app, base, &admin, user("li.na", "a fine long passphrase", json!(["unit_handler"]), Some(&unit))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created.get("password_hash").is_none());
    assert_eq!(app.login_as("li.na", "a fine long passphrase").await.status(), StatusCode::OK);
    let (status, body) = post(&app, base, &admin, user("LI.NA", "a fine long passphrase", json!(["agent"]), None)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("username_taken")));

    // A password reset ends the user's sessions; the new password works.
    let session = app.token_with("li.na", "a fine long passphrase").await;
    let id = created["id"].as_str().unwrap();
    let (status, _) = patch(&app, &format!("{base}/{id}"), &admin, json!({"password": "another fine passphrase"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/me", &session).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.login_as("li.na", "another fine passphrase").await.status(), StatusCode::OK);

    // Administrators cannot lock themselves out.
    let me = app.first_id(&format!("{base}?q=admin_12369"), &admin).await;
    let (status, body) = patch(&app, &format!("{base}/{me}"), &admin, json!({"status": "disabled"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("self_lockout")));
}

#[tokio::test]
async fn lists_page_by_cursor_and_filter() {
    let app = TestApp::spawn().await;
    let admin = app.token("city_admin").await;
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = app.get(&format!("/api/v1/tenants?limit=4&after={after}"), &admin).await;
        assert_eq!(status, StatusCode::OK);
        for t in page["items"].as_array().unwrap() {
            seen.push(t["code"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => after = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 9);
    let mut dedup = seen.clone();
    dedup.dedup();
    assert_eq!(dedup, seen, "no duplicates across pages");
    let (_, subs) = app.get("/api/v1/tenants?merge_mode=sub_centre", &admin).await;
    let codes: Vec<&str> = subs["items"].as_array().unwrap().iter().map(|t| t["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["12398", "12333"]);
    let (_, handlers) = app.get("/api/v1/tenants/12319/users?role=unit_handler", &admin).await;
    assert_eq!(handlers["items"].as_array().unwrap().len(), 1);
    for bad in ["limit=0", "limit=201", "after=nope", "kind=planet", "color=red"] {
        let (status, body) = app.get(&format!("/api/v1/tenants?{bad}"), &admin).await;
        assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {status} {body}");
    }
}

#[tokio::test]
async fn api_keys_are_shown_once_scoped_to_their_tenant_and_revocable() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin_12398").await;
    let (status, created) = post(&app, "/api/v1/tenants/12398/api-keys", &admin, json!({"name": "供电公司工单系统"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("hlk_"));
    let (_, list) = app.get("/api/v1/tenants/12398/api-keys", &admin).await;
    assert!(!list.to_string().contains(&secret), "the secret is never listed");

    let me = app.client.get(app.url("/api/v1/me")).header("x-api-key", &secret).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!((me["kind"].as_str(), me["tenant_code"].as_str()), (Some("api_key"), Some("12398")));
    assert_eq!(me["roles"], json!(["integrator"]));
    // The key reads its own line's units, nothing of another line, and no accounts.
    let get = |path: String| app.client.get(app.url(&path)).header("authorization", format!("ApiKey {secret}")).send();
    assert_eq!(get("/api/v1/tenants/12398/units".into()).await.unwrap().status(), StatusCode::OK);
    assert_eq!(get("/api/v1/tenants/12319/units".into()).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(get("/api/v1/tenants/12398/users".into()).await.unwrap().status(), StatusCode::FORBIDDEN);

    let id = created["id"].as_str().unwrap();
    let (status, revoked) = app.call(Method::DELETE, &format!("/api/v1/tenants/12398/api-keys/{id}"), &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(revoked["revoked_at"].is_string());
    let me = app.client.get(app.url("/api/v1/me")).header("x-api-key", &secret).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let forged = format!("{}x", &secret[..secret.len() - 1]);
    let me = app.client.get(app.url("/api/v1/me")).header("x-api-key", forged).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admin_changes_are_audited_and_a_line_auditor_sees_only_their_line() {
    let app = TestApp::spawn().await;
    let city_admin = app.token("city_admin").await;
    // The system administrator makes the account, the security administrator makes it an auditor.
    let body = json!({"username": "audit.12319", "display_name": "审计员", "password": "a fine long passphrase", "roles": ["agent"]});
    assert_eq!(post(&app, "/api/v1/tenants/12319/users", &city_admin, body).await.0, StatusCode::CREATED);
    app.grant("12319", "audit.12319", &["auditor"]).await;
    let admin_12315 = app.token("admin_12315").await;
    assert_eq!(post(&app, "/api/v1/tenants/12315/api-keys", &admin_12315, json!({"name": "k"})).await.0, StatusCode::CREATED);
    let admin_12319 = app.token("admin_12319").await;
    let unit = json!({"name": "审计测试单位", "kind": "other"});
    assert_eq!(post(&app, "/api/v1/tenants/12319/units", &admin_12319, unit).await.0, StatusCode::CREATED);

    let line_auditor = app.token_with("audit.12319", "a fine long passphrase").await;
    let (status, events) = app.get("/api/v1/audit-events?limit=200", &line_auditor).await;
    assert_eq!(status, StatusCode::OK);
    let items = events["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["action"] == "unit.create" && e["actor_name"] == "admin_12319"), "the line admin's work: {events}");
    assert!(!items.iter().any(|e| e["action"] == "api_key.create"), "12315's events stay in 12315");
    // What the officers (三员) did in the line is for the audit administrator only.
    assert!(!items.iter().any(|e| e["action"] == "user.create" || e["action"] == "user.roles"), "{events}");
    assert!(items.iter().all(|e| e["actor_duty"].is_null()), "{events}");
    assert_eq!(app.get("/api/v1/audit-events?tenant=12315", &line_auditor).await.0, StatusCode::NOT_FOUND);

    let city_auditor = app.token("auditor").await;
    let (_, all) = app.get("/api/v1/audit-events?tenant=12315&action=api_key.create", &city_auditor).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let newest = &all["items"][0];
    assert_eq!(newest["actor_name"], "admin_12315");
    assert_eq!(newest["outcome"], "success");
    let (_, officers) = app.get("/api/v1/audit-events?tenant=12319&limit=200", &city_auditor).await;
    let officers = officers["items"].as_array().unwrap();
    assert!(officers.iter().any(|e| e["action"] == "user.create" && e["actor_duty"] == "system" && e["target"] == "audit.12319"));
    assert!(officers.iter().any(|e| e["action"] == "user.roles" && e["actor_duty"] == "security" && e["detail"] == "agent -> auditor"));
}

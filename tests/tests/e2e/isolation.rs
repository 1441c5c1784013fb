//! Tenant isolation of every admin endpoint: another tenant's records are indistinguishable
//! from missing ones, and roles without the right are refused.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const MISSING: &str = "01900000-0000-7000-8000-000000000000";

/// Every admin endpoint with placeholders: {code} tenant, {unit}, {user}, {key}.
fn endpoints() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/api/v1/tenants/{code}", None),
        (Method::PATCH, "/api/v1/tenants/{code}", Some(json!({"name": "改名"}))),
        (Method::GET, "/api/v1/tenants/{code}/units", None),
        (Method::POST, "/api/v1/tenants/{code}/units", Some(json!({"name": "新科室", "kind": "department_office"}))),
        (Method::GET, "/api/v1/tenants/{code}/units/{unit}", None),
        (Method::PATCH, "/api/v1/tenants/{code}/units/{unit}", Some(json!({"name": "改名科室"}))),
        (Method::GET, "/api/v1/tenants/{code}/users", None),
        (
            Method::POST,
            "/api/v1/tenants/{code}/users",
            Some(json!({"username": "intruder", "display_name": "x", "password": "a long enough passphrase", "roles": ["agent"]})),
        ),
        (Method::GET, "/api/v1/tenants/{code}/users/{user}", None),
        (Method::PATCH, "/api/v1/tenants/{code}/users/{user}", Some(json!({"display_name": "改名"}))),
        (Method::GET, "/api/v1/tenants/{code}/api-keys", None),
        (Method::POST, "/api/v1/tenants/{code}/api-keys", Some(json!({"name": "stolen"}))),
        (Method::DELETE, "/api/v1/tenants/{code}/api-keys/{key}", None),
        (Method::GET, "/api/v1/tenants/{code}/sla-policy", None),
        (Method::PUT, "/api/v1/tenants/{code}/sla-policy", Some(json!({"entries": []}))),
    ]
}

struct Ids {
    unit: String,
    user: String,
    key: String,
}

async fn ids_of(app: &TestApp, code: &str) -> Ids {
    let admin = app.token(&format!("admin_{code}")).await;
    let unit = app.first_id(&format!("/api/v1/tenants/{code}/units"), &admin).await;
    let user = app.first_id(&format!("/api/v1/tenants/{code}/users"), &admin).await;
    let (status, key) =
        app.call(Method::POST, &format!("/api/v1/tenants/{code}/api-keys"), &admin, Some(json!({"name": "区网格化平台"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    Ids { unit, user, key: key["id"].as_str().unwrap().to_owned() }
}

fn fill(path: &str, code: &str, ids: &Ids) -> String {
    path.replace("{code}", code).replace("{unit}", &ids.unit).replace("{user}", &ids.user).replace("{key}", &ids.key)
}

#[tokio::test]
async fn another_tenants_records_look_exactly_like_missing_ones() {
    let app = TestApp::spawn().await;
    let theirs = ids_of(&app, "12315").await;
    let ours = ids_of(&app, "12319").await;
    let missing = Ids { unit: MISSING.into(), user: MISSING.into(), key: MISSING.into() };
    let admin = app.token("admin_12319").await;
    for (method, path, body) in endpoints() {
        let (s_other, b_other) = app.call(method.clone(), &fill(path, "12315", &theirs), &admin, body.clone()).await;
        let (s_missing, b_missing) = app.call(method.clone(), &fill(path, "99999", &missing), &admin, body.clone()).await;
        assert_eq!(s_other, StatusCode::NOT_FOUND, "{method} {path}: {b_other}");
        assert_eq!((s_other, &b_other), (s_missing, &b_missing), "{method} {path}");
        if path.contains("{unit}") || path.contains("{user}") || path.contains("{key}") {
            // Their ids under our own code are missing too.
            let (s_mixed, b_mixed) = app.call(method.clone(), &fill(path, "12319", &theirs), &admin, body.clone()).await;
            let (s_own_missing, b_own_missing) = app.call(method.clone(), &fill(path, "12319", &missing), &admin, body.clone()).await;
            assert_eq!(s_mixed, StatusCode::NOT_FOUND, "{method} {path} with their ids: {b_mixed}");
            assert_eq!((s_mixed, b_mixed), (s_own_missing, b_own_missing), "{method} {path}");
        }
    }
    // Nothing of theirs changed: their unit still has its name, no key was revoked.
    let their_admin = app.token("admin_12315").await;
    let (_, keys) = app.get("/api/v1/tenants/12315/api-keys", &their_admin).await;
    assert!(keys["items"][0]["revoked_at"].is_null());
    let (_, users) = app.get("/api/v1/tenants/12315/users?q=intruder", &their_admin).await;
    assert_eq!(users["items"], json!([]));
    let _ = ours;
}

#[tokio::test]
async fn lists_show_only_the_callers_own_tenant() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin_12319").await;
    let (status, body) = app.get("/api/v1/tenants", &admin).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = body["items"].as_array().unwrap().iter().map(|t| t["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["12319"]);
    let city = app.token("city_supervisor").await;
    let (_, all) = app.get("/api/v1/tenants?limit=200", &city).await;
    assert!(all["items"].as_array().unwrap().len() >= 9);
}

#[tokio::test]
async fn roles_without_the_right_are_refused_on_their_own_tenant() {
    let app = TestApp::spawn().await;
    let ours = ids_of(&app, "12319").await;
    let handler = app.token("handler_12319").await;
    for (method, path, body) in endpoints() {
        let path = fill(path, "12319", &ours);
        let (status, resp) = app.call(method.clone(), &path, &handler, body).await;
        let reads_allowed = method == Method::GET && (path.ends_with("/12319") || path.contains("/units"));
        if reads_allowed {
            assert_eq!(status, StatusCode::OK, "{method} {path}: {resp}");
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {resp}");
            assert_eq!(resp["code"], "forbidden");
        }
    }
    // A tenant admin cannot change the tenant record itself, nor create lines, nor read the audit log.
    let admin = app.token("admin_12319").await;
    assert_eq!(app.call(Method::PATCH, "/api/v1/tenants/12319", &admin, Some(json!({"name": "x"}))).await.0, StatusCode::FORBIDDEN);
    let new_line = json!({"code": "12342", "name": "营商环境热线", "merge_mode": "parallel"});
    assert_eq!(app.call(Method::POST, "/api/v1/tenants", &admin, Some(new_line)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/audit-events", &admin).await.0, StatusCode::FORBIDDEN);
    // The city office reads everything but changes nothing.
    let supervisor = app.token("city_supervisor").await;
    assert_eq!(app.get("/api/v1/tenants/12319/users", &supervisor).await.0, StatusCode::OK);
    let patch = json!({"display_name": "x"});
    let (status, _) = app.call(Method::PATCH, &format!("/api/v1/tenants/12319/users/{}", ours.user), &supervisor, Some(patch)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn refusals_are_audited() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin_12319").await;
    let _ = app.get("/api/v1/tenants/12315/users", &admin).await;
    let handler = app.token("handler_12319").await;
    let _ = app.get("/api/v1/tenants/12319/users", &handler).await;
    let auditor = app.token("auditor").await;
    let (_, body) = app.get("/api/v1/audit-events?outcome=denied&limit=200", &auditor).await;
    let items = body["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["actor_name"] == "admin_12319" && e["action"] == "tenant.access" && e["target"] == "12315"), "{body}");
    assert!(items.iter().any(|e| e["actor_name"] == "handler_12319" && e["action"] == "user.read"), "{body}");
}

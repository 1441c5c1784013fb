//! Separation of duties (三员分立): the system administrator (`city_admin`), the security
//! administrator (`security_admin`) and the audit administrator (`auditor` of the platform)
//! are each refused the others' work; privileged roles are granted by the security
//! administrator only, one per account; what the three did is read by the audit administrator
//! and nobody else. Every refusal and every export is in the audit log.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const PASSWORD: &str = "a long test passphrase";

async fn status(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> StatusCode {
    let (status, body) = app.call(method.clone(), path, token, body).await;
    if status == StatusCode::FORBIDDEN {
        assert_eq!(body["code"].as_str().map(|c| !c.is_empty()), Some(true), "{method} {path}: {body}");
    }
    status
}

/// The endpoints of each duty, with a body that would be accepted from the right officer.
fn work(user: &str) -> Vec<(&'static str, Method, String, Option<Value>)> {
    let roles = format!("/api/v1/tenants/12319/users/{user}/roles");
    let mfa = format!("/api/v1/tenants/12319/users/{user}/mfa");
    let patch = format!("/api/v1/tenants/12319/users/{user}");
    vec![
        (
            "system",
            Method::POST,
            "/api/v1/tenants".into(),
            Some(json!({"code": "12342", "name": "营商环境热线", "merge_mode": "parallel"})),
        ),
        ("system", Method::POST, "/api/v1/tenants/12319/units".into(), Some(json!({"name": "新设单位", "kind": "other"}))),
        (
            "system",
            Method::POST,
            "/api/v1/tenants/12319/users".into(),
            Some(json!({"username": "new.12319", "display_name": "新人", "password": PASSWORD, "roles": ["agent"]})),
        ),
        ("system", Method::PATCH, patch, Some(json!({"display_name": "改名"}))),
        ("security", Method::PUT, roles, Some(json!({"roles": ["dispatcher"]}))),
        ("security", Method::DELETE, mfa, None),
        ("security", Method::GET, "/api/v1/security-policy".into(), None),
        ("security", Method::POST, "/api/v1/tenants/12319/api-keys".into(), Some(json!({"name": "网格平台"}))),
        ("audit", Method::GET, "/api/v1/audit-events".into(), None),
        ("audit", Method::POST, "/api/v1/audit-events/verify".into(), None),
        ("audit", Method::GET, "/api/v1/audit-events/export".into(), None),
    ]
}

#[tokio::test]
async fn each_officer_is_refused_the_others_work_and_does_their_own() {
    let app = TestApp::spawn().await;
    let officers = [("system", "city_admin"), ("security", "security_admin"), ("audit", "auditor")];
    let city = app.token("city_admin").await;
    let handler = app.first_id("/api/v1/tenants/12319/users?q=handler_12319", &city).await;
    for (duty, name) in officers {
        let token = app.token(name).await;
        for (owner, method, path, body) in work(&handler) {
            if owner == duty {
                continue;
            }
            let got = status(&app, method.clone(), &path, &token, body).await;
            assert_eq!(got, StatusCode::FORBIDDEN, "{name} ({duty}) on {owner}'s {method} {path}");
        }
    }
    // And each does their own (in an order that keeps the account the others work on).
    for (duty, name) in officers {
        let token = app.token(name).await;
        for (owner, method, path, body) in work(&handler) {
            if owner != duty {
                continue;
            }
            let got = status(&app, method.clone(), &path, &token, body).await;
            assert!(got.is_success(), "{name} on {method} {path}: {got}");
        }
    }
    // A line's administrator and another line's are refused the security and audit work too.
    let line_admin = app.token("admin_12319").await;
    let other_admin = app.token("admin_12315").await;
    let roles = format!("/api/v1/tenants/12319/users/{handler}/roles");
    assert_eq!(status(&app, Method::PUT, &roles, &line_admin, Some(json!({"roles": ["unit_lead"]}))).await, StatusCode::FORBIDDEN);
    assert_eq!(status(&app, Method::PUT, &roles, &other_admin, Some(json!({"roles": ["unit_lead"]}))).await, StatusCode::NOT_FOUND);
    for path in ["/api/v1/audit-events/verify", "/api/v1/security-policy"] {
        let method = if path.ends_with("verify") { Method::POST } else { Method::GET };
        assert_eq!(status(&app, method, path, &line_admin, None).await, StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn privileged_roles_are_granted_by_the_security_administrator_one_per_account() {
    let app = TestApp::spawn().await;
    let city = app.token("city_admin").await;
    let security = app.token("security_admin").await;
    let users = "/api/v1/tenants/12319/users";
    let account = |roles: Value| json!({"username": "head.12319", "display_name": "局长", "password": PASSWORD, "roles": roles});
    let (status, body) = app.call(Method::POST, users, &city, Some(account(json!(["tenant_admin"])))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("privileged_role")), "{body}");
    let (status, created) = app.call(Method::POST, users, &city, Some(account(json!(["dispatcher"])))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let (status, body) = app.call(Method::PATCH, &format!("{users}/{id}"), &city, Some(json!({"roles": ["tenant_admin"]}))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("privileged_role")));
    // Everyday roles stay the system administrator's to change.
    assert_eq!(app.call(Method::PATCH, &format!("{users}/{id}"), &city, Some(json!({"roles": ["agent"]}))).await.0, StatusCode::OK);

    let session = app.token_with("head.12319", PASSWORD).await;
    let roles = format!("{users}/{id}/roles");
    let (status, body) = app.call(Method::PUT, &roles, &security, Some(json!({"roles": ["tenant_admin", "auditor"]}))).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("separation_of_duties")), "{body}");
    let (status, body) = app.call(Method::PUT, &roles, &security, Some(json!({"roles": ["emperor"]}))).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("roles[0]")), "{body}");
    let (status, body) = app.call(Method::PUT, &roles, &security, Some(json!({"roles": ["tenant_admin"]}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["roles"], json!(["tenant_admin"]));
    assert_eq!(app.get("/api/v1/me", &session).await.0, StatusCode::UNAUTHORIZED, "new rights, new sign-in");
    let head = app.token_with("head.12319", PASSWORD).await;
    let unit = json!({"name": "局长新设单位", "kind": "other"});
    assert_eq!(app.call(Method::POST, "/api/v1/tenants/12319/units", &head, Some(unit)).await.0, StatusCode::CREATED);

    // Nobody changes their own roles; the last of an officer kind stays.
    let me = app.first_id("/api/v1/tenants/12345/users?q=security_admin", &security).await;
    let (status, body) =
        app.call(Method::PUT, &format!("/api/v1/tenants/12345/users/{me}/roles"), &security, Some(json!({"roles": ["agent"]}))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("own_roles")));
    let auditor = app.first_id("/api/v1/tenants/12345/users?q=auditor", &security).await;
    let (status, body) =
        app.call(Method::PUT, &format!("/api/v1/tenants/12345/users/{auditor}/roles"), &security, Some(json!({"roles": ["agent"]}))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("last_officer")));
    let (status, body) =
        app.call(Method::PATCH, &format!("/api/v1/tenants/12345/users/{auditor}"), &city, Some(json!({"status": "disabled"}))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("last_officer")));
    // A security administrator is a platform officer only.
    let (status, body) = app.call(Method::PUT, &roles, &security, Some(json!({"roles": ["security_admin"]}))).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("role_not_allowed_in_tenant")));
}

#[tokio::test]
async fn only_the_audit_administrator_reads_what_the_officers_did() {
    let app = TestApp::spawn().await;
    let city = app.token("city_admin").await;
    let security = app.token("security_admin").await;
    let body = json!({"username": "audit.12319", "display_name": "审计员", "password": PASSWORD, "roles": ["agent"]});
    assert_eq!(app.call(Method::POST, "/api/v1/tenants/12319/users", &city, Some(body)).await.0, StatusCode::CREATED);
    app.grant("12319", "audit.12319", &["auditor"]).await;
    // A refusal of the system administrator and an export by the city office.
    let _ = app.get("/api/v1/security-policy", &city).await;
    let office = app.token("city_supervisor").await;
    let csv = app.client.get(app.url("/api/v1/stats/summary.csv")).bearer_auth(&office).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);

    let auditor = app.token("auditor").await;
    let (status, all) = app.get("/api/v1/audit-events?limit=200", &auditor).await;
    assert_eq!(status, StatusCode::OK);
    let items = all["items"].as_array().unwrap();
    let by = |duty: &str, action: &str| items.iter().any(|e| e["actor_duty"] == duty && e["action"] == action);
    assert!(by("system", "user.create"), "{all}");
    assert!(by("security", "user.roles"), "{all}");
    assert!(by("system", "security_policy.read") && by("security", "auth.login"), "{all}");
    assert!(items.iter().any(|e| e["action"] == "export" && e["actor_name"] == "city_supervisor"), "exports are recorded: {all}");

    // Nobody else reads them: not the officers themselves, not a line's auditor.
    for name in ["city_admin", "security_admin", "city_supervisor", "admin_12319"] {
        let token = app.token(name).await;
        assert_eq!(app.get("/api/v1/audit-events", &token).await.0, StatusCode::FORBIDDEN, "{name}");
    }
    let line_auditor = app.token_with("audit.12319", PASSWORD).await;
    let (status, line) = app.get("/api/v1/audit-events?limit=200&tenant=12319", &line_auditor).await;
    assert_eq!(status, StatusCode::OK);
    assert!(line["items"].as_array().unwrap().iter().all(|e| e["actor_duty"].is_null()), "{line}");
    assert!(!line.to_string().contains("security_admin"), "{line}");
    for path in ["/api/v1/audit-events/export"] {
        assert_eq!(app.get(path, &line_auditor).await.0, StatusCode::FORBIDDEN, "a line's auditor exports nothing");
    }
    let _ = security;
}

#[tokio::test]
async fn every_refusal_is_recorded_once_with_who_and_where() {
    let app = TestApp::spawn().await;
    let handler = app.token("handler_12319").await;
    // A refusal no use case records itself is recorded at the edge …
    assert_eq!(app.get("/api/v1/calls/C-0001", &handler).await.0, StatusCode::FORBIDDEN);
    // … and one the use case recorded is not recorded twice.
    assert_eq!(app.get("/api/v1/tenants/12319/users", &handler).await.0, StatusCode::FORBIDDEN);
    let auditor = app.token("auditor").await;
    let (_, body) = app.get("/api/v1/audit-events?outcome=denied&limit=200", &auditor).await;
    let items = body["items"].as_array().unwrap();
    let edge: Vec<&Value> = items.iter().filter(|e| e["action"] == "http.forbidden" && e["actor_name"] == "handler_12319").collect();
    assert_eq!(edge.len(), 1, "{body}");
    assert_eq!(edge[0]["target"], "GET /api/v1/calls/C-0001");
    assert!(edge[0]["ip"].is_string());
    let core: Vec<&Value> = items.iter().filter(|e| e["actor_name"] == "handler_12319").collect();
    assert_eq!(core.len(), 2, "one record per refusal: {body}");
}

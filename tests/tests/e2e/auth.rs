use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{DEMO_PASSWORD, TestApp};

async fn login_pair(app: &TestApp, user: &str) -> Value {
    let res = app.login_as(user, DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let res = app.client.post(app.url("/api/v1/auth/refresh")).json(&json!({ "refresh_token": token })).send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn a_demo_user_signs_in_and_sees_who_they_are() {
    let app = TestApp::spawn().await;
    let pair = login_pair(&app, "admin_12319").await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    let (status, me) = app.get("/api/v1/me", pair["access_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["name"], "admin_12319");
    assert_eq!(me["tenant_code"], "12319");
    assert_eq!(me["roles"], json!(["tenant_admin"]));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let wrong = app.login_as("admin_12319", "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong: Value = wrong.json().await.unwrap();
    let unknown = app.login_as("nobody_here", "not-the-password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["code"], "invalid_credentials");
}

#[tokio::test]
async fn malformed_login_bodies_get_clear_errors() {
    let app = TestApp::spawn().await;
    let res =
        app.client.post(app.url("/api/v1/auth/login")).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_body");
    let res = app.client.post(app.url("/api/v1/auth/login")).json(&json!({ "username": "x" })).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app.client.post(app.url("/api/v1/auth/login")).body("username=x").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": "x", "password": "y", "role": "city_admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "unknown fields are refused");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let first = login_pair(&app, "handler_12319").await;
    let (status, second) = refresh(&app, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let access = second["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", &access).await.0, StatusCode::OK);

    // The first refresh token was spent: presenting it again is theft or a broken client.
    let (status, body) = refresh(&app, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "invalid_refresh_token");
    // Everything descended from that sign-in is now dead.
    assert_eq!(refresh(&app, second["refresh_token"].as_str().unwrap()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/me", &access).await.0, StatusCode::UNAUTHORIZED);
    // Another sign-in of the same user is unaffected.
    let other = login_pair(&app, "handler_12319").await;
    assert_eq!(app.get("/api/v1/me", other["access_token"].as_str().unwrap()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn unknown_refresh_tokens_are_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(refresh(&app, "made-up-token").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_tokens_expire() {
    let app = TestApp::spawn().await;
    let pair = login_pair(&app, "agent").await;
    app.clock.advance(chrono::Duration::days(15));
    assert_eq!(refresh(&app, pair["refresh_token"].as_str().unwrap()).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let pair = login_pair(&app, "agent").await;
    let access = pair["access_token"].as_str().unwrap();
    let (status, _) = app.call(Method::POST, "/api/v1/auth/logout", access, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", access).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh(&app, pair["refresh_token"].as_str().unwrap()).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_sign_in() {
    let app = TestApp::spawn().await;
    let handler = app.token("handler_12315").await;
    let admin = app.token("admin_12315").await;
    let id = app.first_id("/api/v1/tenants/12315/users?q=handler_12315", &admin).await;
    let (status, body) =
        app.call(Method::PATCH, &format!("/api/v1/tenants/12315/users/{id}"), &admin, Some(json!({"status": "disabled"}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.get("/api/v1/me", &handler).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.login_as("handler_12315", DEMO_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logins_and_refusals_are_audited() {
    let app = TestApp::spawn().await;
    let _ = app.login_as("admin_12369", "wrong-password-here").await;
    let _ = app.token("admin_12369").await;
    let _ = app.get("/api/v1/me", "garbage-token").await;
    let auditor = app.token("auditor").await;
    let (status, body) = app.get("/api/v1/audit-events?action=auth.login&limit=200", &auditor).await;
    assert_eq!(status, StatusCode::OK);
    let events = body["items"].as_array().unwrap();
    let failure = events.iter().find(|e| e["outcome"] == "failure" && e["detail"].as_str().unwrap_or("").contains("admin_12369"));
    assert!(failure.is_some(), "failed login recorded: {body}");
    assert!(failure.unwrap()["ip"].as_str().is_some());
    assert!(events.iter().any(|e| e["outcome"] == "success" && e["actor_name"] == "admin_12369"));
    let (_, tokens) = app.get("/api/v1/audit-events?action=auth.token", &auditor).await;
    assert!(tokens["items"].as_array().unwrap().iter().any(|e| e["outcome"] == "denied"), "token refusal recorded: {tokens}");
}

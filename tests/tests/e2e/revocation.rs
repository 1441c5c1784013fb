//! Revoked tokens are refused on every instance, and rotating the signing key signs nobody out.
//!
//! Every instance checks an access token's session and account in the shared database on each
//! request, so a logout, a disabled account or a second-factor reset on one instance is
//! refused by the next request on any other at once (no denylist to propagate, nothing cached).
//! Two instances share the database and Redis (PostgreSQL + Redis when configured, else the
//! same SQLite file).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{DEMO_PASSWORD, JWT_SECRET, TestApp};

const NEW_SECRET: &str = "rotated-secret-0123456789abcdef-0123";

async fn pair(app: &TestApp, user: &str) -> Value {
    let res = app.login_as(user, DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn access(p: &Value) -> &str {
    p["access_token"].as_str().unwrap()
}

fn kid(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_logout_on_one_instance_is_refused_on_the_other() {
    let a = TestApp::spawn().await;
    let b = a.second_instance().await;
    let p = pair(&a, "agent").await;
    assert_eq!(b.get("/api/v1/me", access(&p)).await.0, StatusCode::OK, "B accepts A's token");
    assert_eq!(a.call(Method::POST, "/api/v1/auth/logout", access(&p), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(b.get("/api/v1/me", access(&p)).await.0, StatusCode::UNAUTHORIZED, "refused on B at once");
    let res = b.client.post(b.url("/api/v1/auth/refresh")).json(&json!({"refresh_token": p["refresh_token"]})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "and so is its refresh token");
}

#[tokio::test]
async fn disabling_an_account_on_one_instance_ends_it_on_the_other() {
    let a = TestApp::spawn().await;
    let b = a.second_instance().await;
    let p = pair(&b, "handler_12369").await;
    let admin = a.token("admin_12369").await;
    let id = a.first_id("/api/v1/tenants/12369/users?q=handler_12369", &admin).await;
    let (status, _) =
        a.call(Method::PATCH, &format!("/api/v1/tenants/12369/users/{id}"), &admin, Some(json!({"status": "disabled"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(b.get("/api/v1/me", access(&p)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(a.get("/api/v1/me", access(&p)).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rotating_the_signing_key_keeps_everyone_signed_in() {
    let a = TestApp::spawn().await;
    let before = pair(&a, "dispatcher").await;
    assert_eq!(kid(access(&before)), "e2e");
    // Step 1 of a rotation: the new key is listed everywhere, then made active; the old one
    // stays listed until the last token it signed has expired.
    let rotated = format!("k2:{NEW_SECRET},e2e:{JWT_SECRET}");
    let b = a.second_instance_with(&[("HOTLINE_JWT_KEYS", &rotated), ("HOTLINE_JWT_ACTIVE_KID", "k2")]).await;
    assert_eq!(b.get("/api/v1/me", access(&before)).await.0, StatusCode::OK, "a token of the old key still works");
    let after = pair(&b, "dispatcher").await;
    assert_eq!(kid(access(&after)), "k2", "new tokens use the new key");
    assert_eq!(b.get("/api/v1/me", access(&after)).await.0, StatusCode::OK);
    // A refresh on the rotated instance turns an old pair into one of the new key.
    let res = b.client.post(b.url("/api/v1/auth/refresh")).json(&json!({"refresh_token": before["refresh_token"]})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(kid(res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap()), "k2");
    // Step 2, after access_token_ttl: the old key is removed; its tokens are refused.
    let c = a.second_instance_with(&[("HOTLINE_JWT_KEYS", &format!("k2:{NEW_SECRET}"))]).await;
    assert_eq!(c.get("/api/v1/me", access(&after)).await.0, StatusCode::OK);
    let (status, body) = c.get("/api/v1/me", access(&before)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
}

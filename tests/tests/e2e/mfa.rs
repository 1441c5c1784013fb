//! The TOTP second factor: enrolment and confirmation, the two-step sign-in, a code working
//! once, recovery codes working once, throttled wrong codes, officers made to enrol by the
//! policy, the secret encrypted and bound to its account, and the security administrator's
//! reset (nobody else's, never one's own).

use hotline_auth::{TotpSecret, step_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{DEMO_PASSWORD, TestApp};

/// An app whose clock stands ten minutes in the past: codes of later steps can be reached by
/// moving it forward while access tokens (checked against the real time) stay valid.
async fn app_with(extra: &[(&str, &str)]) -> TestApp {
    let app = TestApp::spawn_with(extra).await;
    app.clock.set(chrono::Utc::now() - chrono::Duration::minutes(10));
    app
}

async fn post(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let res = app.client.post(app.url(path)).json(&body).send().await.unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

async fn login(app: &TestApp, user: &str) -> Value {
    let res = app.login_as(user, DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn code(secret: &TotpSecret, app: &TestApp, offset: i64) -> String {
    secret.code_at(step_of(app.core.now()) + offset)
}

/// Enrols the signed-in `token`'s account; returns the secret and the recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (TotpSecret, Vec<String>) {
    let (status, e) = app.call(Method::POST, "/api/v1/me/mfa/enrol", token, None).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let uri = e["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Hotline%2012345:") && uri.contains("&period=30"), "{uri}");
    let secret = TotpSecret::from_base32(e["secret"].as_str().unwrap()).unwrap();
    let (status, body) = app.call(Method::POST, "/api/v1/me/mfa/confirm", token, Some(json!({"code": "000000"}))).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_mfa_code")), "{body}");
    let (status, body) = app.call(Method::POST, "/api/v1/me/mfa/confirm", token, Some(json!({"code": code(&secret, app, 0)}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes: Vec<String> = body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (secret, codes)
}

async fn verify(app: &TestApp, challenge: &Value, body: Value) -> (StatusCode, Value) {
    let mut body = body;
    body["mfa_token"] = challenge["mfa_token"].clone();
    post(app, "/api/v1/auth/mfa/verify", body).await
}

#[tokio::test]
async fn a_second_factor_makes_sign_in_two_steps_and_each_code_works_once() {
    let app = app_with(&[]).await;
    let token = app.token("agent").await;
    let (secret, recovery) = enrol(&app, &token).await;
    assert_eq!(recovery.len(), 10);
    let (_, status) = app.get("/api/v1/me/mfa", &token).await;
    assert_eq!((status["enabled"].as_bool(), status["recovery_codes_left"].as_u64()), (Some(true), Some(10)), "{status}");
    let (status, body) = app.call(Method::POST, "/api/v1/me/mfa/enrol", &token, None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("mfa_already_enabled")));

    // The password alone gives a challenge, which is no access token.
    let challenge = login(&app, "agent").await;
    assert_eq!(challenge["mfa_required"], true);
    assert_eq!(challenge["mfa_step"], "verify");
    assert!(challenge.get("access_token").is_none(), "{challenge}");
    assert_eq!(app.get("/api/v1/me", challenge["mfa_token"].as_str().unwrap()).await.0, StatusCode::UNAUTHORIZED);

    // The confirming code's step is spent; the next step's code signs in, once.
    let (status, body) = verify(&app, &challenge, json!({"code": code(&secret, &app, 0)})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_mfa_code")), "{body}");
    let next = code(&secret, &app, 1);
    let (status, tokens) = verify(&app, &challenge, json!({"code": next})).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(app.get("/api/v1/me", tokens["access_token"].as_str().unwrap()).await.0, StatusCode::OK);
    let again = login(&app, "agent").await;
    assert_eq!(verify(&app, &again, json!({"code": next})).await.0, StatusCode::UNAUTHORIZED, "the same code twice");
    app.clock.advance(chrono::Duration::seconds(90));
    let (status, _) = verify(&app, &again, json!({"code": code(&secret, &app, 0)})).await;
    assert_eq!(status, StatusCode::OK, "a later code");
    assert_eq!(verify(&app, &again, json!({"code": code(&secret, &app, 1)})).await.0, StatusCode::UNAUTHORIZED, "a challenge works once");

    // A recovery code works once, in any case and grouping.
    let challenge = login(&app, "agent").await;
    let spaced = recovery[3].to_uppercase().replace('-', " ");
    assert_eq!(verify(&app, &challenge, json!({"recovery_code": spaced})).await.0, StatusCode::OK);
    let challenge = login(&app, "agent").await;
    assert_eq!(verify(&app, &challenge, json!({"recovery_code": recovery[3]})).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = verify(&app, &challenge, json!({"code": "123456", "recovery_code": recovery[4]})).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("one_of")));
    let (status, body) = post(&app, "/api/v1/auth/mfa/verify", json!({"mfa_token": "forged.token.here", "code": "123456"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_mfa_token")));
    let token = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me/mfa", token).await.1["recovery_codes_left"], 9);
}

#[tokio::test]
async fn wrong_codes_are_throttled_and_audited() {
    let app = app_with(&[]).await;
    let token = app.token("dispatcher").await;
    let (secret, _) = enrol(&app, &token).await;
    let challenge = login(&app, "dispatcher").await;
    for _ in 0..5 {
        assert_eq!(verify(&app, &challenge, json!({"code": "999999"})).await.0, StatusCode::UNAUTHORIZED);
    }
    let res = app
        .client
        .post(app.url("/api/v1/auth/mfa/verify"))
        .json(&json!({"mfa_token": challenge["mfa_token"], "code": code(&secret, &app, 1)}));
    let res = res.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "even the right code waits");
    assert!(res.headers().get("retry-after").is_some());
    let auditor = app.token("auditor").await;
    let (_, body) = app.get("/api/v1/audit-events?action=auth.mfa&outcome=failure&limit=50", &auditor).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 5, "{body}");
}

#[tokio::test]
async fn officers_must_set_up_a_second_factor_before_they_sign_in() {
    let app = app_with(&[("HOTLINE_MFA_REQUIRED_ROLES", "security_admin,auditor")]).await;
    let challenge = login(&app, "security_admin").await;
    assert_eq!(challenge["mfa_step"], "enrol", "{challenge}");
    let t = challenge["mfa_token"].clone();
    assert_eq!(post(&app, "/api/v1/auth/mfa/verify", json!({"mfa_token": t, "code": "123456"})).await.0, StatusCode::UNAUTHORIZED);
    let (status, e) = post(&app, "/api/v1/auth/mfa/enrol", json!({"mfa_token": t})).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let secret = TotpSecret::from_base32(e["secret"].as_str().unwrap()).unwrap();
    let (status, body) = post(&app, "/api/v1/auth/mfa/enrol/confirm", json!({"mfa_token": t, "code": "000001"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_mfa_code")));
    let (status, body) = post(&app, "/api/v1/auth/mfa/enrol/confirm", json!({"mfa_token": t, "code": code(&secret, &app, 0)})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["recovery_codes"].as_array().unwrap().len(), 10);
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/security-policy", access).await.1["mfa_required_roles"], json!(["security_admin", "auditor"]));
    assert_eq!(login(&app, "security_admin").await["mfa_step"], "verify", "from now on: a code");
    // Roles the policy does not name sign in with a password.
    assert!(login(&app, "city_admin").await["access_token"].is_string());
}

#[tokio::test]
async fn the_secret_is_encrypted_and_useless_in_another_account() {
    let app = app_with(&[]).await;
    let (agent, dispatcher) = (app.token("agent").await, app.token("dispatcher").await);
    let (secret, _) = enrol(&app, &agent).await;
    let _ = enrol(&app, &dispatcher).await;
    use sea_orm::{ConnectionTrait, EntityTrait};
    let rows = hotline_store::entities::user_mfa::Entity::find().all(&app.raw_db().await).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| !r.secret_enc.contains(&secret.to_base32())), "encrypted at rest");
    // An insider copies the agent's encrypted secret onto the dispatcher's account.
    let me = app.core.authenticate_token(&agent).await.unwrap().id;
    let theirs = rows.iter().find(|r| r.user_id != me).unwrap();
    let mine = rows.iter().find(|r| r.user_id == me).unwrap();
    let sql = format!("UPDATE user_mfa SET secret_enc = '{}' WHERE user_id = '{}'", mine.secret_enc, theirs.user_id);
    app.raw_db().await.execute_unprepared(&sql).await.unwrap();
    let challenge = login(&app, "dispatcher").await;
    let (status, _) = verify(&app, &challenge, json!({"code": code(&secret, &app, 1)})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the copy does not decrypt in another account");
}

#[tokio::test]
async fn the_security_administrator_resets_a_lost_factor() {
    let app = app_with(&[]).await;
    let agent = app.token("agent").await;
    let _ = enrol(&app, &agent).await;
    let security = app.token("security_admin").await;
    let id = app.first_id("/api/v1/tenants/12345/users?q=agent", &security).await;
    let path = format!("/api/v1/tenants/12345/users/{id}/mfa");
    for (name, token) in [("city_admin", app.token("city_admin").await), ("auditor", app.token("auditor").await), ("agent", agent.clone())]
    {
        assert_eq!(app.call(Method::DELETE, &path, &token, None).await.0, StatusCode::FORBIDDEN, "{name}");
    }
    let other_line = app.token("admin_12315").await;
    assert_eq!(app.call(Method::DELETE, &path, &other_line, None).await.0, StatusCode::NOT_FOUND);
    let me = app.first_id("/api/v1/tenants/12345/users?q=security_admin", &security).await;
    let (status, body) = app.call(Method::DELETE, &format!("/api/v1/tenants/12345/users/{me}/mfa"), &security, None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("own_account")));
    assert_eq!(app.call(Method::DELETE, &path, &security, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", &agent).await.0, StatusCode::UNAUTHORIZED, "the account's sessions ended");
    assert!(login(&app, "agent").await["access_token"].is_string(), "no factor, none required: the password signs in");
    let auditor = app.token("auditor").await;
    let (_, body) = app.get("/api/v1/audit-events?action=user.mfa_reset", &auditor).await;
    let items = body["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["outcome"] == "success" && e["actor_duty"] == "security" && e["target"] == "agent"), "{body}");
    assert!(items.iter().any(|e| e["outcome"] == "denied" && e["actor_name"] == "city_admin"), "{body}");
}

#[tokio::test]
async fn the_console_asks_for_the_code_after_the_password() {
    let app = app_with(&[("HOTLINE_MFA_REQUIRED_ROLES", "auditor")]).await;
    let token = app.token("dispatcher").await;
    let (secret, _) = enrol(&app, &token).await;
    let mut c = crate::console_kit::Console::visit(&app).await;
    let res = c.post("/console/login", &[("username", "dispatcher"), ("password", DEMO_PASSWORD), ("next", "/console")]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.redirect().is_none() && res.body.contains("name=\"code\""), "the code form: {}", res.body);
    let challenge = res.body.split("name=\"mfa_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let res = c.post("/console/login/mfa", &[("mfa_token", &challenge), ("code", "000000"), ("next", "/console")]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("验证码错误") && res.body.contains("name=\"code\""), "{}", res.body);
    let next = code(&secret, &app, 1);
    let res = c.post("/console/login/mfa", &[("mfa_token", &challenge), ("code", &next), ("next", "/console")]).await;
    assert_eq!(res.redirect(), Some("/console"), "{}", res.body);
    assert_eq!(c.get("/console").await.status, StatusCode::OK, "signed in");
}

/// The value of the hidden or text input `name` in a console page.
fn input_value(body: &str, name: &str) -> String {
    body.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_console_sets_up_the_second_factor_of_an_officer_at_first_sign_in() {
    let app = app_with(&[("HOTLINE_MFA_REQUIRED_ROLES", "auditor")]).await;
    let mut c = crate::console_kit::Console::visit(&app).await;
    let res = c.post("/console/login", &[("username", "auditor"), ("password", DEMO_PASSWORD), ("next", "/console")]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.redirect().is_none(), "not signed in before the factor is confirmed");
    assert!(res.body.contains("data-testid=\"mfa-qr\"") && res.body.contains("<svg"), "a QR code drawn in the page: {}", res.body);
    let uri = input_value(&res.body, "otpauth_uri").replace("&amp;", "&");
    assert!(uri.starts_with("otpauth://totp/") && uri.contains("secret="), "{uri}");
    let secret = TotpSecret::from_base32(&input_value(&res.body, "secret")).unwrap();
    let challenge = input_value(&res.body, "mfa_token");
    // A stranger's page shows nothing of it: the console is not signed in yet.
    assert_eq!(c.get("/console").await.redirect().map(|r| r.starts_with("/console/login")), Some(true));

    // A wrong first code: the same secret again, with the error.
    let form = |code: String| {
        vec![
            ("mfa_token", challenge.clone()),
            ("code", code),
            ("secret", secret.to_base32()),
            ("otpauth_uri", uri.clone()),
            ("next", "/console".to_owned()),
        ]
    };
    let wrong = form("000000".into());
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = c.post("/console/login/mfa/enrol", &wrong).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("验证码错误") && res.body.contains("data-testid=\"mfa-qr\""), "{}", res.body);

    let right = form(code(&secret, &app, 0));
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = c.post("/console/login/mfa/enrol", &right).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let shown = res.body.matches("<li><code>").count();
    assert_eq!(shown, 10, "ten recovery codes, shown once: {}", res.body);
    assert_eq!(c.get("/console").await.status, StatusCode::OK, "signed in");
    assert_eq!(login(&app, "auditor").await["mfa_step"], "verify", "from now on: a code");
}

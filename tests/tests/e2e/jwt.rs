//! The JWT negative suite: every defect of an access token is refused with 401, and a
//! correctly re-signed copy of the same claims is accepted (so each refusal is for its defect).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{JWT_SECRET, TestApp};

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(claims: &Value, kid: Option<&str>, secret: &[u8], alg: Algorithm) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn good(claims: &Value) -> String {
    sign(claims, Some("e2e"), JWT_SECRET.as_bytes(), Algorithm::HS256)
}

async fn status_of(app: &TestApp, token: &str) -> StatusCode {
    app.get("/api/v1/me", token).await.0
}

#[tokio::test]
async fn every_defective_token_is_refused() {
    let app = TestApp::spawn().await;
    let real = app.token("admin_12319").await;
    let claims = claims_of(&real);
    let now = chrono::Utc::now().timestamp();

    assert_eq!(status_of(&app, &good(&claims)).await, StatusCode::OK, "control: re-signed claims are accepted");

    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let cases: Vec<(&str, String)> = vec![
        ("alg none", {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"e2e"}"#);
            let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
            format!("{header}.{body}.")
        }),
        ("HS512 instead of the pinned HS256", sign(&claims, Some("e2e"), JWT_SECRET.as_bytes(), Algorithm::HS512)),
        ("wrong key", sign(&claims, Some("e2e"), b"another-secret-another-secret-0000", Algorithm::HS256)),
        ("unknown kid", sign(&claims, Some("retired"), JWT_SECRET.as_bytes(), Algorithm::HS256)),
        ("no kid", sign(&claims, None, JWT_SECRET.as_bytes(), Algorithm::HS256)),
        ("wrong aud", good(&with("aud", "someone-else".into()))),
        ("wrong iss", good(&with("iss", "evil-issuer".into()))),
        ("expired", good(&with("exp", (now - 3600).into()))),
        ("not yet valid", good(&with("nbf", (now + 3600).into()))),
        ("missing exp", {
            let mut c = claims.clone();
            c.as_object_mut().unwrap().remove("exp");
            good(&c)
        }),
        ("tampered claims", {
            let parts: Vec<&str> = real.split('.').collect();
            let forged = with("tid", uuid::Uuid::now_v7().to_string().into());
            format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap()), parts[2])
        }),
        ("another user's id in a valid signature", good(&with("sub", uuid::Uuid::now_v7().to_string().into()))),
        ("garbage", "abc.def.ghi".into()),
    ];
    for (name, token) in cases {
        let (status, body) = app.get("/api/v1/me", &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert!(body["code"] == "invalid_token" || body["code"] == "token_expired", "{name}: {body}");
    }
}

#[tokio::test]
async fn expired_tokens_say_so() {
    let app = TestApp::spawn().await;
    let claims = claims_of(&app.token("agent").await);
    let mut c = claims.clone();
    c["exp"] = (chrono::Utc::now().timestamp() - 3600).into();
    let (status, body) = app.get("/api/v1/me", &good(&c)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "token_expired");
}

#[tokio::test]
async fn missing_or_foreign_credentials_are_refused() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get("www-authenticate").is_some());
    let res = app.client.get(app.url("/api/v1/me")).header("authorization", "Basic YWRtaW46YWRtaW4=").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

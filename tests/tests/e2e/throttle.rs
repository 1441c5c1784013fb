//! Login throttling slows guessing and never locks the owner out of their usual address.

use std::net::{IpAddr, Ipv4Addr};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{DEMO_PASSWORD, TestApp};

/// A client whose requests come from 127.0.0.`last_octet` (loopback has the whole /8).
pub fn client_from(last_octet: u8) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last_octet))).build().unwrap()
}

async fn login(app: &TestApp, client: &reqwest::Client, user: &str, password: &str) -> reqwest::Response {
    client.post(app.url("/api/v1/auth/login")).json(&json!({ "username": user, "password": password })).send().await.unwrap()
}

#[tokio::test]
async fn repeated_failures_slow_the_account_on_that_address_then_time_heals() {
    let app = TestApp::spawn().await;
    let desk = client_from(1);
    for _ in 0..5 {
        assert_eq!(login(&app, &desk, "admin_12320", "wrong-password-1").await.status(), StatusCode::UNAUTHORIZED);
    }
    // The sixth attempt waits, even with the right password.
    let res = login(&app, &desk, "admin_12320", DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");

    // Other accounts from the same desk are not affected.
    assert_eq!(login(&app, &desk, "admin_12333", DEMO_PASSWORD).await.status(), StatusCode::OK);

    app.clock.advance(chrono::Duration::seconds(retry));
    assert_eq!(login(&app, &desk, "admin_12320", DEMO_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_attack_from_elsewhere_does_not_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    let owner = client_from(1);
    assert_eq!(login(&app, &owner, "admin_12366", DEMO_PASSWORD).await.status(), StatusCode::OK);

    // A distributed attacker sprays guesses from many addresses, one guess each, so no
    // single address is slowed; the account-wide counter for unknown addresses catches it.
    for i in 0..20u8 {
        let res = login(&app, &client_from(10 + i), "admin_12366", &format!("guess-number-{i}")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    // After 20 failures from unknown addresses, any further unknown address waits, even with
    // the right password…
    let res = login(&app, &client_from(3), "admin_12366", DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "unknown addresses wait");

    // …but the owner at their usual address signs in at once.
    assert_eq!(login(&app, &owner, "admin_12366", DEMO_PASSWORD).await.status(), StatusCode::OK);
}

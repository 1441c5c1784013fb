//! Request budgets: sign-in per address, the public endpoints per address, knowledge search per
//! account, Open311 POSTs per key and per address. A spent budget answers 429 `rate_limited`
//! with `Retry-After`; other addresses, accounts and keys keep theirs; the next window (on the
//! injected clock) brings the budget back; with Redis every instance spends from one budget.

use hotline_domain::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{DEMO_PASSWORD, TestApp};
use crate::throttle::client_from;

async fn login(app: &TestApp, client: &reqwest::Client, user: &str) -> reqwest::Response {
    client.post(app.url("/api/v1/auth/login")).json(&json!({ "username": user, "password": DEMO_PASSWORD })).send().await.unwrap()
}

fn retry_after(res: &reqwest::Response) -> i64 {
    let value = res.headers().get("retry-after").unwrap_or_else(|| panic!("Retry-After on {}", res.status()));
    value.to_str().unwrap().parse().unwrap()
}

/// The answer of a spent budget: 429, `Retry-After` within the window, the stable code.
/// Returns the seconds to wait.
async fn assert_rate_limited(res: reqwest::Response, window_secs: i64) -> i64 {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry = retry_after(&res);
    assert!((1..=window_secs).contains(&retry), "Retry-After {retry}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    retry
}

#[tokio::test]
async fn sign_ins_are_limited_per_address_and_time_heals() {
    let app = TestApp::spawn_with(&[("HOTLINE_RATE_LIMIT_LOGIN", "3/1m")]).await;
    let office = client_from(21);
    for user in ["agent", "dispatcher", "agent"] {
        assert_eq!(login(&app, &office, user).await.status(), StatusCode::OK, "{user}");
    }
    // The fourth sign-in from this address waits, whoever it is for, right password or not.
    let retry = assert_rate_limited(login(&app, &office, "dispatcher").await, 60).await;
    // The console's sign-in form spends from the same budget, and says so as a page.
    let form = [("username", "agent"), ("password", DEMO_PASSWORD)];
    let res = office.post(app.url("/console/login")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&res) >= 1);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    // Another address is not affected.
    assert_eq!(login(&app, &client_from(22), "dispatcher").await.status(), StatusCode::OK);
    // The budget comes back when its window ends.
    app.clock.advance(chrono::Duration::seconds(retry));
    assert_eq!(login(&app, &office, "dispatcher").await.status(), StatusCode::OK);
}

fn report() -> Value {
    let mut body = crate::case_kit::complaint("网上反映：人行道破损。");
    body["channel"] = "web".into();
    body
}

#[tokio::test]
async fn the_public_endpoints_share_one_budget_per_address() {
    let app = TestApp::spawn_with(&[("HOTLINE_PUBLIC_RATE_LIMIT_PER_HOUR", "3")]).await;
    let citizen = client_from(31);
    let intake = |c: &reqwest::Client| c.post(app.url("/api/v1/public/cases")).json(&report()).send();
    let res = intake(&citizen).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let tracking = res.json::<Value>().await.unwrap()["tracking_number"].as_str().unwrap().to_owned();
    let track = |c: &reqwest::Client| c.get(app.url(&format!("/api/v1/public/cases/{tracking}?phone_last4=8000"))).send();
    assert_eq!(track(&citizen).await.unwrap().status(), StatusCode::OK);
    assert_eq!(citizen.get(app.url("/api/v1/public/kb/search?q=公积金")).send().await.unwrap().status(), StatusCode::OK);
    // Intake, tracking and knowledge each refused now, from this address.
    assert_rate_limited(intake(&citizen).await.unwrap(), 3600).await;
    let retry = assert_rate_limited(track(&citizen).await.unwrap(), 3600).await;
    assert_rate_limited(citizen.get(app.url("/api/v1/public/kb/search?q=公积金")).send().await.unwrap(), 3600).await;
    // The citizen portal pays from the same budget: a page that says to wait.
    let res = citizen.get(app.url(&format!("/track?n={tracking}&d=8000"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&res) >= 1);
    // A neighbour's address is not affected.
    assert_eq!(track(&client_from(32)).await.unwrap().status(), StatusCode::OK);
    app.clock.advance(chrono::Duration::seconds(retry));
    assert_eq!(track(&citizen).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn knowledge_search_is_limited_per_account() {
    let app = TestApp::spawn_with(&[("HOTLINE_RATE_LIMIT_KB_SEARCH", "2/1m")]).await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let search = |token: &str| app.client.get(app.url("/api/v1/kb/search?q=公积金")).bearer_auth(token).send();
    assert_eq!(search(&agent).await.unwrap().status(), StatusCode::OK);
    assert_eq!(search(&agent).await.unwrap().status(), StatusCode::OK);
    // A forged credential is refused before it can spend anyone's budget.
    assert_eq!(search("not-a-token").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let retry = assert_rate_limited(search(&agent).await.unwrap(), 60).await;
    // Another account on the same address searches on.
    assert_eq!(search(&dispatcher).await.unwrap().status(), StatusCode::OK);
    // Other endpoints are not part of this budget.
    assert_eq!(app.get("/api/v1/me", &agent).await.0, StatusCode::OK);
    app.clock.advance(chrono::Duration::seconds(retry));
    assert_eq!(search(&agent).await.unwrap().status(), StatusCode::OK);
}

/// A new integrator key of `code`, made by the security administrator.
async fn key_of(app: &TestApp, code: &str) -> String {
    let admin = app.token("security_admin").await;
    let (status, res) = app.call(Method::POST, &format!("/api/v1/tenants/{code}/api-keys"), &admin, Some(json!({"name": "budget"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    res["secret"].as_str().unwrap().to_owned()
}

async fn file(app: &TestApp, client: &reqwest::Client, key: &str, format: &str) -> reqwest::Response {
    let form = [
        ("api_key", key),
        ("service_code", "12319-water"),
        ("address_string", "鼓楼区杨桥路88号"),
        ("description", "小区停水三天了"),
        ("phone", "13812345678"),
        ("attribute[contact_type]", "complaint"),
    ];
    client.post(app.url(&format!("/open311/v2/requests.{format}"))).form(&form).send().await.unwrap()
}

/// Open311 answers in the spec's error list, with the HTTP status as its code.
async fn assert_open311_limited(res: reqwest::Response) -> i64 {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry = retry_after(&res);
    assert!((1..=3600).contains(&retry), "{retry}");
    let xml = res.headers()["content-type"].to_str().unwrap().starts_with("text/xml");
    let text = res.text().await.unwrap();
    if xml {
        assert!(text.contains("<errors><error><code>429</code>"), "{text}");
    } else {
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()[0]["code"], 429, "{text}");
    }
    retry
}

#[tokio::test]
async fn open311_posts_are_limited_per_key_and_per_address() {
    let app = TestApp::spawn_with(&[("HOTLINE_RATE_LIMIT_OPEN311_POST", "2/1h")]).await;
    let (key, other_key) = (key_of(&app, "12345").await, key_of(&app, "12345").await);
    let relay = client_from(41);
    assert_eq!(file(&app, &relay, &key, "json").await.status(), StatusCode::OK);
    assert_eq!(file(&app, &relay, &key, "xml").await.status(), StatusCode::OK);
    // The key's budget is spent wherever it comes from…
    let retry = assert_open311_limited(file(&app, &client_from(42), &key, "xml").await).await;
    // …and this address's, whatever key it sends.
    assert_open311_limited(file(&app, &relay, &other_key, "json").await).await;
    // Another key from another address files on.
    assert_eq!(file(&app, &client_from(43), &other_key, "json").await.status(), StatusCode::OK);
    // A wrong key never spends the budget of the key it imitates.
    let forged = format!("{}x", &other_key[..other_key.len() - 1]);
    assert_eq!(file(&app, &client_from(44), &forged, "json").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(file(&app, &client_from(45), &other_key, "json").await.status(), StatusCode::OK);
    app.clock.advance(chrono::Duration::seconds(retry));
    assert_eq!(file(&app, &relay, &key, "json").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn instances_sharing_redis_spend_from_one_budget() {
    let a = TestApp::spawn_with(&[("HOTLINE_RATE_LIMIT_LOGIN", "3/1m"), ("HOTLINE_RATE_LIMIT_KB_SEARCH", "2/1m")]).await;
    if a._kv.url.is_none() {
        eprintln!("skipped: without HOTLINE_TEST_REDIS_URL each process keeps its own budgets (the embedded profile runs one)");
        return;
    }
    let b = a.second_instance_with(&[("HOTLINE_RATE_LIMIT_LOGIN", "3/1m"), ("HOTLINE_RATE_LIMIT_KB_SEARCH", "2/1m")]).await;
    // Both clocks in the same window, as replicas' clocks are.
    b.clock.set(a.clock.now());
    let office = client_from(51);
    assert_eq!(login(&a, &office, "agent").await.status(), StatusCode::OK);
    assert_eq!(login(&b, &office, "agent").await.status(), StatusCode::OK);
    assert_eq!(login(&a, &office, "dispatcher").await.status(), StatusCode::OK);
    assert_rate_limited(login(&b, &office, "dispatcher").await, 60).await;
    assert_rate_limited(login(&a, &office, "dispatcher").await, 60).await;
    // An account's search budget, too.
    let agent = a.token("agent").await;
    let search = |app: &TestApp| app.client.get(app.url("/api/v1/kb/search?q=公积金")).bearer_auth(&agent).send();
    assert_eq!(search(&a).await.unwrap().status(), StatusCode::OK);
    assert_eq!(search(&b).await.unwrap().status(), StatusCode::OK);
    assert_rate_limited(search(&a).await.unwrap(), 60).await;
    assert_rate_limited(search(&b).await.unwrap(), 60).await;
}

//! Every answer carries the security headers, whatever produced it: JSON, an error, a console
//! page, a static asset, the 404 of an unknown path, a 429, a 413, Open311 XML, the API docs.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{DEMO_PASSWORD, TestApp};

const DATA_CSP: &str = "default-src 'none'";

/// The headers every answer has; returns its CSP for the checks that depend on the kind.
fn assert_secured(what: &str, h: &HeaderMap) -> String {
    let get = |name: &str| h.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_else(|| panic!("{what}: no {name}"));
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    let csp = get("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert!(h.get("strict-transport-security").is_none(), "{what}: no HSTS over plain HTTP by default");
    csp
}

fn cache(h: &HeaderMap) -> &str {
    h.get("cache-control").map(|v| v.to_str().unwrap()).unwrap_or("")
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers() {
    let app = TestApp::spawn_with(&[("HOTLINE_RATE_LIMIT_LOGIN", "1/1m")]).await;
    let token = app.token("agent").await;
    let send = |method: Method, path: &str| app.client.request(method, app.url(path));

    // Data: an authenticated JSON answer, nothing in it may run, nothing keeps it.
    let res = send(Method::GET, "/api/v1/me").bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(assert_secured("JSON", res.headers()).starts_with(DATA_CSP));
    assert_eq!(cache(res.headers()), "no-store", "an authenticated answer is never cached");

    // Errors: 401, the 404 of an unknown path, a refused body.
    for (what, res) in [
        ("401", send(Method::GET, "/api/v1/me").send().await.unwrap()),
        ("404", send(Method::GET, "/no/such/thing").send().await.unwrap()),
        (
            "400",
            send(Method::POST, "/api/v1/cases")
                .bearer_auth(&token)
                .body("{")
                .header("content-type", "application/json")
                .send()
                .await
                .unwrap(),
        ),
    ] {
        assert!(res.status().is_client_error(), "{what}: {}", res.status());
        assert!(assert_secured(what, res.headers()).starts_with(DATA_CSP), "{what}");
        assert_eq!(cache(res.headers()), "no-store", "{what}");
    }

    // 429: the sign-in budget of one is spent by the token above.
    let res = app.login_as("dispatcher", DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(assert_secured("429", res.headers()).starts_with(DATA_CSP));

    // 413.
    let big = json!({"description": "x".repeat(70 * 1024)});
    let res = send(Method::POST, "/api/v1/public/cases").json(&big).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(assert_secured("413", res.headers()).starts_with(DATA_CSP));

    // A console page: its own strict policy (this site's scripts and styles, nothing inline).
    let res = send(Method::GET, "/console/login").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csp = assert_secured("console page", res.headers());
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let res = send(Method::GET, "/").send().await.unwrap();
    assert!(assert_secured("citizen portal", res.headers()).contains("script-src 'self'"));

    // A static asset keeps its caching and gets the headers.
    let res = send(Method::GET, "/console/assets/htmx.min.js").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_secured("asset", res.headers());
    assert!(cache(res.headers()).contains("max-age"), "{}", cache(res.headers()));

    // Open311 in XML, and its errors.
    for path in ["/open311/v2/services.xml", "/open311/v2/requests/none.xml"] {
        let res = send(Method::GET, path).send().await.unwrap();
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/xml"), "{path}");
        assert!(assert_secured(path, res.headers()).starts_with(DATA_CSP), "{path}");
    }

    // The API's documentation page runs its own scripts only.
    let res = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csp = assert_secured("docs", res.headers());
    assert!(csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
}

#[tokio::test]
async fn behind_tls_every_answer_asks_browsers_to_keep_to_https() {
    let app = TestApp::spawn_with(&[("HOTLINE_BEHIND_TLS", "true")]).await;
    for path in ["/healthz", "/console/login", "/no/such/thing", "/open311/v2/services.xml"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let hsts = res.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(hsts.as_deref(), Some("max-age=31536000"), "{path}");
    }
}

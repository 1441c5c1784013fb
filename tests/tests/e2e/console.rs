//! The web console's browser assets come from the binary itself (no CDN at run time): each
//! vendored file is served byte for byte, cacheable and revalidated; unknown names are 404.

use reqwest::StatusCode;

use crate::helpers::{DEMO_PASSWORD, TestApp};

const VENDOR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../services/api/console/vendor/");

#[tokio::test]
async fn vendored_assets_are_served_from_the_binary_byte_for_byte() {
    let app = TestApp::spawn().await;
    for (name, media) in [("htmx.min.js", "text/javascript"), ("echarts.min.js", "text/javascript"), ("echarts.LICENSE.txt", "text/plain")]
    {
        let res = app.client.get(app.url(&format!("/console/assets/{name}"))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with(media), "{name}: {kind}");
        let tag = res.headers()["etag"].to_str().unwrap().to_owned();
        let body = res.bytes().await.unwrap();
        assert_eq!(body.as_ref(), std::fs::read(format!("{VENDOR}{name}")).unwrap().as_slice(), "{name} differs from the vendored file");

        // A browser that has it revalidates without downloading it again.
        let again = app.client.get(app.url(&format!("/console/assets/{name}"))).header("if-none-match", &tag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
    let res = app.client.get(app.url("/console/assets/jquery.js")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    let res = app.client.get(app.url("/console/assets/..%2F..%2FCargo.toml")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "only the embedded names exist");
}

/// Sign-in through the console's form: HttpOnly, Secure, SameSite=Strict cookies; a POST
/// without the page's CSRF token is refused; a wrong password reads as words, not JSON; each
/// role's home offers its own work; signing out ends the session.
#[tokio::test]
async fn console_sign_in_uses_safe_cookies_and_refuses_forms_without_the_csrf_token() {
    let app = TestApp::spawn().await;
    let mut visitor = crate::console_kit::Console::visit(&app).await;
    let csrf_cookie = visitor.cookies.iter().find(|(k, _)| k == "hl_csrf").expect("a CSRF cookie").1.clone();
    assert_eq!(csrf_cookie, visitor.csrf, "the page carries the cookie's token");

    // Without the header, or with another token: refused before anything is checked.
    let res = visitor.post_with_csrf("/console/login", &[("username", "agent"), ("password", DEMO_PASSWORD)], None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("页面已过期"), "{}", res.body);
    let res = visitor.post_with_csrf("/console/login", &[("username", "agent"), ("password", DEMO_PASSWORD)], Some("forged")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(!visitor.cookies.iter().any(|(k, _)| k == "hl_at"), "no session from a forged form");

    let res = visitor.post("/console/login", &[("username", "agent"), ("password", "wrong-password")]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("用户名或密码错误"), "{}", res.body);
    assert!(!res.body.contains("invalid_credentials") && !res.body.contains("{\""), "no raw error: {}", res.body);

    let res = visitor.post("/console/login", &[("username", "agent"), ("password", DEMO_PASSWORD), ("next", "//evil.example/")]).await;
    assert_eq!(res.redirect(), Some("/console"), "only local places to go back to");
    let set: Vec<String> = res.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    for name in ["hl_at=", "hl_rt="] {
        let c = set.iter().find(|c| c.starts_with(name)).unwrap_or_else(|| panic!("{name} set: {set:?}"));
        for flag in ["HttpOnly", "Secure", "SameSite=Strict"] {
            assert!(c.contains(flag), "{name} lacks {flag}: {c}");
        }
    }
    assert!(set.iter().any(|c| c.starts_with("hl_rt=") && c.contains("Path=/console")), "the refresh token goes to the console only");

    // The agent's home offers the desk, not the line admin.
    let home = visitor.get("/console").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("href=\"/console/desk\"") && !home.body.contains("href=\"/console/admin\""), "{}", home.body);
    assert!(home.headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    let mut admin = crate::console_kit::Console::login(&app, "admin_12319").await;
    let home = admin.get("/console").await;
    assert!(home.body.contains("href=\"/console/admin\"") && !home.body.contains("href=\"/console/desk\""), "{}", home.body);

    // English on request, every label switched.
    admin.cookies.push(("hl_lang".into(), "en".into()));
    let home = admin.get("/console").await;
    assert!(home.body.contains("Line admin") && home.body.contains("lang=\"en\""), "{}", home.body);

    // Signed out: the old cookies no longer open a page.
    let stale = visitor.cookies.clone();
    let res = visitor.post("/console/logout", &[]).await;
    assert_eq!(res.redirect(), Some("/console/login"));
    visitor.cookies = stale;
    let res = visitor.get("/console").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.redirect(), Some("/console/login?next=%2Fconsole"));
}

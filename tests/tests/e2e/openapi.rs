//! The committed OpenAPI file is exactly what the code generates and what the server serves.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

fn committed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/hotline-api.json");
    std::fs::read_to_string(path)
        .expect("openapi/hotline-api.json exists (regenerate: cargo run -p hotline-api -- openapi > openapi/hotline-api.json)")
}

#[test]
fn the_committed_spec_equals_the_generated_one() {
    assert!(
        committed() == hotline_api::openapi::spec_json(),
        "openapi/hotline-api.json is stale: run `cargo run -p hotline-api -- openapi > openapi/hotline-api.json`"
    );
}

#[tokio::test]
async fn the_served_spec_equals_the_committed_one_and_swagger_ui_is_served() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/api-docs/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let served: Value = res.json().await.unwrap();
    let committed: Value = serde_json::from_str(&committed()).unwrap();
    assert_eq!(served, committed);

    let ui = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(ui.status(), StatusCode::OK);
    let html = ui.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "Swagger UI page");
    // Its assets come from the binary, not from a CDN.
    assert!(!html.contains("cdn.") && !html.contains("unpkg"), "no CDN references");
    let css = app.client.get(app.url("/docs/swagger-ui.css")).send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
}

#[test]
fn every_operation_is_documented_with_its_errors() {
    let spec: Value = serde_json::from_str(&committed()).unwrap();
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has a tag");
            let responses = op["responses"].as_object().unwrap();
            let public = path.starts_with("/healthz")
                || path.starts_with("/readyz")
                || path.ends_with("/auth/login")
                || path.ends_with("/auth/refresh")
                // The second step of a sign-in carries its challenge (mfa_token) in the body.
                || path.starts_with("/api/v1/auth/mfa/")
                || path.starts_with("/api/v1/public/");
            // Open311 has the spec's own regime: public reads, `api_key` in the form, 400/403/404.
            if path.starts_with("/open311/v2/") {
                assert!(responses.contains_key("400"), "{method} {path} documents 400");
                if method == "post" {
                    assert!(responses.contains_key("403"), "{method} {path} documents 403");
                }
            } else if !public {
                assert!(op["security"].as_array().is_some_and(|s| !s.is_empty()), "{method} {path} declares its security");
                assert!(responses.contains_key("401"), "{method} {path} documents 401");
            }
        }
    }
    assert!(count >= 50, "{count} operations");
}

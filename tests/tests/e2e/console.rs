//! The web console's browser assets come from the binary itself (no CDN at run time): each
//! vendored file is served byte for byte, cacheable and revalidated; unknown names are 404.

use reqwest::StatusCode;

use crate::helpers::TestApp;

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

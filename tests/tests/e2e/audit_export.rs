//! The audit administrator's tools over the API: verification (itself recorded) and the export
//! for an auditor (JSON lines or CSV, in chain order with the hashes, itself recorded once).

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::audit_chain_kit::sql;
use crate::helpers::TestApp;

async fn export(app: &TestApp, token: &str, query: &str) -> (StatusCode, String, Option<String>) {
    let res = app.client.get(app.url(&format!("/api/v1/audit-events/export{query}"))).bearer_auth(token).send().await.unwrap();
    let status = res.status();
    let kind = res.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, res.text().await.unwrap(), kind)
}

#[tokio::test]
async fn verification_over_the_api_tells_intact_from_tampered_and_is_recorded() {
    let app = TestApp::spawn().await;
    let auditor = app.token("auditor").await;
    let (status, report) = app.call(Method::POST, "/api/v1/audit-events/verify", &auditor, None).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["intact"], true, "{report}");
    assert!(report["records"].as_u64().unwrap() >= 1, "the sign-in at least");
    sql(&app, "UPDATE audit_events SET ip = '203.0.113.9' WHERE seq = 1").await;
    let (_, report) = app.call(Method::POST, "/api/v1/audit-events/verify", &auditor, None).await;
    assert_eq!(report["intact"], false);
    assert!(report["problem"].as_str().unwrap().contains("#1"), "{report}");
    let (_, events) = app.get("/api/v1/audit-events?action=audit.verify", &auditor).await;
    let outcomes: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["failure", "success"], "{events}");
}

#[tokio::test]
async fn the_export_holds_the_records_in_chain_order_with_their_hashes() {
    let app = TestApp::spawn().await;
    let _ = app.login_as("admin_12319", "a wrong password").await;
    let admin = app.token("admin_12319").await;
    let unit = serde_json::json!({"name": "导出测试单位", "kind": "other"});
    assert_eq!(app.call(Method::POST, "/api/v1/tenants/12319/units", &admin, Some(unit)).await.0, StatusCode::CREATED);
    let auditor = app.token("auditor").await;

    let (status, body, kind) = export(&app, &auditor, "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(kind.unwrap().starts_with("application/x-ndjson"));
    let records: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(records.len() >= 4, "{body}");
    for pair in records.windows(2) {
        assert_eq!(pair[1]["seq"].as_i64().unwrap(), pair[0]["seq"].as_i64().unwrap() + 1, "chain order");
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "each record names the one before");
    }
    assert!(records.iter().any(|r| r["action"] == "unit.create" && r["actor_name"] == "admin_12319"));

    let (status, csv, kind) = export(&app, &auditor, "?format=csv&tenant=12319").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.unwrap().starts_with("text/csv"));
    assert!(csv.starts_with("\u{feff}seq,id,at,actor_kind"), "{csv}");
    assert!(csv.contains("unit.create") && !csv.contains("wrong user name or password"), "one tenant only: {csv}");
    let (status, empty, _) = export(&app, &auditor, "?from=2000-01-01&to=2000-01-02").await;
    assert_eq!((status, empty.as_str()), (StatusCode::OK, ""));

    // The exports are recorded, once each (not again at the edge), with what they held.
    let (_, events) = app.get("/api/v1/audit-events?limit=200", &auditor).await;
    let items = events["items"].as_array().unwrap();
    let exports: Vec<&Value> = items.iter().filter(|e| e["action"] == "audit.export").collect();
    assert_eq!(exports.len(), 3, "{events}");
    assert!(exports.iter().any(|e| e["detail"].as_str().unwrap().contains("tenant=12319")));
    assert!(!items.iter().any(|e| e["action"] == "export"), "{events}");
}

#[tokio::test]
async fn bad_export_questions_get_clear_answers_and_others_are_refused() {
    let app = TestApp::spawn().await;
    let auditor = app.token("auditor").await;
    let (status, body, _) = export(&app, &auditor, "?from=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((body["field"].as_str(), body["reason"].as_str()), (Some("from"), Some("invalid_time")));
    let (status, body, _) = export(&app, &auditor, "?from=2026-12-02&to=2026-12-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(export(&app, &auditor, "?format=xml").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(export(&app, &auditor, "?colour=red").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(export(&app, &auditor, "?tenant=99999").await.0, StatusCode::NOT_FOUND);
    for name in ["city_admin", "security_admin", "admin_12319", "city_supervisor"] {
        let token = app.token(name).await;
        assert_eq!(export(&app, &token, "").await.0, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(app.call(Method::POST, "/api/v1/audit-events/verify", &token, None).await.0, StatusCode::FORBIDDEN, "{name}");
    }
}

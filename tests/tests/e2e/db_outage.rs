//! The database going away and coming back (PostgreSQL; SQLite is a file in the process, and
//! `hotline-store`'s unit tests cover its "locked" answer). A request the database cannot
//! serve now is answered `503 unavailable` with `Retry-After`, never a 500, and an intake
//! retried with its `Idempotency-Key` afterwards is stored once. Connections the server closed
//! (a restart, a terminated backend) are replaced without failing a request.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::Value;

use crate::case_kit::complaint;
use crate::helpers::{TestApp, TestDb};

/// The test database's name and the service's role, on PostgreSQL.
fn names(app: &TestApp) -> Option<(String, String)> {
    let TestDb::Postgres { name, .. } = &app.db else { return None };
    let url = app.db.url();
    let role = url.split_once("://")?.1.split_once('@')?.0.split(':').next()?.to_owned();
    Some((name.clone(), role))
}

/// Closes every connection the service holds (both pools: the requests' and the intake
/// writer's), as a server restart does.
async fn terminate_backends(owner: &DatabaseConnection, role: &str) -> u64 {
    let sql = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'");
    owner.execute_unprepared(&sql).await.unwrap().rows_affected()
}

async fn post_case(app: &TestApp, token: &str, key: &str) -> (StatusCode, Option<String>, String) {
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&complaint("停电后小区水泵不工作，楼上没有水。"))
        .send()
        .await
        .unwrap();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (res.status(), retry, res.text().await.unwrap())
}

#[tokio::test]
async fn a_database_refusing_connections_answers_503_then_recovers_and_stores_each_key_once() {
    let app = TestApp::spawn_with(&[("HOTLINE_DATABASE_ACQUIRE_TIMEOUT", "500ms")]).await;
    let Some((name, role)) = names(&app) else { return };
    let agent = app.token("agent").await;
    let (status, _, body) = post_case(&app, &agent, "before").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["case_id"].as_str().unwrap().to_owned();
    let owner = app.raw_db().await;

    // The database takes no connection from the service any more, and drops those it has.
    owner.execute_unprepared(&format!("ALTER DATABASE {name} CONNECTION LIMIT 0")).await.unwrap();
    assert!(terminate_backends(&owner, &role).await > 0, "the service had connections");
    let (status, body) = app.get(&format!("/api/v1/cases/{id}"), &agent).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")), "{body}");
    let (status, retry, body) = post_case(&app, &agent, "during").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(retry.as_deref(), Some("2"), "told when to retry");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], "unavailable");
    assert!(!body.contains("pool") && !body.contains("database"), "no internals in the body: {body}");

    // Back: the same key stores one case, and its retry answers the same bytes.
    owner.execute_unprepared(&format!("ALTER DATABASE {name} CONNECTION LIMIT -1")).await.unwrap();
    let (status, body) = app.get(&format!("/api/v1/cases/{id}"), &agent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (first, _, stored) = post_case(&app, &agent, "during").await;
    let (again, _, replay) = post_case(&app, &agent, "during").await;
    assert_eq!((first, again), (StatusCode::CREATED, StatusCode::CREATED), "{stored}");
    assert_eq!(stored, replay);
    let (_, list) = app.get("/api/v1/cases?limit=200", &agent).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "the case before and the one retried, once");
}

#[tokio::test]
async fn connections_the_server_closed_are_replaced_without_failing_a_request() {
    let app = TestApp::spawn().await;
    let Some((_, role)) = names(&app) else { return };
    let agent = app.token("agent").await;
    let owner = app.raw_db().await;
    for round in 0..3 {
        let (status, _, body) = post_case(&app, &agent, &format!("warm-{round}")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = serde_json::from_str::<Value>(&body).unwrap()["case_id"].as_str().unwrap().to_owned();
        // Right after use: the intake writer does not check a connection used within the last
        // second, so its next batch meets a closed one and must try another.
        assert!(terminate_backends(&owner, &role).await > 0);
        let (status, _, body) = post_case(&app, &agent, &format!("after-{round}")).await;
        assert_eq!(status, StatusCode::CREATED, "round {round}: {body}");
        assert!(terminate_backends(&owner, &role).await > 0);
        let (status, body) = app.get(&format!("/api/v1/cases/{id}"), &agent).await;
        assert_eq!(status, StatusCode::OK, "round {round}: {body}");
    }
}

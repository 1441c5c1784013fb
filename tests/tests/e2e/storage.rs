//! Both storage profiles: migrations, the SQLite file profile, Redis as the kv store.

use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::{TestApp, TestDb, TestKv};

#[tokio::test]
async fn migrations_apply_on_a_fresh_database_and_again_without_change() {
    let (db, url) = TestDb::create().await;
    // Migrations run as the schema's owner (on PostgreSQL the service's role owns nothing).
    let store = hotline_store::connect(&db.owner_url().unwrap_or(url), 2).await.unwrap();
    store.migrate().await.unwrap();
    let applied = store.applied_migrations().await.unwrap();
    use hotline_migrations::MigratorTrait;
    assert_eq!(applied.len(), hotline_migrations::Migrator::migrations().len());
    store.migrate().await.unwrap();
    assert_eq!(store.applied_migrations().await.unwrap(), applied, "a second run changes nothing");

    // The schema holds what the code expects: the partial unique index on fallback units.
    let backend = store.db.get_database_backend();
    let sql = if db.is_postgres() {
        "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'units'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'units'"
    };
    let rows = store.db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "name").unwrap()).collect();
    assert!(names.iter().any(|n| n == "ux_units_district_fallback"), "{names:?}");
    store.db.close().await.unwrap();
}

#[tokio::test]
async fn the_embedded_profile_uses_a_wal_sqlite_file_created_on_first_start() {
    let app = TestApp::spawn().await;
    let TestDb::Sqlite(dir) = &app.db else {
        eprintln!("skipped: this run uses PostgreSQL");
        return;
    };
    assert!(dir.join("hotline.db").is_file());
    let row =
        app.core.store.db.query_one_raw(Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA journal_mode")).await.unwrap().unwrap();
    assert_eq!(row.try_get::<String>("", "journal_mode").unwrap(), "wal");
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["kv"], "ok");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.core.store.db.close_by_ref().await.unwrap();
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["database"], "unreachable");
    // Liveness does not depend on the database.
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn the_kv_store_counts_expires_and_isolates_prefixes() {
    let kv_a = TestKv::new();
    let kv_b = TestKv::new();
    let a = hotline_kv::connect(kv_a.url.as_deref(), &kv_a.prefix).await.unwrap();
    let b = hotline_kv::connect(kv_b.url.as_deref(), &kv_b.prefix).await.unwrap();
    a.ping().await.unwrap();
    assert_eq!(a.increment("n", Duration::from_secs(60)).await.unwrap(), 1);
    assert_eq!(a.increment("n", Duration::from_secs(60)).await.unwrap(), 2);
    a.set("k", "v", Duration::from_secs(60)).await.unwrap();
    assert_eq!(a.get("k").await.unwrap().as_deref(), Some("v"));
    if kv_a.url.is_some() {
        // Separate prefixes never see each other (parallel test runs share one Redis).
        assert_eq!(b.get("k").await.unwrap(), None);
    }
    a.delete("k").await.unwrap();
    assert_eq!(a.get("k").await.unwrap(), None);
}

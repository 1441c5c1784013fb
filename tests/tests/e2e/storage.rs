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

#[tokio::test]
async fn case_rows_decode_by_position_as_by_name() {
    use hotline_store::entities::case;
    use sea_orm::{EntityTrait, QuerySelect};
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    app.intake(&agent, crate::case_kit::complaint("路灯不亮，晚上出行不便")).await;
    let anonymous = serde_json::json!({"channel": "web", "contact_type": "consultation", "description": "咨询办事时间"});
    app.intake(&agent, anonymous).await;
    // Give the first case a value in every column an intake leaves empty, each of its own type,
    // so a column read at the wrong position cannot go unnoticed.
    let db = app.raw_db().await;
    let backend = db.get_database_backend();
    let now = if app.db.is_postgres() { "now()" } else { "'2026-12-07T01:02:03.456+00:00'" };
    let sql = format!(
        "UPDATE cases SET closure = 'resolved', lead_unit_id = tenant_id, reported_unit_id = tenant_id, answer = 'a', referral = 'r', \
         transfer_line = '12319', duplicate_of = id, feedback = 'f', feedback_resolved = true, feedback_details = 'd', rating = 'satisfied', \
         rating_comment = 'c', rated_at = {now}, problem_reason = 'p', extension_days = 3, extension_reason = 'e', sign_due_at = {now}, \
         feedback_due_at = {now}, closed_at = {now}, feedback_near_at = {now}, lat = 26.08, long = 119.3, return_count = 2, reopen_count = 1 \
         WHERE id = (SELECT id FROM cases ORDER BY id LIMIT 1)"
    );
    db.execute_raw(Statement::from_string(backend, sql)).await.unwrap();
    let by_name = case::Entity::find().all(&db).await.unwrap();
    let by_position: Vec<case::Model> =
        case::Entity::find().into_model::<hotline_store::cases::ByPosition>().all(&db).await.unwrap().into_iter().map(|r| r.0).collect();
    assert_eq!(by_name.len(), 2);
    assert_eq!(by_position, by_name);
    assert!(by_name.iter().any(|c| c.rated_at.is_some() && c.extension_days == Some(3) && c.lat.is_some()));
    assert!(by_name.iter().any(|c| c.caller_phone_hash.is_none() && c.anonymous));
    // A select of other columns is refused, not read askew.
    let narrow =
        case::Entity::find().select_only().column(case::Column::Id).into_model::<hotline_store::cases::ByPosition>().all(&db).await;
    assert!(narrow.is_err(), "one column cannot decode as a case");
}

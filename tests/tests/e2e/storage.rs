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

#[tokio::test]
async fn a_case_read_in_one_statement_matches_the_case_and_its_participants_read_apart() {
    use hotline_store::cases::{self, CaseScope};
    use hotline_store::entities::case_participant;
    use sea_orm::EntityTrait;
    use uuid::Uuid;
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let id = |v: serde_json::Value| v["case_id"].as_str().unwrap().parse::<Uuid>().unwrap();
    let joint = id(app.intake(&agent, crate::case_kit::complaint("路灯不亮，晚上出行不便")).await);
    let alone = id(app.intake(&agent, crate::case_kit::complaint("夜间施工噪音扰民")).await);
    let db = app.raw_db().await;
    let owner = cases::find(&db, CaseScope::All, joint).await.unwrap().unwrap().tenant_id;
    // Three units of other lines take part in the joint case, stored out of their order.
    let rows =
        db.query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT id, tenant_id FROM units ORDER BY name")).await.unwrap();
    let units: Vec<(Uuid, Uuid)> = rows
        .iter()
        .map(|r| (r.try_get::<Uuid>("", "id").unwrap(), r.try_get::<Uuid>("", "tenant_id").unwrap()))
        .filter(|(_, t)| *t != owner)
        .take(3)
        .collect();
    assert_eq!(units.len(), 3, "the demo city has units outside the receiving line");
    let t0 = chrono::Utc::now();
    let part = |(unit, tenant): (Uuid, Uuid), role: &str, secs: i64, contribution: Option<&str>| case_participant::Model {
        id: Uuid::now_v7(),
        case_id: joint,
        tenant_id: tenant,
        unit_id: unit,
        role: role.into(),
        status: if contribution.is_some() { "contributed" } else { "assigned" }.into(),
        contribution: contribution.map(str::to_owned),
        signed_at: contribution.map(|_| t0),
        contributed_at: contribution.map(|_| t0),
        released_at: None,
        created_at: t0 + chrono::TimeDelta::seconds(secs),
        sign_due_at: Some(t0 + chrono::TimeDelta::hours(2)),
        contribute_due_at: (role == "co").then(|| t0 + chrono::TimeDelta::days(3)),
    };
    for p in [part(units[2], "co", 2, None), part(units[0], "lead", 0, None), part(units[1], "co", 1, Some("已协助核查"))] {
        case_participant::Entity::insert(case_participant::ActiveModel::from(p)).exec_without_returning(&db).await.unwrap();
    }

    for (scope, case, seen) in [
        (CaseScope::All, joint, true),
        (CaseScope::All, alone, true),
        (CaseScope::Tenant(owner), joint, true),
        // A co-unit's line sees the joint case through its participation, not the other one.
        (CaseScope::Tenant(units[1].1), joint, true),
        (CaseScope::Tenant(units[1].1), alone, false),
        (CaseScope::Unit(units[0].0), joint, true),
        (CaseScope::Unit(units[0].0), alone, false),
        (CaseScope::CreatedBy(Uuid::now_v7()), joint, false),
        (CaseScope::All, Uuid::now_v7(), false),
    ] {
        let together = cases::find_with_participants(&db, scope, case).await.unwrap();
        let apart = match cases::find(&db, scope, case).await.unwrap() {
            Some(c) => Some((c.clone(), cases::participants(&db, c.id).await.unwrap())),
            None => None,
        };
        assert_eq!(together, apart, "{scope:?} reading {case}");
        assert_eq!(together.is_some(), seen, "{scope:?} reading {case}");
    }
    let (_, parts) = cases::find_with_participants(&db, CaseScope::All, joint).await.unwrap().unwrap();
    let roles: Vec<&str> = parts.iter().map(|p| p.role.as_str()).collect();
    assert_eq!(roles, ["lead", "co", "co"], "in the order they joined");
    assert_eq!(parts[1].contribution.as_deref(), Some("已协助核查"));
    let (_, none) = cases::find_with_participants(&db, CaseScope::All, alone).await.unwrap().unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn the_partial_indexes_on_later_columns_serve_their_queries() {
    // Columns an intake leaves NULL are indexed only where set (migration 000052); each query
    // shape that reads them must still find its index.
    let (db, url) = TestDb::create().await;
    // One connection: the planner settings below hold for the statements after them.
    let store = hotline_store::connect(&db.owner_url().unwrap_or(url), 1).await.unwrap();
    store.migrate().await.unwrap();
    let backend = store.db.get_database_backend();
    let pg = db.is_postgres();
    let run = |sql: String| {
        let store = store.db.clone();
        async move { store.query_all_raw(Statement::from_string(backend, sql)).await.unwrap() }
    };
    if pg {
        // An empty table would be scanned whatever the indexes: ask for the index if usable.
        run("SET enable_seqscan = off".into()).await;
        run("SET enable_bitmapscan = off".into()).await;
    }
    let x = if pg { "'00000000-0000-0000-0000-000000000001'::uuid" } else { "x'00000000000000000000000000000001'" };
    let t = if pg { "now()" } else { "'2026-12-07T00:00:00+00:00'" };
    for (index, condition) in [
        ("ix_cases_lead_unit", format!("lead_unit_id = {x} ORDER BY id DESC")),
        ("ix_cases_lead_unit", "lead_unit_id IS NOT NULL ORDER BY lead_unit_id, id".to_owned()),
        ("ix_cases_duplicate_of", format!("duplicate_of = {x}")),
        ("ix_cases_caller_phone_hash", format!("caller_phone_hash = 'h' AND created_at >= {t}")),
        ("ix_cases_feedback_near_at", format!("feedback_near_at > {t} AND feedback_near_at <= {t}")),
        ("ix_cases_feedback_due_at", format!("feedback_due_at > {t} AND feedback_due_at <= {t}")),
        ("ix_cases_sign_due_at", format!("sign_due_at > {t} AND sign_due_at <= {t}")),
    ] {
        let explain = if pg { "EXPLAIN" } else { "EXPLAIN QUERY PLAN" };
        let rows = run(format!("{explain} SELECT id FROM cases WHERE {condition}")).await;
        let plan: Vec<String> = rows
            .iter()
            .map(|r| if pg { r.try_get_by_index::<String>(0).unwrap() } else { r.try_get::<String>("", "detail").unwrap() })
            .collect();
        assert!(plan.iter().any(|l| l.contains(index)), "{condition}: {plan:?}");
    }
    let definition = if pg {
        "SELECT indexdef AS sql FROM pg_indexes WHERE indexname = 'ix_cases_sign_due_at'"
    } else {
        "SELECT sql FROM sqlite_master WHERE name = 'ix_cases_sign_due_at'"
    };
    let sql: String = run(definition.into()).await[0].try_get("", "sql").unwrap();
    assert!(sql.contains("WHERE") && sql.contains("IS NOT NULL"), "{sql}");
}

//! PostgreSQL row-level security, the defence in depth behind the scoped repositories
//! (docs/SECURITY.md): every tenant-owned table is fenced by a policy on the scope of the
//! connection, the service's role cannot step around them, and a query that forgets its tenant
//! still sees nothing of another line. SQLite has no row-level security: these tests return at
//! once there (the scoped repositories are the fence, and `isolation` tests them on both).

use hotline_store::scope::{self, Scope};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::json;
use uuid::Uuid;

use crate::case_kit::complaint;
use crate::helpers::{TestApp, TestKv, test_env};

/// Tables without a tenant column whose rows belong to a tenant through their parent.
const CHILDREN: &[&str] = &["refresh_tokens", "user_mfa", "mfa_recovery_codes", "hot_spot_cases"];

/// The statistics' counters: any scoped session reads and writes them (a joint case's events
/// count under every line taking part, inside the acting line's transaction; migration 000051).
const SHARED_COUNTERS: &[&str] = &["stat_counters", "stat_handling"];

fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

async fn count(db: &impl ConnectionTrait, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
    let row = db.query_one_raw(stmt(sql, values)).await.unwrap_or_else(|e| panic!("{sql}: {e}")).expect("a count");
    row.try_get::<i64>("", "n").unwrap()
}

/// The tables of the schema with a tenant column (`tenant_id`, `…_tenant_id`).
async fn tenant_tables(db: &DatabaseConnection) -> Vec<String> {
    let rows = db
        .query_all_raw(stmt(
            "SELECT DISTINCT c.table_name::text AS name FROM information_schema.columns c \
             JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
               AND (c.column_name = 'tenant_id' OR c.column_name LIKE '%\\_tenant\\_id') ORDER BY 1",
            vec![],
        ))
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "name").unwrap()).collect()
}

/// What is wrong with the fence of each tenant-owned table: row security off, not forced, or
/// no policy. Empty when every one is fenced.
async fn unfenced(db: &DatabaseConnection) -> Vec<String> {
    let mut tables = tenant_tables(db).await;
    tables.extend(CHILDREN.iter().map(|t| t.to_string()));
    let mut wrong = Vec::new();
    for table in tables {
        let row = db
            .query_one_raw(stmt(
                "SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced, \
                        (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname) AS policies \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = $1",
                vec![table.clone().into()],
            ))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{table} is in the catalogue"));
        let (enabled, forced, policies): (bool, bool, i64) =
            (row.try_get("", "enabled").unwrap(), row.try_get("", "forced").unwrap(), row.try_get("", "policies").unwrap());
        if !enabled || !forced || policies == 0 {
            wrong.push(format!("{table} (row security {}, forced {forced}, {policies} policies)", if enabled { "on" } else { "off" }));
        }
    }
    wrong
}

#[tokio::test]
async fn every_table_with_a_tenant_column_has_forced_row_security_and_a_policy() {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() {
        return;
    }
    let owner = app.raw_db().await;
    let tables = tenant_tables(&owner).await;
    assert!(tables.len() >= 20 && tables.iter().any(|t| t == "cases"), "the catalogue query finds the tenant tables: {tables:?}");
    let wrong = unfenced(&owner).await;
    assert!(wrong.is_empty(), "tenant-owned tables without row-level security: {wrong:?} (add them to a policy migration)");

    // A table added without a policy is named.
    owner.execute_unprepared("CREATE TABLE rls_probe (id uuid PRIMARY KEY, tenant_id uuid NOT NULL)").await.unwrap();
    assert_eq!(unfenced(&owner).await, vec!["rls_probe (row security off, forced false, 0 policies)".to_owned()]);
}

struct World {
    /// Held so the database lives as long as the test.
    _app: TestApp,
    owner: DatabaseConnection,
    /// The service's own role, straight to the database (no repository, no tenant filter).
    service: DatabaseConnection,
    shizheng: Uuid,
    consumer: Uuid,
    joint_case: Uuid,
}

async fn tenant(db: &DatabaseConnection, code: &str) -> Uuid {
    hotline_store::tenants::find_by_code(db, code).await.unwrap().unwrap_or_else(|| panic!("tenant {code}")).id
}

/// The demo city with a joint case (联办): received by the front door (12345), led by a unit of 12319 with a
/// co-unit of 12369; 12315 takes no part.
async fn world() -> Option<World> {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() {
        return None;
    }
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let lead = app.unit("12319", "市政设施管理处").await;
    let air = app.unit("12369", "大气环境处").await;
    let id = app.intake(&agent, complaint("工地夜间施工扬尘大。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": lead, "co_unit_ids": [air]})).await;
    let owner = app.raw_db().await;
    let service = hotline_store::connect(&app.db.url(), 2).await.unwrap().db;
    Some(World {
        shizheng: tenant(&owner, "12319").await,
        consumer: tenant(&owner, "12315").await,
        joint_case: id.parse().unwrap(),
        owner,
        service,
        _app: app,
    })
}

#[tokio::test]
async fn a_query_that_forgets_its_tenant_sees_nothing_of_another_line() {
    let Some(w) = world().await else { return };
    let tables = tenant_tables(&w.owner).await;
    let others = "SELECT count(*) AS n FROM {t} WHERE tenant_id IS DISTINCT FROM $1";
    // The owner (a superuser here) sees every line's rows, so each check below could fail.
    for t in ["users", "units", "cases", "case_events", "case_participants", "audit_events", "sessions"] {
        assert!(count(&w.owner, &others.replace("{t}", t), vec![w.consumer.into()]).await > 0, "{t} has rows of other lines");
    }

    // 12315's scope: no row of any other tenant in any tenant-owned table, whatever the query.
    scope::run(Scope::tenant(w.consumer), async {
        for t in tables.iter().filter(|t| !SHARED_COUNTERS.contains(&t.as_str())) {
            let seen = count(&w.service, &others.replace("{t}", t), vec![w.consumer.into()]).await;
            assert_eq!(seen, 0, "{t}: 12315's scope sees {seen} rows of other tenants");
        }
        assert!(count(&w.service, "SELECT count(*) AS n FROM users", vec![]).await > 0, "its own accounts stay visible");
        let case = count(&w.service, "SELECT count(*) AS n FROM cases WHERE id = $1", vec![w.joint_case.into()]).await;
        assert_eq!(case, 0, "a joint case 12315 takes no part in");
    })
    .await;

    // 12319 leads the joint case: the case, its events and all its participants are visible
    // (the policy adds the cases its line takes part in), nothing else of the platform's.
    scope::run(Scope::tenant(w.shizheng), async {
        let id = w.joint_case;
        assert_eq!(count(&w.service, "SELECT count(*) AS n FROM cases WHERE id = $1", vec![id.into()]).await, 1);
        assert!(count(&w.service, "SELECT count(*) AS n FROM case_events WHERE case_id = $1", vec![id.into()]).await > 0);
        assert_eq!(count(&w.service, "SELECT count(*) AS n FROM case_participants WHERE case_id = $1", vec![id.into()]).await, 2);
        let strangers = "SELECT count(*) AS n FROM users WHERE tenant_id <> $1";
        assert_eq!(count(&w.service, strangers, vec![w.shizheng.into()]).await, 0, "no other line's accounts");
    })
    .await;

    // No scope at all (a task that forgot to say whose work it is): nothing.
    for t in ["users", "cases", "units", "audit_events"] {
        assert_eq!(count(&w.service, &format!("SELECT count(*) AS n FROM {t}"), vec![]).await, 0, "{t} without a scope");
    }
    // The platform scope sees what the owner sees.
    let all = "SELECT count(*) AS n FROM users";
    let platform = scope::platform(count(&w.service, all, vec![])).await;
    assert_eq!(platform, count(&w.owner, all, vec![]).await);
}

/// The intake writer's pool (`connect_scoped`) serves the platform only: its connections are
/// told so when they open, not on each acquire, so whatever scope the task has (none, or a
/// line's) they see what the owner sees, while the service's pool keeps following the task.
#[tokio::test]
async fn a_pool_kept_to_the_platform_sees_every_line_whatever_the_task() {
    let Some(w) = world().await else { return };
    let writer = hotline_store::connect_scoped(&w._app.db.url(), hotline_store::PoolSettings::new(2), Scope::Platform).await.unwrap().db;
    let all = "SELECT count(*) AS n FROM users";
    let everyone = count(&w.owner, all, vec![]).await;
    let by_line = "SELECT count(*) AS n FROM users WHERE tenant_id <> $1";
    assert!(count(&w.owner, by_line, vec![w.consumer.into()]).await > 0, "other lines have accounts");
    for _ in 0..3 {
        assert_eq!(count(&writer, all, vec![]).await, everyone, "no task scope");
        let line = scope::run(Scope::tenant(w.consumer), count(&writer, by_line, vec![w.consumer.into()])).await;
        assert!(line > 0, "a line's task through the platform's pool still sees other lines");
        assert_eq!(count(&w.service, all, vec![]).await, 0, "the service's pool without a scope sees nothing");
        let own = scope::run(Scope::tenant(w.consumer), count(&w.service, by_line, vec![w.consumer.into()])).await;
        assert_eq!(own, 0, "the service's pool follows the task's scope");
    }
}

#[tokio::test]
async fn another_lines_rows_cannot_be_written_from_a_scope() {
    let Some(w) = world().await else { return };
    let copy_unit = "INSERT INTO units (id, tenant_id, parent_id, name, kind, district, is_district_fallback, status, created_at, updated_at) \
                     SELECT $1, $2, NULL, name || '（副本）', kind, district, false, status, created_at, updated_at \
                     FROM units WHERE tenant_id = $3 LIMIT 1";
    scope::run(Scope::tenant(w.consumer), async {
        let txn = hotline_store::begin_write(&w.service).await.unwrap();
        // Its own line: allowed (the statement itself is sound) ...
        let own = txn.execute_raw(stmt(copy_unit, vec![Uuid::now_v7().into(), w.consumer.into(), w.consumer.into()])).await.unwrap();
        assert_eq!(own.rows_affected(), 1);
        txn.rollback().await.unwrap();
        // ... another line's: refused by the policy's check.
        let err =
            w.service.execute_raw(stmt(copy_unit, vec![Uuid::now_v7().into(), w.shizheng.into(), w.consumer.into()])).await.unwrap_err();
        assert!(err.to_string().contains("row-level security"), "{err}");
        // Moving its own rows into another line: refused too.
        let err = w
            .service
            .execute_raw(stmt("UPDATE units SET tenant_id = $1 WHERE tenant_id = $2", vec![w.shizheng.into(), w.consumer.into()]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("row-level security"), "{err}");
        // Changing or deleting another line's rows finds none to change.
        let changed =
            w.service.execute_raw(stmt("UPDATE users SET display_name = 'x' WHERE tenant_id = $1", vec![w.shizheng.into()])).await.unwrap();
        assert_eq!(changed.rows_affected(), 0);
        let removed = w.service.execute_raw(stmt("DELETE FROM cases WHERE id = $1", vec![w.joint_case.into()])).await.unwrap();
        assert_eq!(removed.rows_affected(), 0);
    })
    .await;
    let untouched = "SELECT count(*) AS n FROM users WHERE tenant_id = $1 AND display_name = 'x'";
    assert_eq!(count(&w.owner, untouched, vec![w.shizheng.into()]).await, 0);
    assert_eq!(count(&w.owner, "SELECT count(*) AS n FROM cases WHERE id = $1", vec![w.joint_case.into()]).await, 1);
}

#[tokio::test]
async fn the_service_role_owns_nothing_and_cannot_bypass_the_policies() {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() {
        return;
    }
    let report = app.core.store.role_report().await.unwrap().expect("PostgreSQL has roles");
    assert!(report.role.starts_with("hotline_app_"), "the service runs as its own role: {report:?}");
    assert_eq!(report.weakness(), None, "{report:?}");
    assert!(!report.superuser && !report.bypass_rls && report.owned_tables.is_empty());
    // The owner is reported as what it is, so the check above could fail.
    let owner = hotline_store::connect(app.owner_url.as_deref().unwrap(), 1).await.unwrap();
    assert!(owner.role_report().await.unwrap().unwrap().weakness().is_some());

    // Asked to split the roles but given the owner as the service's: the start is refused.
    let kv = TestKv::new();
    let owner_url = app.owner_url.clone().unwrap();
    let mut env = test_env(&owner_url, &kv, &[]);
    env.push(("HOTLINE_MIGRATION_DATABASE_URL".into(), owner_url.clone()));
    let settings = hotline_config::Settings::load(None, env).unwrap();
    let err = hotline_api::Application::build(settings).await.err().expect("the start is refused");
    assert!(format!("{err:#}").contains("row-level security cannot fence it in"), "{err:#}");
}

//! Many rows in one statement on the real database: every column type stores what it was
//! given, whether its array went typed (no NULL in the batch) or as a text literal (a NULL in
//! it), and batches of both forms alternate on one connection (the driver caches prepared
//! statements by their text: a typed array bound to a statement prepared for text would be
//! read as text).

use hotline_store::bulk::{self, Col, Insert, Table};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::helpers::TestApp;

const ALL: Table = Table {
    name: "bulk_probe",
    cols: &[
        ("id", Col::Uuid),
        ("label", Col::Text),
        ("at", Col::Time),
        ("n", Col::Int),
        ("big", Col::BigInt),
        ("flag", Col::Bool),
        ("x", Col::Double),
        ("other", Col::Uuid),
    ],
};

const TAGS: Table = Table { name: "bulk_probe_tags", cols: &[("probe_id", Col::Uuid), ("tag", Col::Text)] };

fn row(label: &str, other: Json, n: Json) -> Vec<Json> {
    vec![
        json!(Uuid::now_v7().to_string()),
        json!(label),
        json!("2026-12-07T08:30:15.123456Z"),
        n,
        json!(i64::MAX - 7),
        json!(true),
        json!(-12.5),
        other,
    ]
}

/// Every cell as `Col::read` gives it back, by id.
async fn stored(db: &impl ConnectionTrait) -> Vec<Vec<Json>> {
    let backend = db.get_database_backend();
    let rows = db.query_all_raw(Statement::from_string(backend, "SELECT * FROM bulk_probe ORDER BY id")).await.unwrap();
    rows.iter().map(|r| ALL.cols.iter().map(|(name, col)| col.read(r, name).unwrap()).collect()).collect()
}

#[tokio::test]
async fn rows_store_alike_whether_their_columns_travel_typed_or_as_literals() {
    let app = TestApp::spawn().await;
    // One connection, so that every batch meets the statements the earlier ones prepared.
    let db = match &app.owner_url {
        Some(url) => hotline_store::connect(url, 1).await.unwrap().db,
        None => app.raw_db().await,
    };
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "CREATE TABLE bulk_probe (id uuid PRIMARY KEY, label text NOT NULL, at timestamptz, n integer, big bigint, \
             flag boolean, x double precision, other uuid); \
             CREATE TABLE bulk_probe_tags (probe_id uuid NOT NULL REFERENCES bulk_probe (id), tag text NOT NULL)"
        }
        _ => {
            "CREATE TABLE bulk_probe (id TEXT PRIMARY KEY, label TEXT NOT NULL, at TEXT, n INTEGER, big INTEGER, flag INTEGER, \
             x REAL, other TEXT); CREATE TABLE bulk_probe_tags (probe_id TEXT NOT NULL REFERENCES bulk_probe (id), tag TEXT NOT NULL)"
        }
    };
    db.execute_unprepared(sql).await.unwrap();

    let other = json!(Uuid::now_v7().to_string());
    // Text that a literal must quote and escape, and text that looks like a literal's parts.
    let hard = ["市民\"反映\\路灯{不亮},", "NULL", "", "{x,y}", "a\nb\tc"];
    // 1: every column typed; 2: `other` and `n` have NULLs (literals), the rest typed;
    // 3: typed again, on the statement text of batch 1.
    let typed: Vec<Vec<Json>> = hard.iter().map(|l| row(l, other.clone(), json!(i32::MIN))).collect();
    let mixed: Vec<Vec<Json>> = hard
        .iter()
        .enumerate()
        .map(|(i, l)| row(l, if i % 2 == 0 { Json::Null } else { other.clone() }, if i == 1 { Json::Null } else { json!(7) }))
        .collect();
    let again: Vec<Vec<Json>> = hard.iter().map(|l| row(l, other.clone(), json!(3))).collect();
    let mut expected = Vec::new();
    for batch in [typed, mixed, again] {
        bulk::insert(&db, &ALL, batch.clone(), "").await.unwrap();
        expected.extend(batch);
    }
    // Two tables in one statement (PostgreSQL), the child's foreign key on the parent's rows.
    let parent = row("parent", Json::Null, json!(1));
    let tags = vec![vec![parent[0].clone(), json!("甲")], vec![parent[0].clone(), json!("乙")]];
    let stored_n = bulk::insert_together(&db, vec![Insert::new(&ALL, vec![parent.clone()], ""), Insert::new(&TAGS, tags, "").counted()])
        .await
        .unwrap();
    assert_eq!(stored_n, 2, "both tags counted");
    expected.push(parent);

    expected.sort_by(|a, b| a[0].as_str().cmp(&b[0].as_str()));
    let mut got = stored(&db).await;
    // SQLite keeps what it was given; PostgreSQL gives times back in its own form.
    for r in &mut got {
        if let Some(t) = r[2].as_str() {
            r[2] = json!(
                chrono::DateTime::parse_from_rfc3339(t)
                    .unwrap()
                    .with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            );
        }
        if r[5] == json!(1) {
            r[5] = json!(true);
        }
    }
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e, "stored as given");
    }
    let n = db.query_one_raw(Statement::from_string(backend, "SELECT count(*) AS n FROM bulk_probe_tags")).await.unwrap().unwrap();
    assert_eq!(n.try_get::<i64>("", "n").unwrap(), 2);
}

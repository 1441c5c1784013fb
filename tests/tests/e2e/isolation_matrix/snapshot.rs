//! Everything the other line owns, read straight from the database: the tables a line transfer
//! moves (every tenant-owned table of the schema, see hotline-store `transfer`) plus its
//! integrator keys. Compared before and after the run: nothing of theirs may change.

use std::collections::BTreeMap;

use hotline_store::StoreError;
use hotline_store::transfer::{read_rows, specs};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::helpers::TestApp;

pub type Snapshot = BTreeMap<String, Vec<Map<String, Value>>>;

pub async fn tenant_id(app: &TestApp, code: &str) -> Uuid {
    let admin = app.token("city_admin").await;
    let (_, t) = app.get(&format!("/api/v1/tenants/{code}"), &admin).await;
    t["id"].as_str().unwrap_or_else(|| panic!("tenant {code}: {t}")).parse().unwrap()
}

pub async fn take(app: &TestApp, tenant: Uuid, code: &str) -> Snapshot {
    let mut snap = Snapshot::new();
    // As the tables' owner: the service's own role sees nothing outside a scope on PostgreSQL
    // (row-level security), which would make every snapshot empty and the comparison vacuous.
    let db = app.raw_db().await;
    for spec in specs() {
        let mut rows = Vec::new();
        read_rows(&db, spec, &[tenant], &[code.to_owned()], |row| {
            rows.push(row);
            Ok::<(), StoreError>(())
        })
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", spec.table));
        snap.insert(spec.table.to_owned(), rows);
    }
    assert!(snap.values().any(|rows| !rows.is_empty()), "the other line's snapshot holds its records");
    // Keys are not moved by a transfer (secrets), so read them through the security administrator.
    let security = app.token("security_admin").await;
    let (_, keys) = app.get(&format!("/api/v1/tenants/{code}/api-keys?limit=200"), &security).await;
    let keys = keys["items"].as_array().unwrap().iter().map(|k| k.as_object().unwrap().clone()).collect();
    snap.insert("api_keys".into(), keys);
    snap
}

/// The ids and tracking numbers of every row: none may reach a caller of another line.
pub fn ids(snap: &Snapshot) -> Vec<String> {
    let mut ids: Vec<String> = snap
        .values()
        .flatten()
        .flat_map(|row| ["id", "tracking_number"].into_iter().filter_map(|k| row.get(k)?.as_str().map(str::to_owned)))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The ids a public answer must not hold: Open311 publishes every line's requests (a case's id
/// is its `token`, an event's id its `update_id`) by design, nothing else.
pub fn internal_ids(snap: &Snapshot) -> Vec<String> {
    let inside: Snapshot =
        snap.iter().filter(|(t, _)| !matches!(t.as_str(), "cases" | "case_events")).map(|(t, r)| (t.clone(), r.clone())).collect();
    ids(&inside).into_iter().filter(|id| id.parse::<Uuid>().is_ok()).collect()
}

/// The tables whose rows differ, with the first difference of each.
pub fn changes(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for (table, rows) in after {
        let old = before.get(table).cloned().unwrap_or_default();
        if &old != rows {
            let added: Vec<&Map<String, Value>> = rows.iter().filter(|r| !old.contains(r)).take(2).collect();
            let gone: Vec<&Map<String, Value>> = old.iter().filter(|r| !rows.contains(r)).take(2).collect();
            out.push(format!("{table}: now {:?}, before {:?}", added, gone));
        }
    }
    out
}

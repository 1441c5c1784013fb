//! Reading the lines' rows of a table as JSON objects, inserting them back, and the queries
//! the transfer checks need (existing tenants, tenants referred to, the live schema).

use std::collections::{HashMap, HashSet};

use futures_util::TryStreamExt;
use sea_orm::{ConnectionTrait, DbBackend, Statement, StreamTrait, Value};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::{Owner, Spec};
use crate::bulk::{self, CHUNK};
use crate::{StoreError, StoreResult};

/// `$1, $2, …` (PostgreSQL) or `?, ?, …` (SQLite) for `n` values after `before` others.
fn placeholders(backend: DbBackend, before: usize, n: usize) -> String {
    (0..n).map(|i| if backend == DbBackend::Postgres { format!("${}", before + i + 1) } else { "?".into() }).collect::<Vec<_>>().join(", ")
}

/// The `WHERE` clause selecting the lines' rows of `spec`, and its values.
fn owned(spec: &Spec, backend: DbBackend, tenants: &[Uuid], codes: &[String]) -> (String, Vec<Value>) {
    let ids = placeholders(backend, 0, tenants.len());
    let values: Vec<Value> = tenants.iter().map(|t| (*t).into()).collect();
    match spec.owner {
        Owner::Tenant => (format!("id IN ({ids})"), values),
        Owner::TenantColumn => (format!("tenant_id IN ({ids})"), values),
        Owner::Case => (format!("case_id IN (SELECT id FROM cases WHERE tenant_id IN ({ids}))"), values),
        Owner::HotSpot => (format!("hot_spot_id IN (SELECT id FROM hot_spots WHERE tenant_id IN ({ids}))"), values),
        Owner::TrackingScope => {
            // `CODE-YYYYMMDD`: the dash keeps code 123 from matching 12345's sequences.
            let likes: Vec<String> = (0..codes.len()).map(|i| format!("scope LIKE {}", placeholders(backend, i, 1))).collect::<Vec<_>>();
            let clause = if likes.is_empty() { "1 = 0".to_owned() } else { likes.join(" OR ") };
            (format!("({clause})"), codes.iter().map(|c| format!("{c}-%").into()).collect())
        }
    }
}

pub async fn count(db: &impl ConnectionTrait, spec: &Spec, tenants: &[Uuid], codes: &[String]) -> StoreResult<u64> {
    let backend = db.get_database_backend();
    let (filter, values) = owned(spec, backend, tenants, codes);
    let sql = format!("SELECT COUNT(*) AS n FROM {} WHERE {filter}", spec.table);
    let row = db.query_one_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0) as u64)
}

/// Streams the lines' rows of `spec` to `each`, one JSON object per row, in `spec.order_by`
/// order (units: every parent before its children, so the import satisfies `units.parent_id`).
pub async fn read_rows<C, E>(
    db: &C,
    spec: &Spec,
    tenants: &[Uuid],
    codes: &[String],
    mut each: impl FnMut(Map<String, Json>) -> Result<(), E>,
) -> Result<u64, E>
where
    C: ConnectionTrait + StreamTrait,
    E: From<StoreError>,
{
    let backend = ConnectionTrait::get_database_backend(db);
    let (filter, values) = owned(spec, backend, tenants, codes);
    let cols: Vec<&str> = spec.cols.iter().map(|(n, _)| *n).collect();
    let sql = format!("SELECT {} FROM {} WHERE {filter} ORDER BY {}", cols.join(", "), spec.table, spec.order_by);
    let stream = db.stream_raw(Statement::from_sql_and_values(backend, sql, values)).await.map_err(StoreError::from)?;
    let mut stream = std::pin::pin!(stream);
    let mut held = Vec::new();
    let mut n = 0;
    while let Some(row) = stream.try_next().await.map_err(StoreError::from)? {
        let mut obj = Map::new();
        for (name, col) in spec.cols {
            obj.insert((*name).to_owned(), col.read(&row, name).map_err(StoreError::from)?);
        }
        n += 1;
        if spec.table == "units" {
            held.push(obj);
        } else {
            each(obj)?;
        }
    }
    for obj in parents_first(held) {
        each(obj)?;
    }
    Ok(n)
}

/// Orders unit rows so that a unit's parent (when among them) comes before it.
fn parents_first(units: Vec<Map<String, Json>>) -> Vec<Map<String, Json>> {
    let id = |u: &Map<String, Json>, key: &str| u.get(key).and_then(Json::as_str).map(str::to_owned);
    let mut placed: HashSet<String> = HashSet::new();
    let ids: HashSet<String> = units.iter().filter_map(|u| id(u, "id")).collect();
    let mut rest = units;
    let mut out = Vec::with_capacity(rest.len());
    while !rest.is_empty() {
        let before = rest.len();
        let (ready, waiting): (Vec<_>, Vec<_>) = rest.into_iter().partition(|u| match id(u, "parent_id") {
            Some(p) => placed.contains(&p) || !ids.contains(&p),
            None => true,
        });
        placed.extend(ready.iter().filter_map(|u| id(u, "id")));
        out.extend(ready);
        rest = waiting;
        if rest.len() == before {
            // A cycle cannot be stored (each row's parent existed first); keep what is left.
            out.append(&mut rest);
        }
    }
    out
}

/// Inserts rows of `spec` (checked by the caller: every column present, of its type).
pub async fn insert_rows(db: &impl ConnectionTrait, spec: &Spec, rows: &[Map<String, Json>]) -> StoreResult<()> {
    let table = bulk::Table { name: spec.table, cols: spec.cols };
    for chunk in rows.chunks(CHUNK) {
        let cells: Vec<bulk::Row> =
            chunk.iter().map(|r| spec.cols.iter().map(|(name, _)| r.get(*name).cloned().unwrap_or(Json::Null)).collect()).collect();
        bulk::insert(db, &table, cells, "").await?;
    }
    Ok(())
}

/// Tenants of this platform with one of these ids or codes.
pub async fn existing_tenants(db: &impl ConnectionTrait, ids: &[Uuid], codes: &[String]) -> StoreResult<Vec<(Uuid, String)>> {
    if ids.is_empty() && codes.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT id, code FROM tenants WHERE id IN ({}) OR code IN ({}) ORDER BY code",
        if ids.is_empty() { "NULL".into() } else { placeholders(backend, 0, ids.len()) },
        if codes.is_empty() { "NULL".into() } else { placeholders(backend, ids.len(), codes.len()) }
    );
    let values: Vec<Value> = ids.iter().map(|i| (*i).into()).chain(codes.iter().map(|c| c.clone().into())).collect();
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter().map(|r| Ok((r.try_get::<Uuid>("", "id")?, r.try_get::<String>("", "code")?))).collect()
}

/// The other tenants the lines' data refers to, with their codes where this platform knows
/// them: units of other lines taking part in the lines' cases (or named as lead or reported
/// unit), lines whose cases the lines' units took part in (their line statistics count
/// those cases), and the receivers of cases the lines' cases or hot spots point at.
pub async fn referenced_tenants(db: &impl ConnectionTrait, tenants: &[Uuid]) -> StoreResult<Vec<(Uuid, Option<String>)>> {
    if tenants.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut found: HashSet<Uuid> = HashSet::new();
    let queries = [
        "SELECT DISTINCT p.tenant_id AS t FROM case_participants p JOIN cases c ON c.id = p.case_id WHERE c.tenant_id IN ({S})",
        "SELECT DISTINCT c.tenant_id AS t FROM case_participants p JOIN cases c ON c.id = p.case_id WHERE p.tenant_id IN ({S})",
        "SELECT DISTINCT u.tenant_id AS t FROM cases c JOIN units u ON u.id = c.lead_unit_id WHERE c.tenant_id IN ({S})",
        "SELECT DISTINCT u.tenant_id AS t FROM cases c JOIN units u ON u.id = c.reported_unit_id WHERE c.tenant_id IN ({S})",
        "SELECT DISTINCT d.tenant_id AS t FROM cases c JOIN cases d ON d.id = c.duplicate_of WHERE c.tenant_id IN ({S})",
        "SELECT DISTINCT c.tenant_id AS t FROM call_events e JOIN cases c ON c.id = e.case_id WHERE e.tenant_id IN ({S})",
        "SELECT DISTINCT c.tenant_id AS t FROM hot_spot_cases h JOIN hot_spots s ON s.id = h.hot_spot_id \
         JOIN cases c ON c.id = h.case_id WHERE s.tenant_id IN ({S})",
    ];
    let values: Vec<Value> = tenants.iter().map(|t| (*t).into()).collect();
    for q in queries {
        let sql = q.replace("{S}", &placeholders(backend, 0, tenants.len()));
        for row in db.query_all_raw(Statement::from_sql_and_values(backend, sql, values.clone())).await? {
            found.insert(row.try_get::<Uuid>("", "t")?);
        }
    }
    found.retain(|t| !tenants.contains(t));
    let mut ids: Vec<Uuid> = found.into_iter().collect();
    ids.sort();
    let codes: HashMap<Uuid, String> = existing_tenants(db, &ids, &[]).await?.into_iter().collect();
    Ok(ids.into_iter().map(|id| (id, codes.get(&id).cloned())).collect())
}

/// The tables of the connected database (migrations' bookkeeping included).
pub async fn schema_tables(db: &impl ConnectionTrait) -> StoreResult<Vec<String>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    };
    let rows = db.query_all_raw(Statement::from_string(backend, sql)).await?;
    rows.iter().map(|r| Ok(r.try_get::<String>("", "name")?)).collect()
}

/// The columns of a table of the connected database.
pub async fn schema_columns(db: &impl ConnectionTrait, table: &str) -> StoreResult<Vec<String>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT column_name AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
        _ => "SELECT name FROM pragma_table_info(?) ORDER BY cid",
    };
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, [table.into()])).await?;
    rows.iter().map(|r| Ok(r.try_get::<String>("", "name")?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, parent: Option<&str>) -> Map<String, Json> {
        let mut m = Map::new();
        m.insert("id".into(), id.into());
        m.insert("parent_id".into(), parent.map(Json::from).unwrap_or(Json::Null));
        m
    }

    #[test]
    fn parents_come_before_their_children() {
        let rows = vec![unit("c", Some("b")), unit("b", Some("a")), unit("x", Some("elsewhere")), unit("a", None)];
        let order: Vec<String> = parents_first(rows).iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(order, vec!["x", "a", "b", "c"]);
    }

    #[test]
    fn tracking_scopes_match_the_codes_with_their_dash() {
        let spec = super::super::spec_of("tracking_counters").unwrap();
        let (sql, values) = owned(spec, DbBackend::Postgres, &[Uuid::nil()], &["12319".into(), "123".into()]);
        assert_eq!(sql, "(scope LIKE $1 OR scope LIKE $2)");
        assert_eq!(values, vec![Value::from("12319-%".to_owned()), Value::from("123-%".to_owned())]);
    }
}

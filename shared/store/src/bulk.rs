//! Many rows in one statement. On PostgreSQL each column travels as one array parameter that
//! `unnest` turns back into rows: a statement with thousands of bind parameters costs more to
//! parse and bind than the rows cost to write (and `json_to_recordset` measured ten times
//! slower than `unnest` of text arrays). An array goes typed (binary) when the column has no
//! NULL in the batch, which PostgreSQL copies in, and as a text literal otherwise, which it
//! parses char by char ([`Param`]). SQLite (embedded, one writer, small batches) takes chunks
//! of plain `VALUES`.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::StoreResult;

/// Rows per `VALUES` statement on SQLite (far below its 32,766 parameters), and ids per `IN`.
pub const CHUNK: usize = 500;

#[derive(Debug, Clone, Copy)]
pub enum Col {
    Uuid,
    Text,
    Time,
    Int,
    BigInt,
    Bool,
    Double,
}

impl Col {
    fn pg_type(self) -> &'static str {
        match self {
            Col::Uuid => "uuid",
            Col::Text => "text",
            Col::Time => "timestamptz",
            Col::Int => "integer",
            Col::BigInt => "bigint",
            Col::Bool => "boolean",
            Col::Double => "double precision",
        }
    }

    /// A cell read back as JSON: the form `bind` takes (uuid and time as text, RFC 3339 with
    /// the stored precision), NULL as `null`.
    pub fn read(self, row: &QueryResult, name: &str) -> Result<Json, sea_orm::DbErr> {
        let v = match self {
            Col::Uuid => row.try_get::<Option<Uuid>>("", name)?.map(|v| Json::String(v.to_string())),
            Col::Text => row.try_get::<Option<String>>("", name)?.map(Json::String),
            Col::Time => row
                .try_get::<Option<DateTime<Utc>>>("", name)?
                .map(|t| Json::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))),
            Col::Int => row.try_get::<Option<i32>>("", name)?.map(Json::from),
            Col::BigInt => row.try_get::<Option<i64>>("", name)?.map(Json::from),
            Col::Bool => row.try_get::<Option<bool>>("", name)?.map(Json::Bool),
            Col::Double => row.try_get::<Option<f64>>("", name)?.and_then(serde_json::Number::from_f64).map(Json::Number),
        };
        Ok(v.unwrap_or(Json::Null))
    }

    /// Whether a JSON cell is a value of this column (`null` always is; NOT NULL is the
    /// database's to enforce).
    pub fn accepts(self, v: &Json) -> bool {
        match (self, v) {
            (_, Json::Null) => true,
            (Col::Uuid, Json::String(s)) => s.parse::<Uuid>().is_ok(),
            (Col::Text, Json::String(_)) => true,
            (Col::Time, Json::String(s)) => DateTime::parse_from_rfc3339(s).is_ok(),
            (Col::Int, Json::Number(n)) => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
            (Col::BigInt, Json::Number(n)) => n.as_i64().is_some(),
            (Col::Bool, Json::Bool(_)) => true,
            (Col::Double, Json::Number(n)) => n.as_f64().is_some(),
            _ => false,
        }
    }

    /// The bind value of a JSON cell (`null` stays NULL of the column's type).
    fn bind(self, v: &Json) -> Value {
        match self {
            Col::Uuid => v.as_str().and_then(|s| s.parse::<Uuid>().ok()).into(),
            Col::Text => v.as_str().map(str::to_owned).into(),
            Col::Time => v.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc)).into(),
            Col::Int | Col::BigInt => v.as_i64().into(),
            Col::Bool => v.as_bool().into(),
            Col::Double => v.as_f64().into(),
        }
    }
}

/// A table's columns, in the order rows give their cells.
pub struct Table<'a> {
    pub name: &'a str,
    pub cols: &'a [(&'static str, Col)],
}

/// A row: one cell per column of the table, in order.
pub type Row = Vec<Json>;

pub fn time(t: DateTime<Utc>) -> Json {
    Json::String(t.to_rfc3339())
}

pub fn opt<T: Into<Json>>(v: Option<T>) -> Json {
    v.map(Into::into).unwrap_or(Json::Null)
}

pub fn uuid(id: Uuid) -> Json {
    Json::String(id.to_string())
}

/// Inserts `rows` into `table`; `suffix` follows the statement (e.g. `ON CONFLICT … DO NOTHING
/// RETURNING …`) and the rows it returns are collected.
pub async fn insert(db: &impl ConnectionTrait, table: &Table<'_>, rows: Vec<Row>, suffix: &str) -> StoreResult<Vec<QueryResult>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        let params = pg_arrays(table, rows);
        let sql = pg_insert(table, 1, &params, suffix);
        return Ok(db.query_all_raw(Statement::from_sql_and_values(backend, sql, params.into_iter().map(|p| p.value))).await?);
    }
    let list = column_list(table);
    let mut out = Vec::new();
    let one = format!("({})", vec!["?"; table.cols.len()].join(", "));
    for chunk in rows.chunks(CHUNK) {
        let sql = format!("INSERT INTO {} ({list}) VALUES {} {suffix}", table.name, vec![one.as_str(); chunk.len()].join(", "));
        let values: Vec<Value> = chunk.iter().flat_map(|r| table.cols.iter().zip(r).map(|((_, t), v)| t.bind(v))).collect();
        out.extend(db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?);
    }
    Ok(out)
}

/// `INSERT … SELECT * FROM unnest($first::type[], …) suffix`: one array parameter per column;
/// a text literal is cast from `text` (`$n::text::type[]`). The casts differ so that the two forms
/// are two statements: the driver caches a prepared statement by its text, with the parameter
/// types of its first use, and a typed array bound to a statement prepared for text would be
/// read as text.
fn pg_insert(table: &Table<'_>, first: usize, params: &[Param], suffix: &str) -> String {
    let arrays: Vec<String> = table
        .cols
        .iter()
        .zip(params)
        .enumerate()
        .map(|(i, ((_, t), p))| format!("${}{}::{}[]", first + i, if p.typed { "" } else { "::text" }, t.pg_type()))
        .collect();
    format!("INSERT INTO {} ({}) SELECT * FROM unnest({}) {suffix}", table.name, column_list(table), arrays.join(", "))
}

/// `a, b, c`: the table's column names in order.
fn column_list(table: &Table<'_>) -> String {
    table.cols.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// One column's cells as an array parameter of [`pg_insert`].
struct Param {
    value: Value,
    /// A typed array (PostgreSQL receives it in binary), else a text literal.
    typed: bool,
}

/// The array parameters of [`pg_insert`], one per column (the cells move into them: a batch's
/// texts are most of its bytes).
fn pg_arrays(table: &Table<'_>, rows: Vec<Row>) -> Vec<Param> {
    let mut columns: Vec<Vec<Json>> = table.cols.iter().map(|_| Vec::with_capacity(rows.len())).collect();
    for row in rows {
        for (column, cell) in columns.iter_mut().zip(row) {
            column.push(cell);
        }
    }
    table.cols.iter().zip(columns).map(|((_, col), mut cells)| pg_array(*col, &mut cells)).collect()
}

/// Typed when every cell is a value of the column. The text literal was a third of the intake
/// batch's execution in PostgreSQL (auto_explain: the `unnest` scans' start-up, where the
/// literals are parsed). A column with a NULL stays a literal: sea-query binds a typed array
/// only without NULL elements (it panics on one), and a NULL array would be padded, not
/// aligned.
fn pg_array(col: Col, cells: &mut [Json]) -> Param {
    match typed_array(col, cells) {
        Some(value) => Param { value, typed: true },
        None => Param { value: array_literal(cells.iter()).into(), typed: false },
    }
}

/// The cells as a typed array, or `None` (the cells untouched) when one is NULL or not a value
/// of the column. Texts are moved out, not copied.
fn typed_array(col: Col, cells: &mut [Json]) -> Option<Value> {
    use sea_orm::sea_query::ArrayType;
    let (kind, values): (ArrayType, Option<Vec<Value>>) = match col {
        Col::Uuid => (ArrayType::Uuid, cells.iter().map(|c| c.as_str()?.parse::<Uuid>().ok().map(Value::from)).collect()),
        Col::Text if cells.iter().any(Json::is_null) => return None,
        Col::Text => (ArrayType::String, Some(cells.iter_mut().map(|c| Value::from(take_text(c))).collect())),
        Col::Time => (
            ArrayType::ChronoDateTimeUtc,
            cells.iter().map(|c| DateTime::parse_from_rfc3339(c.as_str()?).ok().map(|t| Value::from(t.with_timezone(&Utc)))).collect(),
        ),
        Col::Int => (ArrayType::Int, cells.iter().map(|c| i32::try_from(c.as_i64()?).ok().map(Value::from)).collect()),
        Col::BigInt => (ArrayType::BigInt, cells.iter().map(|c| c.as_i64().map(Value::from)).collect()),
        Col::Bool => (ArrayType::Bool, cells.iter().map(|c| c.as_bool().map(Value::from)).collect()),
        Col::Double => (ArrayType::Double, cells.iter().map(|c| c.as_f64().map(Value::from)).collect()),
    };
    Some(Value::Array(kind, Some(Box::new(values?))))
}

/// A text column's (non-NULL) cell as the literal path sends it: a string as it is, moved out;
/// any other JSON value as its JSON text.
fn take_text(cell: &mut Json) -> String {
    match cell {
        Json::String(s) => std::mem::take(s),
        other => other.to_string(),
    }
}

/// Rows for one table, built but not yet sent, so that several tables' rows can travel in one
/// statement ([`insert_together`]).
pub struct Insert {
    name: String,
    cols: Vec<(&'static str, Col)>,
    rows: Vec<Row>,
    suffix: String,
    counted: bool,
}

impl Insert {
    /// `suffix` as for [`insert`], without `RETURNING` (what the statement returns is dropped).
    pub fn new(table: &Table<'_>, rows: Vec<Row>, suffix: impl Into<String>) -> Self {
        Insert { name: table.name.to_owned(), cols: table.cols.to_vec(), rows, suffix: suffix.into(), counted: false }
    }

    /// The rows this insert stores are counted in [`insert_together`]'s answer (for an insert
    /// that may skip some, `ON CONFLICT … DO NOTHING`).
    pub fn counted(mut self) -> Self {
        self.counted = true;
        self
    }

    fn table(&self) -> Table<'_> {
        Table { name: &self.name, cols: &self.cols }
    }

    /// The suffix as sent: a counted insert returns a row per row it stored.
    fn sent_suffix(&self) -> String {
        if self.counted { format!("{} RETURNING 1", self.suffix) } else { self.suffix.clone() }
    }
}

/// Stores several tables' rows. On PostgreSQL they go as one statement, each table's insert a
/// data-modifying `WITH` part: the intake writer's batch wrote five tables in five round trips,
/// and it holds the day's sequence row locked from the first of them to its commit. Foreign
/// keys between the parts hold (they are checked at the end of the statement); the parts must
/// name different tables, since one part cannot see or change another's rows. SQLite (in
/// process, no round trips) runs them one after the other.
/// Returns how many rows the [`Insert::counted`] inserts stored (0 without any).
pub async fn insert_together(db: &impl ConnectionTrait, inserts: Vec<Insert>) -> StoreResult<u64> {
    let inserts: Vec<Insert> = inserts.into_iter().filter(|i| !i.rows.is_empty()).collect();
    // Refused on both databases, so code tested on SQLite cannot fail only on PostgreSQL.
    distinct_tables(&inserts)?;
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres || inserts.len() < 2 {
        let mut stored = 0;
        for mut i in inserts {
            let rows = std::mem::take(&mut i.rows);
            let returned = insert(db, &i.table(), rows, &i.sent_suffix()).await?;
            if i.counted {
                stored += returned.len() as u64;
            }
        }
        return Ok(stored);
    }
    let counted = inserts.iter().any(|i| i.counted);
    let (sql, values) = together_statement(inserts);
    let statement = Statement::from_sql_and_values(backend, sql, values);
    if !counted {
        db.execute_raw(statement).await?;
        return Ok(0);
    }
    let row = db.query_one_raw(statement).await?.ok_or_else(|| crate::StoreError::Corrupt("the inserts returned no count".into()))?;
    Ok(row.try_get::<i64>("", "stored")? as u64)
}

/// One part per table: a part of a statement cannot see or change another part's rows.
fn distinct_tables(inserts: &[Insert]) -> StoreResult<()> {
    let mut names: Vec<&str> = inserts.iter().map(|i| i.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != inserts.len() {
        return Err(crate::StoreError::Corrupt("one statement cannot insert into a table twice".into()));
    }
    Ok(())
}

/// `WITH w0 AS (INSERT …), w1 AS (INSERT …) INSERT …`, parameters numbered on across the parts;
/// with counted inserts every insert is a part and the statement is `SELECT (SELECT count(*)
/// FROM wN) + … AS stored` over the counted ones (a part runs to its end whether read or not).
fn together_statement(inserts: Vec<Insert>) -> (String, Vec<Value>) {
    let mut parts = Vec::with_capacity(inserts.len());
    let mut values = Vec::new();
    let counted: Vec<String> =
        inserts.iter().enumerate().filter(|(_, i)| i.counted).map(|(n, _)| format!("(SELECT count(*) FROM w{n})")).collect();
    for mut i in inserts {
        let rows = std::mem::take(&mut i.rows);
        let table = i.table();
        let params = pg_arrays(&table, rows);
        parts.push(pg_insert(&table, values.len() + 1, &params, &i.sent_suffix()));
        values.extend(params.into_iter().map(|p| p.value));
    }
    if !counted.is_empty() {
        let with: Vec<String> = parts.iter().enumerate().map(|(n, p)| format!("w{n} AS ({p})")).collect();
        return (format!("WITH {} SELECT {} AS stored", with.join(", "), counted.join(" + ")), values);
    }
    let last = parts.pop().unwrap_or_default();
    let with: Vec<String> = parts.iter().enumerate().map(|(n, p)| format!("w{n} AS ({p})")).collect();
    let sql = if with.is_empty() { last } else { format!("WITH {} {last}", with.join(", ")) };
    (sql, values)
}

/// A PostgreSQL `text[]` literal of `items` (for statements that take a list as one parameter).
pub fn text_array<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let cells: Vec<Json> = items.map(|s| Json::String(s.to_owned())).collect();
    array_literal(cells.iter())
}

/// A PostgreSQL array literal (`{"a","b",NULL}`) of one column's cells, cast by the statement.
/// Hot: every intake's text passes here, so quotes and backslashes are found by a byte scan and
/// the runs between them copied whole (both are ASCII, so a split there is a char boundary).
fn array_literal<'a>(cells: impl Iterator<Item = &'a Json>) -> String {
    let mut out = String::from("{");
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let other_text;
        let text = match cell {
            Json::Null => {
                out.push_str("NULL");
                continue;
            }
            Json::String(s) => s.as_str(),
            // Numbers and booleans need no quotes (the statistics' counters are most cells).
            Json::Number(n) => {
                let _ = write!(out, "{n}");
                continue;
            }
            Json::Bool(b) => {
                out.push_str(if *b { "true" } else { "false" });
                continue;
            }
            other => {
                other_text = other.to_string();
                other_text.as_str()
            }
        };
        out.reserve(text.len() + 2);
        out.push('"');
        let mut rest = text;
        while let Some(at) = rest.bytes().position(|b| b == b'"' || b == b'\\') {
            out.push_str(&rest[..at]);
            out.push('\\');
            out.push_str(&rest[at..at + 1]);
            rest = &rest[at + 1..];
        }
        out.push_str(rest);
        out.push('"');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_together_number_their_parameters_on() {
        const A: Table = Table { name: "a", cols: &[("id", Col::Uuid), ("n", Col::Int)] };
        const B: Table = Table { name: "b", cols: &[("t", Col::Text)] };
        let a = Insert::new(&A, vec![vec![Json::Null, Json::from(1)], vec![Json::Null, Json::from(2)]], "");
        let b = Insert::new(&B, vec![vec![Json::from("x")]], "ON CONFLICT (t) DO NOTHING");
        let (sql, values) = together_statement(vec![a, b]);
        assert_eq!(
            sql,
            "WITH w0 AS (INSERT INTO a (id, n) SELECT * FROM unnest($1::text::uuid[], $2::integer[]) ) \
             INSERT INTO b (t) SELECT * FROM unnest($3::text[]) ON CONFLICT (t) DO NOTHING"
        );
        assert_eq!(values.len(), 3);
        assert_eq!(values[0], Value::from("{NULL,NULL}".to_owned()), "a column of NULLs goes as a literal");
        assert_eq!(values[1], Value::Array(sea_orm::sea_query::ArrayType::Int, Some(Box::new(vec![Value::from(1), Value::from(2)]))));
    }

    #[test]
    fn a_column_goes_typed_only_when_every_cell_is_a_value_of_it() {
        let typed = |col: Col, cells: &[Json]| pg_array(col, &mut cells.to_vec()).typed;
        let id = Json::from(Uuid::now_v7().to_string());
        assert!(typed(Col::Uuid, &[id.clone(), id.clone()]));
        assert!(!typed(Col::Uuid, &[id.clone(), Json::Null]), "a NULL element cannot be bound typed");
        let literal = pg_array(Col::Text, &mut [Json::from("路灯"), Json::Null]);
        assert_eq!(literal.value, Value::from(r#"{"路灯",NULL}"#.to_owned()), "a text column with a NULL keeps its texts");
        assert!(!typed(Col::Uuid, &[Json::from("not a uuid")]), "the database's parser gives the error");
        assert!(typed(Col::Time, &[Json::from("2026-12-07T08:00:00.123456Z")]));
        assert!(typed(Col::Int, &[Json::from(i32::MAX)]));
        assert!(!typed(Col::Int, &[Json::from(i64::from(i32::MAX) + 1)]), "out of range: the database refuses it");
        assert!(typed(Col::Double, &[Json::from(1), Json::from(2.5)]));
        assert!(typed(Col::Bool, &[Json::Bool(false)]));
        assert!(typed(Col::BigInt, &[Json::from(i64::MIN)]));
        // A text column's JSON cell travels as its JSON text, as in a literal.
        let cells = [Json::from("市民\"反映\\"), serde_json::json!({"rule": "a"})];
        let p = pg_array(Col::Text, &mut cells.clone());
        assert!(p.typed);
        let texts = vec![Value::from("市民\"反映\\".to_owned()), Value::from(r#"{"rule":"a"}"#.to_owned())];
        assert_eq!(p.value, Value::Array(sea_orm::sea_query::ArrayType::String, Some(Box::new(texts))));
    }

    #[test]
    fn counted_inserts_make_every_insert_a_part_and_the_statement_their_count() {
        const A: Table = Table { name: "a", cols: &[("n", Col::Int)] };
        const B: Table = Table { name: "b", cols: &[("t", Col::Text)] };
        let a = Insert::new(&A, vec![vec![Json::from(1)]], "");
        let b = Insert::new(&B, vec![vec![Json::from("x")]], "ON CONFLICT (t) DO NOTHING").counted();
        let (sql, values) = together_statement(vec![a, b]);
        assert_eq!(
            sql,
            "WITH w0 AS (INSERT INTO a (n) SELECT * FROM unnest($1::integer[]) ), \
             w1 AS (INSERT INTO b (t) SELECT * FROM unnest($2::text[]) ON CONFLICT (t) DO NOTHING RETURNING 1) \
             SELECT (SELECT count(*) FROM w1) AS stored"
        );
        assert_eq!(values.len(), 2);
    }

    /// Run for real (SQLite; PostgreSQL runs it in every intake of the e2e suite): the count is
    /// of the rows stored, a conflicting row skipped, and uncounted inserts count nothing.
    #[tokio::test]
    async fn insert_together_counts_the_rows_its_counted_inserts_stored() {
        const A: Table = Table { name: "a", cols: &[("n", Col::Int)] };
        const B: Table = Table { name: "b", cols: &[("t", Col::Text)] };
        let dir = std::env::temp_dir().join(format!("hotline-bulk-{}", Uuid::now_v7()));
        let store = crate::connect(&format!("sqlite://{}/h.db", dir.display()), 1).await.unwrap();
        store.db.execute_unprepared("CREATE TABLE a (n INTEGER); CREATE TABLE b (t TEXT PRIMARY KEY)").await.unwrap();
        let a = || Insert::new(&A, vec![vec![Json::from(1)], vec![Json::from(2)]], "");
        let b =
            |keys: &[&str]| Insert::new(&B, keys.iter().map(|k| vec![Json::from(*k)]).collect(), "ON CONFLICT (t) DO NOTHING").counted();
        assert_eq!(insert_together(&store.db, vec![a(), b(&["x", "y"])]).await.unwrap(), 2);
        assert_eq!(insert_together(&store.db, vec![a(), b(&["y", "z"])]).await.unwrap(), 1, "y was there");
        assert_eq!(insert_together(&store.db, vec![a()]).await.unwrap(), 0);
        let n = store.db.query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT count(*) AS n FROM a")).await.unwrap().unwrap();
        assert_eq!(n.try_get::<i64>("", "n").unwrap(), 6, "the uncounted rows are all stored");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn rows_of_one_table_in_two_parts_are_refused() {
        const A: Table = Table { name: "a", cols: &[("n", Col::Int)] };
        const B: Table = Table { name: "b", cols: &[("n", Col::Int)] };
        let one = |t: &Table| Insert::new(t, vec![vec![Json::from(1)]], "");
        assert!(distinct_tables(&[one(&A), one(&B)]).is_ok());
        assert!(matches!(distinct_tables(&[one(&A), one(&B), one(&A)]), Err(crate::StoreError::Corrupt(_))));
    }

    #[test]
    fn array_literals_quote_escape_and_keep_nulls() {
        let cells = [Json::from("a\"b"), Json::Null, Json::from("c\\d"), Json::from(7), Json::from("NULL"), Json::from("{x,y}")];
        assert_eq!(array_literal(cells.iter()), r#"{"a\"b",NULL,"c\\d",7,"NULL","{x,y}"}"#);
        let chinese = [Json::from("市民\"反映\\路灯\"不亮"), Json::from(""), Json::from(true)];
        assert_eq!(array_literal(chinese.iter()), r#"{"市民\"反映\\路灯\"不亮","",true}"#);
    }
}

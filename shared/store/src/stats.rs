//! The statistics' counters: increments upserted at their grain, and sums over a period.
//! Table layout: migration `m20261123_000024_create_stat_counters`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use hotline_domain::stats::{Counter, Counts};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::StoreResult;
use crate::bulk::{self, Col};

/// How finely a row is kept: the full grain, or a rollup with the other dimensions blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Full,
    Line,
    Unit,
    District,
    Category,
    /// Contact type, urgency and channel together: few combinations per line and day.
    Kind,
    /// The line level by month: `day` is the month's first day. Long time series read whole
    /// months here instead of summing their days.
    Month,
}

impl Level {
    pub const ALL: [Level; 7] = [Level::Full, Level::Line, Level::Unit, Level::District, Level::Category, Level::Kind, Level::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Full => "full",
            Level::Line => "line",
            Level::Unit => "unit",
            Level::District => "district",
            Level::Category => "category",
            Level::Kind => "kind",
            Level::Month => "month",
        }
    }
}

/// Whose figures a row is: the platform's (each case once, under its receiving tenant) or a
/// line's (under each line taking part).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    #[default]
    Platform,
    Line,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Platform => "platform",
            Scope::Line => "line",
        }
    }
}

/// One cell of the full grain ("" or the nil id where a dimension does not apply).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grain {
    pub scope: Scope,
    pub tenant_id: Uuid,
    pub day: NaiveDate,
    pub unit_id: Uuid,
    pub category: String,
    pub contact_type: String,
    pub urgency: String,
    pub channel: String,
    pub district: String,
}

impl Grain {
    /// The row this grain adds to at `level`.
    fn at(&self, level: Level) -> (Level, Grain) {
        let mut g = Grain { scope: self.scope, tenant_id: self.tenant_id, day: self.day, unit_id: Uuid::nil(), ..Default::default() };
        match level {
            Level::Full => g = self.clone(),
            Level::Line => {}
            Level::Unit => g.unit_id = self.unit_id,
            Level::District => g.district = self.district.clone(),
            Level::Category => g.category = self.category.clone(),
            Level::Month => g.day = self.day.with_day(1).unwrap_or(self.day),
            Level::Kind => {
                g.contact_type = self.contact_type.clone();
                g.urgency = self.urgency.clone();
                g.channel = self.channel.clone();
            }
        }
        (level, g)
    }
}

impl Default for Grain {
    fn default() -> Self {
        Grain {
            scope: Scope::Platform,
            tenant_id: Uuid::nil(),
            day: NaiveDate::MIN,
            unit_id: Uuid::nil(),
            category: String::new(),
            contact_type: String::new(),
            urgency: String::new(),
            channel: String::new(),
            district: String::new(),
        }
    }
}

/// What one counted occurrence adds at its grain.
#[derive(Debug, Clone, PartialEq)]
pub struct Increment {
    pub grain: Grain,
    pub counters: Vec<(Counter, i64)>,
    pub handling_bucket: Option<usize>,
}

const KEY: [(&str, Col); 10] = [
    ("level", Col::Text),
    ("scope", Col::Text),
    ("tenant_id", Col::Uuid),
    ("day", Col::Text),
    ("unit_id", Col::Uuid),
    ("category", Col::Text),
    ("contact_type", Col::Text),
    ("urgency", Col::Text),
    ("channel", Col::Text),
    ("district", Col::Text),
];

/// The key columns in index order (exports write rows in this order).
pub(crate) const KEY_ORDER: &str = "level, scope, tenant_id, day, unit_id, category, contact_type, urgency, channel, district";
pub(crate) const HANDLING_KEY_ORDER: &str =
    "level, scope, tenant_id, day, unit_id, category, contact_type, urgency, channel, district, bucket";

pub(crate) fn counter_columns() -> &'static [(&'static str, Col)] {
    &COUNTER_COLS
}

pub(crate) fn handling_columns() -> &'static [(&'static str, Col)] {
    &HANDLING_COLS
}

/// The key, then one column per counter.
static COUNTER_COLS: LazyLock<Vec<(&'static str, Col)>> =
    LazyLock::new(|| KEY.iter().copied().chain(Counter::ALL.iter().map(|c| (c.as_str(), Col::BigInt))).collect());

/// The key, then the histogram bucket and its count.
static HANDLING_COLS: LazyLock<Vec<(&'static str, Col)>> =
    LazyLock::new(|| KEY.iter().copied().chain([("bucket", Col::Int), ("value", Col::BigInt)]).collect());

fn key_cells(level: Level, g: &Grain) -> Vec<serde_json::Value> {
    vec![
        level.as_str().into(),
        g.scope.as_str().into(),
        bulk::uuid(g.tenant_id),
        day_text(g.day).into(),
        bulk::uuid(g.unit_id),
        g.category.clone().into(),
        g.contact_type.clone().into(),
        g.urgency.clone().into(),
        g.channel.clone().into(),
        g.district.clone().into(),
    ]
}

/// `YYYY-MM-DD` without chrono's format parser (every stored count's key passes here).
fn day_text(d: NaiveDate) -> String {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if (0..=9999).contains(&y) { format!("{y:04}-{m:02}-{day:02}") } else { d.format("%Y-%m-%d").to_string() }
}

fn key_list() -> String {
    KEY.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Adds increments at every level, merged first so each row is touched once per statement.
pub async fn add(db: &impl ConnectionTrait, increments: &[Increment]) -> StoreResult<()> {
    bulk::insert_together(db, additions(increments)).await.map(drop)
}

/// The counter rows `increments` add to, for [`bulk::insert_together`] (at most two tables).
pub fn additions(increments: &[Increment]) -> Vec<bulk::Insert> {
    let mut out = Vec::with_capacity(2);
    let mut rows: BTreeMap<(Level, Grain), BTreeMap<Counter, i64>> = BTreeMap::new();
    let mut buckets: BTreeMap<(Level, Grain, usize), i64> = BTreeMap::new();
    for inc in increments {
        for level in Level::ALL {
            let key = inc.grain.at(level);
            let row = rows.entry(key.clone()).or_default();
            for (c, n) in &inc.counters {
                *row.entry(*c).or_default() += n;
            }
            if let Some(b) = inc.handling_bucket {
                *buckets.entry((key.0, key.1, b)).or_default() += 1;
            }
        }
    }
    rows.retain(|_, counters| !counters.is_empty());
    // Only the counters this batch changes are named (the others keep their value, or their
    // default 0): an intake changes one or two of them per row, and forty zeros apiece would be
    // most of what is sent, parsed and added up. Still one statement, rows in key order, so
    // concurrent transactions lock the rows they share in the same order (one statement per
    // set of counters deadlocked two dispatches on PostgreSQL).
    let changed: std::collections::BTreeSet<Counter> = rows.values().flat_map(|c| c.keys().copied()).collect();
    if !changed.is_empty() {
        let cols: Vec<(&'static str, Col)> = KEY.iter().copied().chain(changed.iter().map(|c| (c.as_str(), Col::BigInt))).collect();
        let table = bulk::Table { name: "stat_counters", cols: &cols };
        let cells: Vec<bulk::Row> = rows
            .iter()
            .map(|((level, g), counters)| {
                let mut r = key_cells(*level, g);
                r.extend(changed.iter().map(|c| serde_json::Value::from(counters.get(c).copied().unwrap_or(0))));
                r
            })
            .collect();
        let updates: Vec<String> = changed.iter().map(|c| format!("{0} = stat_counters.{0} + excluded.{0}", c.as_str())).collect();
        let suffix = format!("ON CONFLICT ({}) DO UPDATE SET {}", key_list(), updates.join(", "));
        out.push(bulk::Insert::new(&table, cells, suffix));
    }
    if !buckets.is_empty() {
        let table = bulk::Table { name: "stat_handling", cols: &HANDLING_COLS };
        let cells: Vec<bulk::Row> = buckets
            .iter()
            .map(|((level, g, b), n)| {
                let mut r = key_cells(*level, g);
                r.extend([serde_json::Value::from(*b as i64), serde_json::Value::from(*n)]);
                r
            })
            .collect();
        let suffix = format!("ON CONFLICT ({}, bucket) DO UPDATE SET value = stat_handling.value + excluded.value", key_list());
        out.push(bulk::Insert::new(&table, cells, suffix));
    }
    out
}

/// What to sum: a scope, optionally some tenants, a range of local days, read at one level and
/// grouped by one of its dimensions (or not at all).
#[derive(Debug, Clone)]
pub struct SumQuery {
    pub scope: Scope,
    pub level: Level,
    /// `None`: every tenant.
    pub tenants: Option<Vec<Uuid>>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// A column of the level to group by (`tenant_id`, `unit_id`, `district`, `category`,
    /// `contact_type`, `urgency`, `channel`, `day`).
    pub group_by: Option<&'static str>,
    /// Only this unit (read at the unit or full level).
    pub unit: Option<Uuid>,
}

/// Summed counters (and handling histograms) per group; the group key is "" without grouping.
pub async fn sum(db: &impl ConnectionTrait, q: &SumQuery) -> StoreResult<BTreeMap<String, Counts>> {
    let backend = db.get_database_backend();
    let p = |i: usize| if backend == DbBackend::Postgres { format!("${i}") } else { "?".to_owned() };
    let mut values: Vec<Value> = vec![q.from.to_string().into(), q.to.to_string().into()];
    // Level and scope are fixed words written into the statement, not bound: a prepared
    // statement's generic plan can then still use the indexes limited to one level.
    let mut filter = format!("level = '{}' AND scope = '{}' AND day >= {} AND day <= {}", q.level.as_str(), q.scope.as_str(), p(1), p(2));
    if let Some(tenants) = &q.tenants {
        if tenants.is_empty() {
            return Ok(BTreeMap::new());
        }
        let marks: Vec<String> = (0..tenants.len()).map(|i| p(values.len() + 1 + i)).collect();
        filter.push_str(&format!(" AND tenant_id IN ({})", marks.join(", ")));
        values.extend(tenants.iter().map(|t| Value::from(*t)));
    }
    if let Some(unit) = q.unit {
        filter.push_str(&format!(" AND unit_id = {}", p(values.len() + 1)));
        values.push(unit.into());
    }
    // Group keys are read as text on both databases.
    let group = match q.group_by {
        Some("tenant_id") | Some("unit_id") if backend == DbBackend::Postgres => format!("{}::text", q.group_by.unwrap_or_default()),
        Some(col) => col.to_owned(),
        None => "''".to_owned(),
    };
    let sums: Vec<String> = Counter::ALL.iter().map(|c| format!("CAST(SUM({0}) AS BIGINT) AS {0}", c.as_str())).collect();
    // PostgreSQL refuses to group by a constant: without grouping, there is no GROUP BY.
    let group_clause = if q.group_by.is_some() { format!(" GROUP BY {group}") } else { String::new() };
    let sql = format!("SELECT {group} AS g, {} FROM stat_counters WHERE {filter}{group_clause}", sums.join(", "));
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for row in db.query_all_raw(Statement::from_sql_and_values(backend, &sql, values.clone())).await? {
        let key = group_key(&row, q.group_by)?;
        let counts = out.entry(key).or_default();
        for c in Counter::ALL {
            let v: Option<i64> = row.try_get("", c.as_str())?;
            counts.add(*c, v.unwrap_or(0));
        }
    }
    let group_clause = if q.group_by.is_some() { format!("{group}, bucket") } else { "bucket".to_owned() };
    let sql =
        format!("SELECT {group} AS g, bucket, CAST(SUM(value) AS BIGINT) AS n FROM stat_handling WHERE {filter} GROUP BY {group_clause}");
    for row in db.query_all_raw(Statement::from_sql_and_values(backend, &sql, values)).await? {
        let key = group_key(&row, q.group_by)?;
        let bucket: i32 = row.try_get("", "bucket")?;
        let n: i64 = row.try_get("", "n")?;
        out.entry(key).or_default().add_handling(bucket as usize, n);
    }
    Ok(out)
}

/// What to count of the open cases past their lead's feedback deadline.
#[derive(Debug, Clone)]
pub struct OverdueQuery {
    /// Platform: under the receiving tenant; line: under the lead unit's line.
    pub scope: Scope,
    pub tenants: Option<Vec<Uuid>>,
    pub unit: Option<Uuid>,
    /// `tenant_id`, `unit_id`, `district`, `category`, `contact_type`, `urgency` or `channel`
    /// (others count nothing).
    pub group_by: Option<&'static str>,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// "Overdue now" per group: a state read from the open cases through the partial index of
/// migration 26 (whose status list this query repeats literally), not a counter.
pub async fn overdue_now(db: &impl ConnectionTrait, q: &OverdueQuery) -> StoreResult<BTreeMap<String, i64>> {
    let backend = db.get_database_backend();
    let p = |i: usize| if backend == DbBackend::Postgres { format!("${i}") } else { "?".to_owned() };
    let text = |col: &str| if backend == DbBackend::Postgres { format!("{col}::text") } else { col.to_owned() };
    // Joining every open case to its unit first cost most of this query at city scale (13 ms of
    // 29,681 overdue cases): see BENCHMARKS.md.
    let column = match q.group_by {
        None | Some("tenant_id") | Some("unit_id") => None,
        Some("district") => Some("COALESCE(c.district, '')".to_owned()),
        Some("category") => Some("COALESCE(c.category, '')".to_owned()),
        Some(col @ ("contact_type" | "urgency" | "channel")) => Some(format!("c.{col}")),
        Some(_) => return Ok(BTreeMap::new()),
    };
    let platform = q.scope == Scope::Platform;
    let mut inner_cols = vec!["c.lead_unit_id AS lead".to_owned()];
    let mut inner_group = vec!["c.lead_unit_id".to_owned()];
    // The receiving tenant is not in the index: read it only when the platform scope needs it.
    if platform && (q.tenants.is_some() || q.group_by == Some("tenant_id")) {
        inner_cols.push("c.tenant_id AS receiver".to_owned());
        inner_group.push("c.tenant_id".to_owned());
    }
    if let Some(col) = &column {
        inner_cols.push(format!("{col} AS gc"));
        inner_group.push(col.clone());
    }
    let tenant_col = if platform { "x.receiver" } else { "u.tenant_id" };
    let group = match q.group_by {
        None => None,
        Some("tenant_id") => Some(text(tenant_col)),
        Some("unit_id") => Some(text("x.lead")),
        Some(_) => Some("x.gc".to_owned()),
    };
    let mut values: Vec<Value> = vec![q.now.into()];
    let mut tenant_marks = None;
    if let Some(tenants) = &q.tenants {
        if tenants.is_empty() {
            return Ok(BTreeMap::new());
        }
        tenant_marks = Some((0..tenants.len()).map(|i| p(values.len() + 1 + i)).collect::<Vec<_>>().join(", "));
        values.extend(tenants.iter().map(|t| Value::from(*t)));
    }
    let unit_mark = q.unit.map(|u| {
        values.push(u.into());
        p(values.len())
    });
    let open = format!("c.status IN ('dispatched', 'signed', 'in_progress') AND c.feedback_due_at < {}", p(1));
    let sql = match &group {
        // One figure: a count straight from the index (a line's units by subquery).
        None => {
            let mut filter = vec![open];
            if let Some(m) = &tenant_marks {
                filter.push(if platform {
                    format!("c.tenant_id IN ({m})")
                } else {
                    format!("c.lead_unit_id IN (SELECT id FROM units WHERE tenant_id IN ({m}))")
                });
            }
            if let Some(m) = &unit_mark {
                filter.push(format!("c.lead_unit_id = {m}"));
            }
            format!("SELECT '' AS g, COUNT(*) AS n FROM cases c WHERE {}", filter.join(" AND "))
        }
        // Counted per lead unit (and the asked column) from the index first; only those few
        // groups meet the units table for the line and the final key.
        Some(g) => {
            let mut filter = vec!["1 = 1".to_owned()];
            if let Some(m) = &tenant_marks {
                filter.push(format!("{tenant_col} IN ({m})"));
            }
            if let Some(m) = &unit_mark {
                filter.push(format!("x.lead = {m}"));
            }
            format!(
                "SELECT {g} AS g, CAST(SUM(x.n) AS BIGINT) AS n FROM (SELECT {}, COUNT(*) AS n FROM cases c WHERE {open} \
                 GROUP BY {}) x LEFT JOIN units u ON u.id = x.lead WHERE {} GROUP BY {g}",
                inner_cols.join(", "),
                inner_group.join(", "),
                filter.join(" AND ")
            )
        }
    };
    let mut out = BTreeMap::new();
    for row in db.query_all_raw(Statement::from_sql_and_values(backend, &sql, values)).await? {
        // No overdue case at all: the sum of nothing is NULL, which is no entry.
        let n: Option<i64> = row.try_get("", "n")?;
        if let Some(n) = n {
            out.insert(group_key(&row, q.group_by)?, n);
        }
    }
    Ok(out)
}

fn group_key(row: &sea_orm::QueryResult, group_by: Option<&str>) -> StoreResult<String> {
    Ok(match group_by {
        // SQLite keeps ids as 16-byte blobs.
        Some("tenant_id") | Some("unit_id") => match row.try_get::<String>("", "g") {
            Ok(s) => s,
            Err(_) => row.try_get::<Uuid>("", "g")?.to_string(),
        },
        Some(_) => row.try_get::<String>("", "g")?,
        None => String::new(),
    })
}

/// The counting events of the event log in `[from, to)`: (event time, receiving tenant, the
/// event's payload, which has what it counted in `stats` and where in `lines`). For the drift
/// check, which recounts them.
pub async fn counted_events(
    db: &impl ConnectionTrait,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Vec<(chrono::DateTime<chrono::Utc>, Uuid, serde_json::Value)>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

    use crate::entities::case_event;
    let rows = case_event::Entity::find()
        .filter(case_event::Column::At.gte(from))
        .filter(case_event::Column::At.lt(to))
        .filter(case_event::Column::Payload.contains("\"stats\""))
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|e| {
            let payload: serde_json::Value = serde_json::from_str(e.payload.as_deref()?).ok()?;
            payload.get("stats")?;
            Some((e.at, e.tenant_id, payload))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_text_is_the_iso_date() {
        for d in
            [NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), NaiveDate::from_ymd_opt(987, 12, 31).unwrap(), NaiveDate::MIN, NaiveDate::MAX]
        {
            assert_eq!(day_text(d), d.format("%Y-%m-%d").to_string());
        }
    }
}

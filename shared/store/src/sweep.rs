//! What the deadline sweep reads and writes: cases whose clocks crossed a point in a window,
//! crossings recorded exactly once, and the sweep's watermark.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::case;

/// Which clock point a crossing is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// The feedback clock reached its reminder point (催办).
    FeedbackNear,
    /// The feedback deadline passed (督办).
    FeedbackDue,
    /// The sign-for deadline passed while the case waits for the lead to sign.
    SignDue,
    /// The feedback deadline passed long ago (`LONG_OVERDUE` later): escalation to the line's head.
    FeedbackLongOverdue,
}

/// How long after the feedback deadline a case is escalated to the line's head.
pub const LONG_OVERDUE: chrono::TimeDelta = chrono::TimeDelta::days(3);

impl Point {
    pub fn stage(self) -> &'static str {
        match self {
            Point::FeedbackNear | Point::FeedbackDue | Point::FeedbackLongOverdue => "feedback",
            Point::SignDue => "sign",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Point::FeedbackNear => "near",
            Point::FeedbackDue | Point::SignDue => "passed",
            Point::FeedbackLongOverdue => "long_overdue",
        }
    }

    pub fn at(self, c: &case::Model) -> Option<DateTime<Utc>> {
        match self {
            Point::FeedbackNear => c.feedback_near_at,
            Point::FeedbackDue => c.feedback_due_at,
            Point::SignDue => c.sign_due_at,
            Point::FeedbackLongOverdue => c.feedback_due_at.map(|d| d + LONG_OVERDUE),
        }
    }
}

/// Open cases whose `point` lies in `(from, to]`, oldest first, at most `limit` — read through
/// the index on that column, never a scan of all cases.
pub async fn crossed(
    db: &impl ConnectionTrait,
    point: Point,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> StoreResult<Vec<case::Model>> {
    // The long-overdue point is the deadline shifted: look for deadlines in the shifted window.
    let (from, to) = if point == Point::FeedbackLongOverdue { (from - LONG_OVERDUE, to - LONG_OVERDUE) } else { (from, to) };
    let (col, statuses): (case::Column, &[&str]) = match point {
        Point::FeedbackNear => (case::Column::FeedbackNearAt, &["dispatched", "signed", "in_progress"]),
        Point::FeedbackDue => (case::Column::FeedbackDueAt, &["dispatched", "signed", "in_progress"]),
        Point::SignDue => (case::Column::SignDueAt, &["dispatched"]),
        Point::FeedbackLongOverdue => (case::Column::FeedbackDueAt, &["dispatched", "signed", "in_progress"]),
    };
    Ok(case::Entity::find()
        .filter(col.gt(from))
        .filter(col.lte(to))
        .filter(case::Column::Status.is_in(statuses.iter().copied()))
        .order_by_asc(col)
        .order_by_asc(case::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Records a crossing; `false` when it was recorded before (by another worker, or by this one
/// before a crash). One atomic statement on both databases.
pub async fn record_crossing(
    db: &impl ConnectionTrait,
    c: &case::Model,
    point: Point,
    due: DateTime<Utc>,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO deadline_crossings (id, case_id, tenant_id, stage, kind, due_at, crossed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (case_id, stage, kind, due_at) DO NOTHING"
        }
        _ => {
            "INSERT INTO deadline_crossings (id, case_id, tenant_id, stage, kind, due_at, crossed_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
              ON CONFLICT (case_id, stage, kind, due_at) DO NOTHING"
        }
    };
    let values: Vec<sea_orm::Value> =
        vec![Uuid::now_v7().into(), c.id.into(), c.tenant_id.into(), point.stage().into(), point.kind().into(), due.into(), at.into()];
    let res = db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    Ok(res.rows_affected() == 1)
}

pub async fn watermark(db: &impl ConnectionTrait, name: &str) -> StoreResult<Option<DateTime<Utc>>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT watermark FROM worker_watermarks WHERE name = $1",
        _ => "SELECT watermark FROM worker_watermarks WHERE name = ?",
    };
    let row = db.query_one_raw(Statement::from_sql_and_values(backend, sql, [name.into()])).await?;
    Ok(match row {
        Some(r) => Some(r.try_get::<DateTime<Utc>>("", "watermark")?),
        None => None,
    })
}

/// Moves the watermark forward (never back: a slow worker must not undo a faster one).
pub async fn advance_watermark(db: &impl ConnectionTrait, name: &str, to: DateTime<Utc>) -> StoreResult<()> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO worker_watermarks (name, watermark) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET watermark = GREATEST(worker_watermarks.watermark, excluded.watermark)"
        }
        _ => {
            "INSERT INTO worker_watermarks (name, watermark) VALUES (?, ?) \
              ON CONFLICT (name) DO UPDATE SET watermark = MAX(worker_watermarks.watermark, excluded.watermark)"
        }
    };
    db.execute_raw(Statement::from_sql_and_values(backend, sql, [name.into(), to.into()])).await?;
    Ok(())
}

/// How many crossings a case has had (for tests and the supervision view).
pub async fn crossings_of(db: &impl ConnectionTrait, case_id: Uuid) -> StoreResult<Vec<(String, String)>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT stage, kind FROM deadline_crossings WHERE case_id = $1 ORDER BY crossed_at, id",
        _ => "SELECT stage, kind FROM deadline_crossings WHERE case_id = ? ORDER BY crossed_at, id",
    };
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, [case_id.into()])).await?;
    rows.iter().map(|r| Ok((r.try_get::<String>("", "stage")?, r.try_get::<String>("", "kind")?))).collect()
}

/// Marks a once-only job (e.g. `digest:2026-03-09`) as done; `false` if it already was.
pub async fn claim_once(db: &impl ConnectionTrait, name: &str, at: DateTime<Utc>) -> StoreResult<bool> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "INSERT INTO worker_watermarks (name, watermark) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        _ => "INSERT INTO worker_watermarks (name, watermark) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    };
    let res = db.execute_raw(Statement::from_sql_and_values(backend, sql, [name.into(), at.into()])).await?;
    Ok(res.rows_affected() == 1)
}

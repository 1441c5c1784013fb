//! What the deadline sweep reads and writes: cases whose clocks crossed a point in a window,
//! crossings recorded exactly once, and the sweep's watermark.

use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement};
use uuid::Uuid;

use crate::StoreResult;
use crate::bulk::{self, Col};
use crate::entities::{case, case_participant};

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
    /// A co-unit (协办) did not sign for its part in time.
    CoSignDue,
    /// A co-unit did not contribute its part in time.
    ContributionDue,
}

/// How long after the feedback deadline a case is escalated to the line's head.
pub const LONG_OVERDUE: chrono::TimeDelta = chrono::TimeDelta::days(3);

const UNIT_OPEN: &[&str] = &["dispatched", "signed", "in_progress"];

impl Point {
    pub const ALL: [Point; 6] =
        [Point::FeedbackNear, Point::FeedbackDue, Point::SignDue, Point::FeedbackLongOverdue, Point::CoSignDue, Point::ContributionDue];

    pub fn stage(self) -> &'static str {
        match self {
            Point::FeedbackNear | Point::FeedbackDue | Point::FeedbackLongOverdue => "feedback",
            Point::SignDue => "sign",
            Point::CoSignDue => "co_sign",
            Point::ContributionDue => "contribution",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Point::FeedbackNear => "near",
            Point::FeedbackDue | Point::SignDue | Point::CoSignDue | Point::ContributionDue => "passed",
            Point::FeedbackLongOverdue => "long_overdue",
        }
    }

    /// How far the point lies after the stored deadline it is read through.
    fn shift(self) -> chrono::TimeDelta {
        if self == Point::FeedbackLongOverdue { LONG_OVERDUE } else { chrono::TimeDelta::zero() }
    }

    fn on_participant(self) -> bool {
        matches!(self, Point::CoSignDue | Point::ContributionDue)
    }
}

/// What the sweep needs of a case: a slim read, since a tick may cross thousands.
#[derive(Debug, Clone, FromQueryResult)]
pub struct CaseRef {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub tracking_number: String,
    pub title: String,
    pub status: String,
    pub lead_unit_id: Option<Uuid>,
    pub feedback_due_at: Option<DateTime<Utc>>,
    pub feedback_near_at: Option<DateTime<Utc>>,
    pub sign_due_at: Option<DateTime<Utc>>,
    pub category: Option<String>,
    pub contact_type: String,
    pub urgency: String,
    pub channel: String,
    pub district: Option<String>,
}

const CASE_REF: [case::Column; 14] = [
    case::Column::Id,
    case::Column::TenantId,
    case::Column::TrackingNumber,
    case::Column::Title,
    case::Column::Status,
    case::Column::LeadUnitId,
    case::Column::FeedbackDueAt,
    case::Column::FeedbackNearAt,
    case::Column::SignDueAt,
    case::Column::Category,
    case::Column::ContactType,
    case::Column::Urgency,
    case::Column::Channel,
    case::Column::District,
];

/// A clock point that was crossed: the case, whose unit it concerns, and when it fell due.
#[derive(Debug, Clone)]
pub struct Due {
    pub case: CaseRef,
    /// The case itself (its lead's clocks) or the co-unit's participant row.
    pub subject_id: Uuid,
    /// The unit the point concerns: the lead, or the co-unit.
    pub unit_id: Option<Uuid>,
    /// The stored deadline (for the long-overdue point, the feedback deadline it follows).
    pub due: DateTime<Utc>,
}

impl Due {
    /// When the point itself was reached (the cursor a sweep pages by).
    pub fn point_at(&self, point: Point) -> DateTime<Utc> {
        self.due + point.shift()
    }
}

/// Open cases (or open co-unit parts) whose `point` lies in `(from, to]`, oldest first, at most
/// `limit` — read through the index on that column, never a scan of all cases.
pub async fn crossed(db: &impl ConnectionTrait, point: Point, from: DateTime<Utc>, to: DateTime<Utc>, limit: u64) -> StoreResult<Vec<Due>> {
    // The long-overdue point is the deadline shifted: look for deadlines in the shifted window.
    let (from, to) = (from - point.shift(), to - point.shift());
    if point.on_participant() {
        return crossed_parts(db, point, from, to, limit).await;
    }
    let (col, statuses): (case::Column, &[&str]) = match point {
        Point::FeedbackNear => (case::Column::FeedbackNearAt, UNIT_OPEN),
        Point::SignDue => (case::Column::SignDueAt, &["dispatched"]),
        _ => (case::Column::FeedbackDueAt, UNIT_OPEN),
    };
    let rows = case::Entity::find()
        .select_only()
        .columns(CASE_REF)
        .filter(col.gt(from))
        .filter(col.lte(to))
        .filter(case::Column::Status.is_in(statuses.iter().copied()))
        .order_by_asc(col)
        .order_by_asc(case::Column::Id)
        .limit(limit)
        .into_model::<CaseRef>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|c| {
            let due = match point {
                Point::FeedbackNear => c.feedback_near_at,
                Point::SignDue => c.sign_due_at,
                _ => c.feedback_due_at,
            }?;
            Some(Due { subject_id: c.id, unit_id: c.lead_unit_id, due, case: c })
        })
        .collect())
}

/// Co-unit parts still owing a signature (or a contribution) whose deadline lies in the window,
/// with their cases; parts of cases no longer with the units are dropped after the read.
async fn crossed_parts(
    db: &impl ConnectionTrait,
    point: Point,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> StoreResult<Vec<Due>> {
    let (col, statuses): (case_participant::Column, &[&str]) = match point {
        Point::CoSignDue => (case_participant::Column::SignDueAt, &["assigned"]),
        _ => (case_participant::Column::ContributeDueAt, &["assigned", "signed"]),
    };
    let parts = case_participant::Entity::find()
        .filter(col.gt(from))
        .filter(col.lte(to))
        .filter(case_participant::Column::Role.eq("co"))
        .filter(case_participant::Column::Status.is_in(statuses.iter().copied()))
        .order_by_asc(col)
        .order_by_asc(case_participant::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = parts.iter().map(|p| p.case_id).collect();
    let cases: HashMap<Uuid, CaseRef> = case::Entity::find()
        .select_only()
        .columns(CASE_REF)
        .filter(case::Column::Id.is_in(ids))
        .into_model::<CaseRef>()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(parts
        .into_iter()
        .filter_map(|p| {
            let c = cases.get(&p.case_id).filter(|c| UNIT_OPEN.contains(&c.status.as_str()))?;
            let due = if point == Point::CoSignDue { p.sign_due_at } else { p.contribute_due_at }?;
            Some(Due { case: c.clone(), subject_id: p.id, unit_id: Some(p.unit_id), due })
        })
        .collect())
}

const CROSSINGS: bulk::Table = bulk::Table {
    name: "deadline_crossings",
    cols: &[
        ("id", Col::Uuid),
        ("case_id", Col::Uuid),
        ("tenant_id", Col::Uuid),
        ("subject_id", Col::Uuid),
        ("stage", Col::Text),
        ("kind", Col::Text),
        ("due_at", Col::Time),
        ("crossed_at", Col::Time),
    ],
};

/// Records crossings of `point`; returns the subjects recorded now — the others were recorded
/// before (by another worker, or by this one before a crash). One atomic statement.
pub async fn record_crossings(db: &impl ConnectionTrait, point: Point, dues: &[Due], at: DateTime<Utc>) -> StoreResult<HashSet<Uuid>> {
    record(db, point.stage(), point.kind(), dues, at).await
}

/// Records that the sweep decided these clocks (passed unmet) unless a step decided them first;
/// returns the subjects the sweep decided (see `hotline_core::stats::decide_clock`).
pub async fn record_decided(db: &impl ConnectionTrait, stage: &str, dues: &[Due], at: DateTime<Utc>) -> StoreResult<HashSet<Uuid>> {
    record(db, stage, "decided", dues, at).await
}

/// Records that a step decided the case's own `stage` clock due at `due` (met it), unless the
/// sweep decided it first; `true` when this call decided it.
pub async fn record_decided_by_step(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    tenant_id: Uuid,
    stage: &str,
    due: DateTime<Utc>,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    Ok(!ledger(db, stage, "decided", [(case_id, tenant_id, case_id, due)], at).await?.is_empty())
}

async fn record(db: &impl ConnectionTrait, stage: &str, kind: &str, dues: &[Due], at: DateTime<Utc>) -> StoreResult<HashSet<Uuid>> {
    ledger(db, stage, kind, dues.iter().map(|d| (d.case.id, d.case.tenant_id, d.subject_id, d.due)), at).await
}

/// Writes ledger rows `(case, tenant, subject, due)` once each under the once-only key; returns
/// the subjects written now.
async fn ledger(
    db: &impl ConnectionTrait,
    stage: &str,
    kind: &str,
    rows: impl IntoIterator<Item = (Uuid, Uuid, Uuid, DateTime<Utc>)>,
    at: DateTime<Utc>,
) -> StoreResult<HashSet<Uuid>> {
    let rows: Vec<bulk::Row> = rows
        .into_iter()
        .map(|(case_id, tenant_id, subject_id, due)| {
            vec![
                bulk::uuid(Uuid::now_v7()),
                bulk::uuid(case_id),
                bulk::uuid(tenant_id),
                bulk::uuid(subject_id),
                stage.into(),
                kind.into(),
                bulk::time(due),
                bulk::time(at),
            ]
        })
        .collect();
    let suffix = "ON CONFLICT (subject_id, stage, kind, due_at) DO NOTHING RETURNING subject_id";
    bulk::insert(db, &CROSSINGS, rows, suffix).await?.iter().map(|r| Ok(r.try_get::<Uuid>("", "subject_id")?)).collect()
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

/// The crossings a case has had (for tests and the supervision view); the ledger's `decided`
/// markers, which settle a clock for the statistics, are not crossings.
pub async fn crossings_of(db: &impl ConnectionTrait, case_id: Uuid) -> StoreResult<Vec<(String, String)>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT stage, kind FROM deadline_crossings WHERE case_id = $1 AND kind <> 'decided' ORDER BY crossed_at, id"
        }
        _ => "SELECT stage, kind FROM deadline_crossings WHERE case_id = ? AND kind <> 'decided' ORDER BY crossed_at, id",
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

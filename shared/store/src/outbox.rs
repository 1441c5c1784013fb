//! The notification outbox.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement};
use uuid::Uuid;

use crate::StoreResult;
use crate::bulk::{self, Col};
use crate::entities::outbox;

const OUTBOX: bulk::Table = bulk::Table {
    name: "outbox",
    cols: &[
        ("id", Col::Uuid),
        ("tenant_id", Col::Uuid),
        ("channel", Col::Text),
        ("recipient", Col::Text),
        ("subject", Col::Text),
        ("body", Col::Text),
        ("status", Col::Text),
        ("attempts", Col::Int),
        ("next_attempt_at", Col::Time),
        ("last_error", Col::Text),
        ("created_at", Col::Time),
        ("sent_at", Col::Time),
    ],
};

pub async fn insert(db: &impl ConnectionTrait, rows: Vec<outbox::Model>) -> StoreResult<()> {
    bulk::insert_together(db, vec![new_messages(rows)]).await.map(drop)
}

/// Messages' rows, for [`bulk::insert_together`].
pub fn new_messages(rows: Vec<outbox::Model>) -> bulk::Insert {
    let rows: Vec<bulk::Row> = rows
        .into_iter()
        .map(|m| {
            vec![
                bulk::uuid(m.id),
                bulk::opt(m.tenant_id.map(|t| t.to_string())),
                m.channel.into(),
                m.recipient.into(),
                m.subject.into(),
                m.body.into(),
                m.status.into(),
                m.attempts.into(),
                bulk::time(m.next_attempt_at),
                bulk::opt(m.last_error),
                bulk::time(m.created_at),
                bulk::opt(m.sent_at.map(|t| t.to_rfc3339())),
            ]
        })
        .collect();
    bulk::Insert::new(&OUTBOX, rows, "")
}

/// Claims up to `limit` messages due at `now`. On PostgreSQL the rows stay locked
/// (`FOR UPDATE SKIP LOCKED`) until the caller's transaction ends, so relays running side by
/// side never take the same message; SQLite has a single writer anyway.
pub async fn claim(db: &impl ConnectionTrait, now: DateTime<Utc>, limit: u64) -> StoreResult<Vec<outbox::Model>> {
    if db.get_database_backend() == DbBackend::Postgres {
        let sql = "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED";
        let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, [now.into(), (limit as i64).into()]);
        return Ok(outbox::Entity::find().from_raw_sql(stmt).all(db).await?);
    }
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Status.eq("pending"))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn update(db: &impl ConnectionTrait, row: outbox::Model) -> StoreResult<()> {
    let am = sea_orm::ActiveModelTrait::reset_all(outbox::ActiveModel::from(row));
    outbox::Entity::update(am).exec(db).await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<outbox::Model>> {
    Ok(outbox::Entity::find_by_id(id).one(db).await?)
}

pub async fn all(db: &impl ConnectionTrait) -> StoreResult<Vec<outbox::Model>> {
    Ok(outbox::Entity::find().order_by_asc(outbox::Column::Id).all(db).await?)
}

/// The relay's backlog, for monitoring: messages waiting (and the oldest one's age), and
/// dead letters. Both counts read the `(status, next_attempt_at)` index; the oldest pending
/// message is found among the pending rows only, which a healthy relay keeps few.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backlog {
    pub pending: i64,
    pub dead: i64,
    pub oldest_pending: Option<DateTime<Utc>>,
}

pub async fn backlog(db: &impl ConnectionTrait) -> StoreResult<Backlog> {
    let backend = db.get_database_backend();
    let sql = "SELECT \
                 (SELECT COUNT(*) FROM outbox WHERE status = 'pending') AS pending, \
                 (SELECT COUNT(*) FROM outbox WHERE status = 'dead') AS dead, \
                 (SELECT MIN(created_at) FROM outbox WHERE status = 'pending') AS oldest";
    let Some(row) = db.query_one_raw(Statement::from_string(backend, sql)).await? else { return Ok(Backlog::default()) };
    Ok(Backlog {
        pending: row.try_get::<i64>("", "pending")?,
        dead: row.try_get::<i64>("", "dead")?,
        oldest_pending: row.try_get::<Option<DateTime<Utc>>>("", "oldest")?,
    })
}

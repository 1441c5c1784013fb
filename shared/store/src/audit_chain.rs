//! The audit log's hash chain in the database: appending under the head row's lock, sealing
//! the records written before the chain existed, reading in chain order, and pruning a prefix
//! while keeping the rest verifiable (the anchor).
//!
//! Every append begins by bumping `audit_chain.seq` with `UPDATE … RETURNING`: on PostgreSQL
//! that takes the head row's lock until the surrounding transaction ends, on SQLite the
//! database's write lock; either way concurrent writers take their places one after another,
//! and a writer that rolls back gives its place back. The audit record is the last write of
//! the transactions that carry one, so the head row is always locked last (no deadlock).

use chrono::{DateTime, Utc};
use hotline_domain::audit_chain::{ChainRecord, GENESIS};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionSession,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{audit_chain, audit_event};
use crate::{StoreError, StoreResult};

const HEAD: i32 = 1;

/// The fields a record's hash covers, borrowed from its row.
pub fn chain_record(row: &audit_event::Model, seq: i64) -> ChainRecord<'_> {
    ChainRecord {
        seq,
        id: row.id,
        at: row.at,
        actor_kind: &row.actor_kind,
        actor_id: row.actor_id,
        actor_name: row.actor_name.as_deref(),
        actor_duty: row.actor_duty.as_deref(),
        tenant_id: row.tenant_id,
        action: &row.action,
        target: row.target.as_deref(),
        outcome: &row.outcome,
        detail: row.detail.as_deref(),
        ip: row.ip.as_deref(),
    }
}

fn sql(backend: DbBackend, postgres: &str) -> String {
    // The statements here use numbered parameters; SQLite spells them `?N`.
    match backend {
        DbBackend::Postgres => postgres.to_owned(),
        _ => postgres.replace('$', "?"),
    }
}

/// Takes the next place: bumps the head and returns the new position with the hash before it.
/// `None` when the head row does not exist yet.
async fn claim(db: &impl ConnectionTrait) -> StoreResult<Option<(i64, String)>> {
    let backend = db.get_database_backend();
    let stmt = sql(backend, "UPDATE audit_chain SET seq = seq + 1 WHERE id = 1 RETURNING seq, head_hash");
    let row = db.query_one_raw(Statement::from_string(backend, stmt)).await?;
    Ok(match row {
        Some(r) => Some((r.try_get::<i64>("", "seq")?, r.try_get::<String>("", "head_hash")?)),
        None => None,
    })
}

/// Locks the head without moving it (pruning and sealing serialise with appends this way).
async fn lock_head(db: &impl ConnectionTrait) -> StoreResult<audit_chain::Model> {
    let backend = db.get_database_backend();
    let stmt = sql(backend, "UPDATE audit_chain SET seq = seq WHERE id = 1");
    db.execute_raw(Statement::from_string(backend, stmt)).await?;
    head(db).await?.ok_or_else(|| StoreError::Corrupt("the audit chain has no head".into()))
}

async fn set_head(db: &impl ConnectionTrait, hash: &str, at: DateTime<Utc>) -> StoreResult<()> {
    let backend = db.get_database_backend();
    let stmt = sql(backend, "UPDATE audit_chain SET head_hash = $1, updated_at = $2 WHERE id = 1");
    db.execute_raw(Statement::from_sql_and_values(backend, stmt, [hash.into(), at.into()])).await?;
    Ok(())
}

/// Creates the head row if it is missing (a fresh database, or the first start after the
/// migration). Returns whether it was created.
pub async fn create_head(db: &impl ConnectionTrait, at: DateTime<Utc>) -> StoreResult<bool> {
    let backend = db.get_database_backend();
    let stmt = sql(
        backend,
        "INSERT INTO audit_chain (id, seq, head_hash, anchor_seq, anchor_prev_hash, legacy_sealed, updated_at) \
         VALUES (1, 0, $1, 1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
    );
    let res = db.execute_raw(Statement::from_sql_and_values(backend, stmt, [GENESIS.into(), false.into(), at.into()])).await?;
    Ok(res.rows_affected() == 1)
}

pub async fn head(db: &impl ConnectionTrait) -> StoreResult<Option<audit_chain::Model>> {
    Ok(audit_chain::Entity::find_by_id(HEAD).one(db).await?)
}

/// Appends `row` to the chain in its own transaction (a savepoint when `db` is already one, so
/// the head stays locked until the caller commits) and returns it as stored.
pub async fn append<C: ConnectionTrait + TransactionTrait>(db: &C, mut row: audit_event::Model) -> StoreResult<audit_event::Model> {
    let txn = crate::begin_write(db).await?;
    let (seq, prev) = match claim(&txn).await? {
        Some(place) => place,
        None => {
            create_head(&txn, row.at).await?;
            claim(&txn).await?.ok_or_else(|| StoreError::Corrupt("the audit chain has no head".into()))?
        }
    };
    let hash = chain_record(&row, seq).hash(&prev);
    row.seq = Some(seq);
    row.prev_hash = Some(prev);
    row.hash = Some(hash.clone());
    audit_event::Entity::insert(audit_event::ActiveModel::from(row.clone())).exec_without_returning(&txn).await?;
    set_head(&txn, &hash, row.at).await?;
    txn.commit().await?;
    Ok(row)
}

/// Gives the records written before the chain existed (no `seq`) their places, oldest first,
/// once: afterwards a record without a place can only have been inserted around the chain.
/// Returns how many were sealed.
pub async fn seal_legacy<C: ConnectionTrait + TransactionTrait>(db: &C, at: DateTime<Utc>) -> StoreResult<u64> {
    create_head(db, at).await?;
    let txn = crate::begin_write(db).await?;
    let head = lock_head(&txn).await?;
    if head.legacy_sealed {
        txn.rollback().await?;
        return Ok(0);
    }
    let legacy =
        audit_event::Entity::find().filter(audit_event::Column::Seq.is_null()).order_by_asc(audit_event::Column::Id).all(&txn).await?;
    let (mut seq, mut prev) = (head.seq, head.head_hash.clone());
    for row in &legacy {
        seq += 1;
        let hash = chain_record(row, seq).hash(&prev);
        audit_event::Entity::update_many()
            .col_expr(audit_event::Column::Seq, sea_orm::sea_query::Expr::value(seq))
            .col_expr(audit_event::Column::PrevHash, sea_orm::sea_query::Expr::value(prev.clone()))
            .col_expr(audit_event::Column::Hash, sea_orm::sea_query::Expr::value(hash.clone()))
            .filter(audit_event::Column::Id.eq(row.id))
            .exec(&txn)
            .await?;
        prev = hash;
    }
    audit_chain::Entity::update_many()
        .col_expr(audit_chain::Column::Seq, sea_orm::sea_query::Expr::value(seq))
        .col_expr(audit_chain::Column::HeadHash, sea_orm::sea_query::Expr::value(prev))
        .col_expr(audit_chain::Column::LegacySealed, sea_orm::sea_query::Expr::value(true))
        .col_expr(audit_chain::Column::UpdatedAt, sea_orm::sea_query::Expr::value(at))
        .filter(audit_chain::Column::Id.eq(HEAD))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(legacy.len() as u64)
}

/// Chained records after position `after_seq`, in chain order (verification reads the whole
/// chain this way, page by page).
pub async fn page(db: &impl ConnectionTrait, after_seq: i64, limit: u64) -> StoreResult<Vec<audit_event::Model>> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Seq.gt(after_seq))
        .order_by_asc(audit_event::Column::Seq)
        .limit(limit)
        .all(db)
        .await?)
}

/// The stored hash of the record at position `seq`.
pub async fn hash_at(db: &impl ConnectionTrait, seq: i64) -> StoreResult<Option<String>> {
    Ok(audit_event::Entity::find().filter(audit_event::Column::Seq.eq(seq)).one(db).await?.and_then(|r| r.hash))
}

/// A record without a place in the chain, if there is one.
pub async fn first_unchained(db: &impl ConnectionTrait) -> StoreResult<Option<Uuid>> {
    let row = audit_event::Entity::find().filter(audit_event::Column::Seq.is_null()).order_by_asc(audit_event::Column::Id).one(db).await?;
    Ok(row.map(|r| r.id))
}

/// The position of the oldest record at or after `cutoff` (what retention keeps from).
pub async fn first_seq_since(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> StoreResult<Option<i64>> {
    let row = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.is_not_null())
        .filter(audit_event::Column::At.gte(cutoff))
        .order_by_asc(audit_event::Column::Seq)
        .one(db)
        .await?;
    Ok(row.and_then(|r| r.seq))
}

/// Deletes up to `max` records from the start of the chain, stopping before `keep_from`, and
/// moves the anchor to the first record kept. Returns how many were deleted (0: nothing left
/// to prune). Refuses to go on when a record on the way is missing, so pruning never erases
/// the evidence of tampering.
pub async fn prune_chunk<C: ConnectionTrait + TransactionTrait>(db: &C, keep_from: i64, max: i64, at: DateTime<Utc>) -> StoreResult<u64> {
    let txn = crate::begin_write(db).await?;
    let head = lock_head(&txn).await?;
    let upto = keep_from.min(head.anchor_seq + max).min(head.seq + 1);
    if upto <= head.anchor_seq {
        txn.rollback().await?;
        return Ok(0);
    }
    let last = audit_event::Entity::find().filter(audit_event::Column::Seq.eq(upto - 1)).one(&txn).await?;
    let Some(last_hash) = last.and_then(|r| r.hash) else {
        return Err(StoreError::Corrupt(format!("audit record #{} is missing: pruning stops until the chain is verified", upto - 1)));
    };
    let deleted = audit_event::Entity::delete_many()
        .filter(audit_event::Column::Seq.gte(head.anchor_seq))
        .filter(audit_event::Column::Seq.lt(upto))
        .exec(&txn)
        .await?
        .rows_affected;
    audit_chain::Entity::update_many()
        .col_expr(audit_chain::Column::AnchorSeq, sea_orm::sea_query::Expr::value(upto))
        .col_expr(audit_chain::Column::AnchorPrevHash, sea_orm::sea_query::Expr::value(last_hash))
        .col_expr(audit_chain::Column::UpdatedAt, sea_orm::sea_query::Expr::value(at))
        .filter(audit_chain::Column::Id.eq(HEAD))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(deleted)
}

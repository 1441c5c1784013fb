//! Small supporting tables: idempotency records, tracking-number counters, generated secrets,
//! CTI call events.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set, Statement};
use uuid::Uuid;

use crate::entities::{app_secret, call_event, idempotency_key};
use crate::{StoreError, StoreResult};

pub async fn find_idempotent(db: &impl ConnectionTrait, scope: &str, key: &str) -> StoreResult<Option<idempotency_key::Model>> {
    Ok(idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await?)
}

/// Records the first response; a concurrent duplicate hits the unique index (Conflict).
pub async fn insert_idempotent(db: &impl ConnectionTrait, row: idempotency_key::Model) -> StoreResult<()> {
    idempotency_key::Entity::insert(idempotency_key::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

/// The next number of a daily sequence, inside the caller's transaction (so a rolled-back
/// intake gives its number back). One atomic upsert: on PostgreSQL a failed statement would
/// abort the whole transaction, so "try update, else insert" is not an option.
pub async fn next_in_sequence(db: &impl ConnectionTrait, scope: &str) -> StoreResult<i64> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO tracking_counters (scope, next) VALUES ($1, 1) \
             ON CONFLICT (scope) DO UPDATE SET next = tracking_counters.next + 1 RETURNING next"
        }
        _ => {
            "INSERT INTO tracking_counters (scope, next) VALUES (?, 1) \
              ON CONFLICT (scope) DO UPDATE SET next = tracking_counters.next + 1 RETURNING next"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [scope.into()]))
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("counter {scope} returned nothing")))?;
    Ok(row.try_get::<i64>("", "next")?)
}

/// The named secret, created with `generate()` on first use.
pub async fn secret(
    db: &impl ConnectionTrait,
    name: &str,
    generate: impl FnOnce() -> String,
    at: chrono::DateTime<chrono::Utc>,
) -> StoreResult<String> {
    if let Some(s) = app_secret::Entity::find_by_id(name.to_owned()).one(db).await? {
        return Ok(s.value);
    }
    let value = generate();
    let row = app_secret::ActiveModel { name: Set(name.to_owned()), value: Set(value), created_at: Set(at) };
    match app_secret::Entity::insert(row).exec_without_returning(db).await {
        Ok(_) => {}
        Err(e) if matches!(StoreError::from(e.clone()), StoreError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    // Read back: when two processes raced, both use the one that won.
    app_secret::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|s| s.value)
        .ok_or_else(|| StoreError::Corrupt(format!("secret {name} vanished")))
}

pub async fn insert_call_event(db: &impl ConnectionTrait, row: call_event::Model) -> StoreResult<()> {
    call_event::Entity::insert(call_event::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn find_call_event(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    call_id: &str,
    event: &str,
) -> StoreResult<Option<call_event::Model>> {
    Ok(call_event::Entity::find()
        .filter(call_event::Column::TenantId.eq(tenant))
        .filter(call_event::Column::CallId.eq(call_id))
        .filter(call_event::Column::Event.eq(event))
        .one(db)
        .await?)
}

pub async fn call_events_of(db: &impl ConnectionTrait, tenant: Uuid, call_id: &str) -> StoreResult<Vec<call_event::Model>> {
    Ok(call_event::Entity::find()
        .filter(call_event::Column::TenantId.eq(tenant))
        .filter(call_event::Column::CallId.eq(call_id))
        .all(db)
        .await?)
}

/// Links every event of a call to the case it produced.
pub async fn link_call(db: &impl ConnectionTrait, tenant: Uuid, call_id: &str, case_id: Uuid) -> StoreResult<u64> {
    let res = call_event::Entity::update_many()
        .col_expr(call_event::Column::CaseId, Expr::value(case_id))
        .filter(call_event::Column::TenantId.eq(tenant))
        .filter(call_event::Column::CallId.eq(call_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Calls that ended in `[from, to)`: (tenant, ended at, rang at, answered at). For the drift
/// check, which recounts them; a call's other events are looked for up to a day before its end.
pub async fn calls_ended(
    db: &impl ConnectionTrait,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Vec<CallEnded>> {
    let rows = call_event::Entity::find()
        .filter(call_event::Column::At.gte(from - chrono::Duration::days(1)))
        .filter(call_event::Column::At.lt(to + chrono::Duration::days(1)))
        .all(db)
        .await?;
    let mut calls: std::collections::BTreeMap<(Uuid, String), CallEnded> = std::collections::BTreeMap::new();
    for r in rows {
        let c = calls.entry((r.tenant_id, r.call_id.clone())).or_insert(CallEnded { tenant_id: r.tenant_id, ..Default::default() });
        match r.event.as_str() {
            "ringing" => c.rang = Some(r.at),
            "answered" => c.answered = Some(r.at),
            "ended" => c.ended = Some(r.at),
            _ => {}
        }
    }
    Ok(calls.into_values().filter(|c| c.ended.is_some_and(|e| e >= from && e < to)).collect())
}

/// One call's reported moments.
#[derive(Debug, Clone, Default)]
pub struct CallEnded {
    pub tenant_id: Uuid,
    pub rang: Option<chrono::DateTime<chrono::Utc>>,
    pub answered: Option<chrono::DateTime<chrono::Utc>>,
    pub ended: Option<chrono::DateTime<chrono::Utc>>,
}

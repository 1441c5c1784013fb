//! The statements of group-committed intake: many intakes in one transaction, each kind of row
//! in one statement (see `hotline_core::cases::IntakeWriter`).

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::bulk::{self, Col, opt, time, uuid};
use crate::entities::{case, idempotency_key, routing_decision};
use crate::{StoreError, StoreResult};

/// Takes `n` numbers of a daily sequence at once and returns the last one (the batch uses
/// `last - n + 1 ..= last`). Inside the caller's transaction: a rolled-back batch gives them
/// back; the row stays locked until the batch commits.
pub async fn take_sequence(db: &impl ConnectionTrait, scope: &str, n: i64) -> StoreResult<i64> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO tracking_counters (scope, next) VALUES ($1, $2) \
             ON CONFLICT (scope) DO UPDATE SET next = tracking_counters.next + excluded.next RETURNING next"
        }
        _ => {
            "INSERT INTO tracking_counters (scope, next) VALUES (?, ?) \
             ON CONFLICT (scope) DO UPDATE SET next = tracking_counters.next + excluded.next RETURNING next"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [scope.into(), n.into()]))
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("counter {scope} returned nothing")))?;
    Ok(row.try_get::<i64>("", "next")?)
}

const IDEMPOTENCY: bulk::Table = bulk::Table {
    name: "idempotency_keys",
    cols: &[
        ("id", Col::Uuid),
        ("scope", Col::Text),
        ("key", Col::Text),
        ("request_hash", Col::Text),
        ("status", Col::Int),
        ("response", Col::Text),
        ("created_at", Col::Time),
    ],
};

/// Records first answers; returns the `(scope, key)` pairs this statement stored. A pair it
/// did not store was stored first by someone else (on PostgreSQL the statement waits for a
/// concurrent twin's transaction to end, so that answer is committed when this returns).
pub async fn record_answers(db: &impl ConnectionTrait, rows: &[idempotency_key::Model]) -> StoreResult<HashSet<(String, String)>> {
    let stored = bulk::insert(db, &IDEMPOTENCY, answer_cells(rows), "ON CONFLICT (scope, key) DO NOTHING RETURNING scope, key").await?;
    stored.iter().map(|row| Ok((row.try_get::<String>("", "scope")?, row.try_get::<String>("", "key")?))).collect()
}

/// First answers for [`bulk::insert_together`], counted: a key someone else stored first is
/// skipped (`DO NOTHING`), and the count tells the caller it was.
pub fn new_answers(rows: &[idempotency_key::Model]) -> bulk::Insert {
    bulk::Insert::new(&IDEMPOTENCY, answer_cells(rows), "ON CONFLICT (scope, key) DO NOTHING").counted()
}

fn answer_cells(rows: &[idempotency_key::Model]) -> Vec<bulk::Row> {
    rows.iter()
        .map(|r| {
            vec![
                uuid(r.id),
                r.scope.clone().into(),
                r.key.clone().into(),
                r.request_hash.clone().into(),
                r.status.into(),
                r.response.clone().into(),
                time(r.created_at),
            ]
        })
        .collect()
}

/// The `(scope, key)` pairs among `keys` that already have a committed answer (a request
/// carrying one is a repeat; it must not take a tracking number).
pub async fn existing_answers(db: &impl ConnectionTrait, keys: &[(String, String)]) -> StoreResult<HashSet<(String, String)>> {
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        // One fixed statement whatever the batch size, each pair probed in the unique index. (An
        // OR of N pairs is a new statement text per N, planned afresh each time, and PostgreSQL
        // ran it as a scan of the whole table: half of the database's CPU in an intake storm.)
        // LATERAL with LIMIT: a probe per pair, never turned into a hash join over the whole
        // table (the generic plan of a plain EXISTS did that: 0.5 ms at 1,500 keys and growing).
        let sql = "SELECT w.scope, w.key FROM unnest($1::text[], $2::text[]) AS w(scope, key) \
                   CROSS JOIN LATERAL (SELECT 1 FROM idempotency_keys k WHERE k.scope = w.scope AND k.key = w.key LIMIT 1) AS hit";
        let scopes = bulk::text_array(keys.iter().map(|(s, _)| s.as_str()));
        let names = bulk::text_array(keys.iter().map(|(_, k)| k.as_str()));
        let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, [scopes.into(), names.into()])).await?;
        return rows.iter().map(|row| Ok((row.try_get::<String>("", "scope")?, row.try_get::<String>("", "key")?))).collect();
    }
    let mut found = HashSet::new();
    for chunk in keys.chunks(bulk::CHUNK / 2) {
        let any = chunk.iter().fold(Condition::any(), |c, (scope, key)| {
            c.add(
                Condition::all().add(idempotency_key::Column::Scope.eq(scope.as_str())).add(idempotency_key::Column::Key.eq(key.as_str())),
            )
        });
        let rows: Vec<(String, String)> = idempotency_key::Entity::find()
            .select_only()
            .column(idempotency_key::Column::Scope)
            .column(idempotency_key::Column::Key)
            .filter(any)
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

const DECISIONS: bulk::Table = bulk::Table {
    name: "routing_decisions",
    cols: &[
        ("id", Col::Uuid),
        ("case_id", Col::Uuid),
        ("tenant_id", Col::Uuid),
        ("event", Col::Text),
        ("decision", Col::Text),
        ("at", Col::Time),
    ],
};

/// The routing decisions' rows, for [`bulk::insert_together`].
pub fn new_decisions(rows: &[routing_decision::Model]) -> bulk::Insert {
    let cells: Vec<bulk::Row> = rows
        .iter()
        .map(|d| vec![uuid(d.id), uuid(d.case_id), uuid(d.tenant_id), d.event.clone().into(), d.decision.clone().into(), time(d.at)])
        .collect();
    bulk::Insert::new(&DECISIONS, cells, "")
}

const CASES: bulk::Table = bulk::Table {
    name: "cases",
    cols: &[
        ("id", Col::Uuid),
        ("tenant_id", Col::Uuid),
        ("tracking_number", Col::Text),
        ("channel", Col::Text),
        ("contact_type", Col::Text),
        ("category", Col::Text),
        ("urgency", Col::Text),
        ("title", Col::Text),
        ("description", Col::Text),
        ("address", Col::Text),
        ("district", Col::Text),
        ("lat", Col::Double),
        ("long", Col::Double),
        ("caller_name_enc", Col::Text),
        ("caller_name_masked", Col::Text),
        ("caller_phone_enc", Col::Text),
        ("caller_phone_hash", Col::Text),
        ("caller_phone_masked", Col::Text),
        ("anonymous", Col::Bool),
        ("dialled_number", Col::Text),
        ("attachments", Col::Text),
        ("status", Col::Text),
        ("closure", Col::Text),
        ("lead_unit_id", Col::Uuid),
        ("reported_unit_id", Col::Uuid),
        ("answer", Col::Text),
        ("referral", Col::Text),
        ("transfer_line", Col::Text),
        ("duplicate_of", Col::Uuid),
        ("feedback", Col::Text),
        ("feedback_resolved", Col::Bool),
        ("feedback_details", Col::Text),
        ("rating", Col::Text),
        ("rating_comment", Col::Text),
        ("rated_at", Col::Time),
        ("no_return_visit", Col::Bool),
        ("return_count", Col::Int),
        ("reopen_count", Col::Int),
        ("problem", Col::Bool),
        ("problem_reason", Col::Text),
        ("extension_days", Col::Int),
        ("extension_reason", Col::Text),
        ("sign_due_at", Col::Time),
        ("feedback_due_at", Col::Time),
        ("public_token_hash", Col::Text),
        ("created_by", Col::Uuid),
        ("created_via", Col::Text),
        ("version", Col::Int),
        ("created_at", Col::Time),
        ("updated_at", Col::Time),
        ("closed_at", Col::Time),
        ("feedback_near_at", Col::Time),
    ],
};

fn id(v: Option<uuid::Uuid>) -> serde_json::Value {
    opt(v.map(|x| x.to_string()))
}

fn at(v: Option<chrono::DateTime<chrono::Utc>>) -> serde_json::Value {
    v.map(time).unwrap_or(serde_json::Value::Null)
}

/// New cases' rows, for [`bulk::insert_together`]. Every column of [`case::Model`] is listed:
/// a column added to the entity and not here fails the unit test below.
pub fn new_cases(rows: &[case::Model]) -> bulk::Insert {
    let cells: Vec<bulk::Row> = rows
        .iter()
        .map(|c| {
            let c = c.clone();
            vec![
                uuid(c.id),
                uuid(c.tenant_id),
                c.tracking_number.into(),
                c.channel.into(),
                c.contact_type.into(),
                opt(c.category),
                c.urgency.into(),
                c.title.into(),
                c.description.into(),
                opt(c.address),
                opt(c.district),
                opt(c.lat),
                opt(c.long),
                opt(c.caller_name_enc),
                opt(c.caller_name_masked),
                opt(c.caller_phone_enc),
                opt(c.caller_phone_hash),
                opt(c.caller_phone_masked),
                c.anonymous.into(),
                opt(c.dialled_number),
                opt(c.attachments),
                c.status.into(),
                opt(c.closure),
                id(c.lead_unit_id),
                id(c.reported_unit_id),
                opt(c.answer),
                opt(c.referral),
                opt(c.transfer_line),
                id(c.duplicate_of),
                opt(c.feedback),
                opt(c.feedback_resolved),
                opt(c.feedback_details),
                opt(c.rating),
                opt(c.rating_comment),
                at(c.rated_at),
                c.no_return_visit.into(),
                c.return_count.into(),
                c.reopen_count.into(),
                c.problem.into(),
                opt(c.problem_reason),
                opt(c.extension_days),
                opt(c.extension_reason),
                at(c.sign_due_at),
                at(c.feedback_due_at),
                opt(c.public_token_hash),
                id(c.created_by),
                c.created_via.into(),
                c.version.into(),
                time(c.created_at),
                time(c.updated_at),
                at(c.closed_at),
                at(c.feedback_near_at),
            ]
        })
        .collect();
    bulk::Insert::new(&CASES, cells, "")
}

#[cfg(test)]
mod tests {
    use sea_orm::{IdenStatic, Iterable};

    use super::*;

    #[test]
    fn the_bulk_case_insert_names_every_column_of_the_entity() {
        let entity: Vec<&str> = case::Column::iter().map(|c| c.as_str()).collect();
        let bulk: Vec<&str> = CASES.cols.iter().map(|(n, _)| *n).collect();
        assert_eq!(bulk, entity, "new_cases must list the columns of case::Model in order");
    }
}

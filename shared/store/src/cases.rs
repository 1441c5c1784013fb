//! Cases, their participants (joint handling) and their event history.
//!
//! Visibility is not one tenant: a line sees the cases it owns and the joint cases its units
//! take part in, so every read takes a [`CaseScope`] decided by hotline-core.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::sqlx;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement};
use uuid::Uuid;

use crate::entities::{case, case_event, case_participant};
use crate::{Page, PageRequest, StoreError, StoreResult};

/// Which cases a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseScope {
    /// The city platform's agents, dispatchers and supervisors.
    All,
    /// A line: cases it owns, and cases one of its units takes part in.
    Tenant(Uuid),
    /// A unit: cases it takes part in.
    Unit(Uuid),
    /// An integrator: the cases its key created.
    CreatedBy(Uuid),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CaseFilter {
    pub tenant_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub status: Option<String>,
    pub contact_type: Option<String>,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub channel: Option<String>,
    pub district: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Open at a unit with some unit's deadline before this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    pub problem: Option<bool>,
    /// Open at a unit, past the reminder point but not yet the deadline, at this instant.
    pub near_at: Option<DateTime<Utc>>,
    /// With (or without) an extension request waiting for a decision.
    pub extension_pending: Option<bool>,
    pub q: Option<String>,
    /// Only cases a lead unit has (or had) — what a routing model learns from.
    pub has_lead: bool,
}

fn participant_cases(col: case_participant::Column, value: Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select().column(case_participant::Column::CaseId).from(case_participant::Entity).and_where(Expr::col(col).eq(value)).to_owned()
}

/// A case row decoded by position. The derived decoder looks every one of the 52 columns up by
/// name and, for each NULL one, formats the column's name into an error it then drops: a third
/// of a case read's CPU. `Entity::find()` selects the columns in the model's field order, and
/// the fields below are read in that order (`case_rows_decode_by_position_as_by_name` checks).
pub struct ByPosition(pub case::Model);

/// Column `*i` of the row, then the next. sqlx decodes it directly: sea-orm's by-index path
/// decodes a NULL as an error carrying the formatted index, which `Option` then drops (8 % of a
/// read's instructions went to formatting those numbers). The result is the same: sea-orm's
/// own decoder calls the same `try_get::<Option<T>>` of sqlx (the test
/// `case_rows_decode_by_position_as_by_name` compares them on both databases).
fn at<T>(row: &sea_orm::QueryResult, i: &mut usize) -> Result<T, sea_orm::DbErr>
where
    T: sea_orm::TryGetable,
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    use sqlx::Row;
    let index = *i;
    *i += 1;
    let decoded = if let Some(r) = row.try_as_pg_row() {
        r.try_get::<T, usize>(index)
    } else if let Some(r) = row.try_as_sqlite_row() {
        r.try_get::<T, usize>(index)
    } else {
        return row.try_get_by_index(index);
    };
    decoded.map_err(|e| sea_orm::DbErr::Type(format!("case column {index}: {e}")))
}

impl sea_orm::FromQueryResult for ByPosition {
    fn from_query_result(row: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        if !pre.is_empty() {
            // Nested in a join: the columns are not the model's alone; decode by name.
            return case::Model::from_query_result(row, pre).map(ByPosition);
        }
        decode_case(row, &mut 0).map(ByPosition)
    }
}

/// The case's columns from position `*i` on, in the model's field order.
fn decode_case(row: &sea_orm::QueryResult, i: &mut usize) -> Result<case::Model, sea_orm::DbErr> {
    Ok(case::Model {
        id: at(row, i)?,
        tenant_id: at(row, i)?,
        tracking_number: at(row, i)?,
        channel: at(row, i)?,
        contact_type: at(row, i)?,
        category: at(row, i)?,
        urgency: at(row, i)?,
        title: at(row, i)?,
        description: at(row, i)?,
        address: at(row, i)?,
        district: at(row, i)?,
        lat: at(row, i)?,
        long: at(row, i)?,
        caller_name_enc: at(row, i)?,
        caller_name_masked: at(row, i)?,
        caller_phone_enc: at(row, i)?,
        caller_phone_hash: at(row, i)?,
        caller_phone_masked: at(row, i)?,
        anonymous: at(row, i)?,
        dialled_number: at(row, i)?,
        attachments: at(row, i)?,
        status: at(row, i)?,
        closure: at(row, i)?,
        lead_unit_id: at(row, i)?,
        reported_unit_id: at(row, i)?,
        answer: at(row, i)?,
        referral: at(row, i)?,
        transfer_line: at(row, i)?,
        duplicate_of: at(row, i)?,
        feedback: at(row, i)?,
        feedback_resolved: at(row, i)?,
        feedback_details: at(row, i)?,
        rating: at(row, i)?,
        rating_comment: at(row, i)?,
        rated_at: at(row, i)?,
        no_return_visit: at(row, i)?,
        return_count: at(row, i)?,
        reopen_count: at(row, i)?,
        problem: at(row, i)?,
        problem_reason: at(row, i)?,
        extension_days: at(row, i)?,
        extension_reason: at(row, i)?,
        sign_due_at: at(row, i)?,
        feedback_due_at: at(row, i)?,
        public_token_hash: at(row, i)?,
        created_by: at(row, i)?,
        created_via: at(row, i)?,
        version: at(row, i)?,
        created_at: at(row, i)?,
        updated_at: at(row, i)?,
        closed_at: at(row, i)?,
        feedback_near_at: at(row, i)?,
    })
}

/// A participant's columns from position `*i` on, in the model's field order; `None` where a
/// left join found none (its id is NULL).
fn decode_participant(row: &sea_orm::QueryResult, i: &mut usize) -> Result<Option<case_participant::Model>, sea_orm::DbErr> {
    let Some(id) = at::<Option<Uuid>>(row, i)? else { return Ok(None) };
    Ok(Some(case_participant::Model {
        id,
        case_id: at(row, i)?,
        tenant_id: at(row, i)?,
        unit_id: at(row, i)?,
        role: at(row, i)?,
        status: at(row, i)?,
        contribution: at(row, i)?,
        signed_at: at(row, i)?,
        contributed_at: at(row, i)?,
        released_at: at(row, i)?,
        created_at: at(row, i)?,
        sign_due_at: at(row, i)?,
        contribute_due_at: at(row, i)?,
    }))
}

/// One row of [`find_with_participants`]: the case, and one of its participants if any.
struct CaseAndParticipant(case::Model, Option<case_participant::Model>);

impl sea_orm::FromQueryResult for CaseAndParticipant {
    fn from_query_result(row: &sea_orm::QueryResult, _pre: &str) -> Result<Self, sea_orm::DbErr> {
        let mut i = 0;
        let case = decode_case(row, &mut i)?;
        Ok(CaseAndParticipant(case, decode_participant(row, &mut i)?))
    }
}

pub(crate) fn scope_condition(scope: CaseScope) -> Condition {
    match scope {
        CaseScope::All => Condition::all(),
        CaseScope::Tenant(t) => Condition::any()
            .add(case::Column::TenantId.eq(t))
            .add(case::Column::Id.in_subquery(participant_cases(case_participant::Column::TenantId, t))),
        CaseScope::Unit(u) => Condition::all().add(case::Column::Id.in_subquery(participant_cases(case_participant::Column::UnitId, u))),
        CaseScope::CreatedBy(who) => Condition::all().add(case::Column::CreatedBy.eq(who)),
    }
}

pub async fn insert(db: &impl ConnectionTrait, row: case::Model) -> StoreResult<()> {
    case::Entity::insert(case::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, scope: CaseScope, id: Uuid) -> StoreResult<Option<case::Model>> {
    let row = case::Entity::find_by_id(id).filter(scope_condition(scope)).into_model::<ByPosition>().one(db).await?;
    Ok(row.map(|r| r.0))
}

/// A case the scope lets one see, with its participants in the order of [`participants`], in
/// one statement: the two reads of a case view made four round trips with their scope
/// statements, which was most of the database's work per read.
pub async fn find_with_participants(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    id: Uuid,
) -> StoreResult<Option<(case::Model, Vec<case_participant::Model>)>> {
    use case_participant::Column as P;
    use sea_orm::sea_query::{JoinType, Order};
    use sea_orm::{Iterable, QueryTrait};
    let mut q = case::Entity::find_by_id(id).filter(scope_condition(scope));
    let query = QueryTrait::query(&mut q);
    // After the case's columns (decoded by position), the participant's, in field order.
    for col in P::iter() {
        query.expr(Expr::col((case_participant::Entity, col)));
    }
    query
        .join(
            JoinType::LeftJoin,
            case_participant::Entity,
            Expr::col((case_participant::Entity, P::CaseId)).equals((case::Entity, case::Column::Id)),
        )
        .order_by((case_participant::Entity, P::CreatedAt), Order::Asc)
        .order_by((case_participant::Entity, P::Id), Order::Asc);
    let rows = q.into_model::<CaseAndParticipant>().all(db).await?;
    let mut rows = rows.into_iter();
    let Some(CaseAndParticipant(case, first)) = rows.next() else { return Ok(None) };
    let parts = first.into_iter().chain(rows.filter_map(|r| r.1)).collect();
    Ok(Some((case, parts)))
}

pub async fn find_by_tracking(db: &impl ConnectionTrait, tracking: &str) -> StoreResult<Option<case::Model>> {
    Ok(case::Entity::find().filter(case::Column::TrackingNumber.eq(tracking)).one(db).await?)
}

/// Writes the new projection if nobody changed the case since `row.version - 1` was read
/// (optimistic concurrency: two dispatchers cannot both win).
pub async fn update(db: &impl ConnectionTrait, row: case::Model) -> StoreResult<()> {
    let expected = row.version - 1;
    let id = row.id;
    let am = sea_orm::ActiveModelTrait::reset_all(case::ActiveModel::from(row));
    let res =
        case::Entity::update_many().set(am).filter(case::Column::Id.eq(id)).filter(case::Column::Version.eq(expected)).exec(db).await?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict("the case was changed by someone else".into()));
    }
    Ok(())
}

pub async fn list(db: &impl ConnectionTrait, scope: CaseScope, f: &CaseFilter, page: PageRequest) -> StoreResult<Page<case::Model>> {
    let mut q = case::Entity::find().filter(scope_condition(scope));
    if let Some(t) = f.tenant_id {
        q = q.filter(
            Condition::any()
                .add(case::Column::TenantId.eq(t))
                .add(case::Column::Id.in_subquery(participant_cases(case_participant::Column::TenantId, t))),
        );
    }
    if let Some(u) = f.unit_id {
        q = q.filter(case::Column::Id.in_subquery(participant_cases(case_participant::Column::UnitId, u)));
    }
    for (col, value) in [
        (case::Column::Status, &f.status),
        (case::Column::ContactType, &f.contact_type),
        (case::Column::Category, &f.category),
        (case::Column::Urgency, &f.urgency),
        (case::Column::Channel, &f.channel),
        (case::Column::District, &f.district),
    ] {
        if let Some(v) = value {
            q = q.filter(col.eq(v.as_str()));
        }
    }
    if let Some(from) = f.created_from {
        q = q.filter(case::Column::CreatedAt.gte(from));
    }
    if let Some(to) = f.created_to {
        q = q.filter(case::Column::CreatedAt.lt(to));
    }
    if let Some(now) = f.overdue_at {
        // Past any unit's deadline: the lead's feedback, the lead's sign-for while unsigned, or
        // a co-unit's sign-for or contribution while it still owes them.
        use case_participant::Column as P;
        let late_co = Query::select()
            .column(P::CaseId)
            .from(case_participant::Entity)
            .and_where(Expr::col(P::Role).eq("co"))
            .cond_where(
                Condition::any().add(Condition::all().add(Expr::col(P::Status).eq("assigned")).add(Expr::col(P::SignDueAt).lt(now))).add(
                    Condition::all().add(Expr::col(P::Status).is_in(["assigned", "signed"])).add(Expr::col(P::ContributeDueAt).lt(now)),
                ),
            )
            .to_owned();
        q = q.filter(case::Column::Status.is_in(["dispatched", "signed", "in_progress"])).filter(
            Condition::any()
                .add(case::Column::FeedbackDueAt.lt(now))
                .add(Condition::all().add(case::Column::Status.eq("dispatched")).add(case::Column::SignDueAt.lt(now)))
                .add(case::Column::Id.in_subquery(late_co)),
        );
    }
    if let Some(now) = f.near_at {
        q = q
            .filter(case::Column::Status.is_in(["dispatched", "signed", "in_progress"]))
            .filter(case::Column::FeedbackNearAt.lte(now))
            .filter(case::Column::FeedbackDueAt.gt(now));
    }
    if let Some(p) = f.problem {
        q = q.filter(case::Column::Problem.eq(p));
    }
    match f.extension_pending {
        Some(true) => q = q.filter(case::Column::ExtensionDays.is_not_null()),
        Some(false) => q = q.filter(case::Column::ExtensionDays.is_null()),
        None => {}
    }
    if f.has_lead {
        q = q.filter(case::Column::LeadUnitId.is_not_null());
    }
    if let Some(text) = &f.q {
        q = q.filter(
            Condition::any().add(case::Column::Title.contains(text.as_str())).add(case::Column::Description.contains(text.as_str())),
        );
    }
    if let Some(after) = page.after {
        q = q.filter(case::Column::Id.lt(after));
    }
    let rows = q.order_by_desc(case::Column::Id).limit(page.limit + 1).into_model::<ByPosition>().all(db).await?;
    Ok(Page::from_rows(rows.into_iter().map(|r| r.0).collect(), page.limit, |r| r.id))
}

/// Cases linked to `master` as duplicates (their requesters share the answer).
pub async fn duplicates_of(db: &impl ConnectionTrait, master: Uuid) -> StoreResult<Vec<case::Model>> {
    Ok(case::Entity::find().filter(case::Column::DuplicateOf.eq(master)).order_by_asc(case::Column::Id).all(db).await?)
}

pub async fn insert_participant(db: &impl ConnectionTrait, row: case_participant::Model) -> StoreResult<()> {
    case_participant::Entity::insert(case_participant::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update_participant(db: &impl ConnectionTrait, row: case_participant::Model) -> StoreResult<()> {
    let am = sea_orm::ActiveModelTrait::reset_all(case_participant::ActiveModel::from(row));
    case_participant::Entity::update(am).exec(db).await?;
    Ok(())
}

pub async fn participants(db: &impl ConnectionTrait, case_id: Uuid) -> StoreResult<Vec<case_participant::Model>> {
    Ok(case_participant::Entity::find()
        .filter(case_participant::Column::CaseId.eq(case_id))
        .order_by_asc(case_participant::Column::CreatedAt)
        .order_by_asc(case_participant::Column::Id)
        .all(db)
        .await?)
}

/// The participants of several cases in one query (a list page), each case's in the order of
/// [`participants`]; a case without participants has no entry.
pub async fn participants_of(
    db: &impl ConnectionTrait,
    case_ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, Vec<case_participant::Model>>> {
    let mut by_case: std::collections::HashMap<Uuid, Vec<case_participant::Model>> = std::collections::HashMap::new();
    if case_ids.is_empty() {
        return Ok(by_case);
    }
    let rows = case_participant::Entity::find()
        .filter(case_participant::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(case_participant::Column::CreatedAt)
        .order_by_asc(case_participant::Column::Id)
        .all(db)
        .await?;
    for r in rows {
        by_case.entry(r.case_id).or_default().push(r);
    }
    Ok(by_case)
}

pub async fn insert_event(db: &impl ConnectionTrait, row: case_event::Model) -> StoreResult<()> {
    case_event::Entity::insert(case_event::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

/// Many events in few statements (the deadline sweep writes thousands per tick).
pub async fn insert_events(db: &impl ConnectionTrait, rows: Vec<case_event::Model>) -> StoreResult<()> {
    crate::bulk::insert_together(db, vec![new_events(rows)]).await.map(drop)
}

/// Events' rows, for [`crate::bulk::insert_together`].
pub fn new_events(rows: Vec<case_event::Model>) -> crate::bulk::Insert {
    use crate::bulk::{self, Col, opt, time, uuid};
    const EVENTS: bulk::Table = bulk::Table {
        name: "case_events",
        cols: &[
            ("id", Col::Uuid),
            ("case_id", Col::Uuid),
            ("tenant_id", Col::Uuid),
            ("at", Col::Time),
            ("actor_kind", Col::Text),
            ("actor_id", Col::Uuid),
            ("actor_name", Col::Text),
            ("actor_unit_id", Col::Uuid),
            ("action", Col::Text),
            ("from_status", Col::Text),
            ("to_status", Col::Text),
            ("reason", Col::Text),
            ("payload", Col::Text),
        ],
    };
    let rows: Vec<bulk::Row> = rows
        .into_iter()
        .map(|e| {
            vec![
                uuid(e.id),
                uuid(e.case_id),
                uuid(e.tenant_id),
                time(e.at),
                e.actor_kind.into(),
                opt(e.actor_id.map(|x| x.to_string())),
                opt(e.actor_name),
                opt(e.actor_unit_id.map(|x| x.to_string())),
                e.action.into(),
                opt(e.from_status),
                e.to_status.into(),
                opt(e.reason),
                opt(e.payload),
            ]
        })
        .collect();
    bulk::Insert::new(&EVENTS, rows, "")
}

pub async fn events(db: &impl ConnectionTrait, case_id: Uuid, page: PageRequest) -> StoreResult<Page<case_event::Model>> {
    let mut q = case_event::Entity::find().filter(case_event::Column::CaseId.eq(case_id));
    if let Some(after) = page.after {
        q = q.filter(case_event::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(case_event::Column::Id).limit(page.limit + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id))
}

/// Earlier contacts from the same caller (by the keyed phone hash), for the `caller_history` fact.
pub async fn count_by_caller(db: &impl ConnectionTrait, phone_hash: &str, before: DateTime<Utc>) -> StoreResult<u64> {
    // Every intake with a phone number asks (routing's caller history): a fixed statement,
    // prepared once per connection, instead of an entity select built and rendered each time.
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT count(*) AS n FROM cases WHERE caller_phone_hash = $1 AND created_at < $2",
        _ => "SELECT count(*) AS n FROM cases WHERE caller_phone_hash = ? AND created_at < ?",
    };
    let row = db.query_one_raw(Statement::from_sql_and_values(backend, sql, [phone_hash.into(), before.into()])).await?;
    let n: i64 = match row {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// When the latest event with `action` happened on a case.
pub async fn latest_event_at(db: &impl ConnectionTrait, case_id: Uuid, action: &str) -> StoreResult<Option<DateTime<Utc>>> {
    Ok(case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(case_id))
        .filter(case_event::Column::Action.eq(action))
        .order_by_desc(case_event::Column::Id)
        .one(db)
        .await?
        .map(|e| e.at))
}

/// Cases rated in `[from, to)` (for the daily digest's satisfaction).
pub async fn rated_between(db: &impl ConnectionTrait, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<case::Model>> {
    Ok(case::Entity::find().filter(case::Column::RatedAt.gte(from)).filter(case::Column::RatedAt.lt(to)).all(db).await?)
}

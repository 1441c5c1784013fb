//! The lines' dispatch catalogues (派单目录), and the public reads Open311 makes of cases.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::StoreResult;
use crate::cases::{CaseScope, scope_condition};
use crate::entities::{case, case_event, service_category};

/// The categories of these lines, active ones only unless `all`, in catalogue order.
pub async fn list(db: &impl ConnectionTrait, tenants: &[Uuid], all: bool) -> StoreResult<Vec<service_category::Model>> {
    let mut q = service_category::Entity::find().filter(service_category::Column::TenantId.is_in(tenants.iter().copied()));
    if !all {
        q = q.filter(service_category::Column::Active.eq(true));
    }
    Ok(q.order_by_asc(service_category::Column::SortOrder).order_by_asc(service_category::Column::Code).all(db).await?)
}

pub async fn find(db: &impl ConnectionTrait, tenant: Uuid, id: Uuid) -> StoreResult<Option<service_category::Model>> {
    Ok(service_category::Entity::find_by_id(id).filter(service_category::Column::TenantId.eq(tenant)).one(db).await?)
}

pub async fn insert(db: &impl ConnectionTrait, row: service_category::Model) -> StoreResult<()> {
    service_category::Entity::insert(service_category::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update(db: &impl ConnectionTrait, row: service_category::Model) -> StoreResult<()> {
    let am = sea_orm::ActiveModelTrait::reset_all(service_category::ActiveModel::from(row));
    service_category::Entity::update(am).exec(db).await?;
    Ok(())
}

/// Which categories a public list asks for: these names, and, for the catch-all service,
/// cases without a category or with one the catalogue does not know (`known`).
#[derive(Debug, Clone, Default)]
pub struct CategoryFilter {
    pub names: Vec<String>,
    pub uncatalogued: bool,
    pub known: Vec<String>,
    /// Limits the uncatalogued cases to those received by these tenants (empty: any).
    pub uncatalogued_tenants: Vec<Uuid>,
}

/// What a public (Open311) list of cases may ask.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    /// Tracking numbers; when given, the other filters do not apply (the spec's rule).
    pub tracking: Option<Vec<String>>,
    pub categories: Option<CategoryFilter>,
    /// `Some(true)` open only, `Some(false)` closed only.
    pub open: Option<bool>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Contact types never shown (reports).
    pub hidden_types: Vec<String>,
}

/// A page of public cases, newest first, by offset (Open311 clients page by number).
pub async fn public_cases(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    f: &PublicFilter,
    offset: u64,
    limit: u64,
) -> StoreResult<Vec<case::Model>> {
    let mut q = case::Entity::find().filter(scope_condition(scope));
    if !f.hidden_types.is_empty() {
        q = q.filter(case::Column::ContactType.is_not_in(f.hidden_types.iter().map(String::as_str)));
    }
    if let Some(ids) = &f.tracking {
        q = q.filter(case::Column::TrackingNumber.is_in(ids.iter().map(String::as_str)));
    } else {
        if let Some(c) = &f.categories {
            let mut any = Condition::any();
            if !c.names.is_empty() {
                any = any.add(case::Column::Category.is_in(c.names.iter().map(String::as_str)));
            }
            if c.uncatalogued {
                let mut other = Condition::any().add(case::Column::Category.is_null());
                if !c.known.is_empty() {
                    other = other.add(case::Column::Category.is_not_in(c.known.iter().map(String::as_str)));
                } else {
                    other = other.add(case::Column::Category.is_not_null());
                }
                let mut other = Condition::all().add(other);
                if !c.uncatalogued_tenants.is_empty() {
                    other = other.add(case::Column::TenantId.is_in(c.uncatalogued_tenants.iter().copied()));
                }
                any = any.add(other);
            }
            // An empty selection selects nothing (not everything).
            q = q.filter(if c.names.is_empty() && !c.uncatalogued { Condition::all().add(Expr::val(1).eq(0)) } else { any });
        }
        match f.open {
            Some(true) => q = q.filter(case::Column::Status.ne("closed")),
            Some(false) => q = q.filter(case::Column::Status.eq("closed")),
            None => {}
        }
        if let Some(from) = f.from {
            q = q.filter(case::Column::CreatedAt.gte(from));
        }
        if let Some(to) = f.to {
            q = q.filter(case::Column::CreatedAt.lte(to));
        }
    }
    Ok(q.order_by_desc(case::Column::CreatedAt).order_by_desc(case::Column::Id).offset(offset).limit(limit).all(db).await?)
}

/// Events of public interest in a window, oldest first, with the case they belong to (for
/// `servicerequestupdates`).
pub async fn public_events(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    actions: &[&str],
    hidden_types: &[String],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    (offset, limit): (u64, u64),
) -> StoreResult<Vec<(case_event::Model, case::Model)>> {
    let visible = Query::select()
        .column(case::Column::Id)
        .from(case::Entity)
        .cond_where(scope_condition(scope))
        .and_where(Expr::col(case::Column::ContactType).is_not_in(hidden_types.iter().map(String::as_str)))
        .to_owned();
    let events = case_event::Entity::find()
        .filter(case_event::Column::Action.is_in(actions.iter().copied()))
        .filter(case_event::Column::At.gte(from))
        .filter(case_event::Column::At.lte(to))
        .filter(case_event::Column::CaseId.in_subquery(visible))
        .order_by_asc(case_event::Column::At)
        .order_by_asc(case_event::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = events.iter().map(|e| e.case_id).collect();
    let cases = case::Entity::find().filter(case::Column::Id.is_in(ids)).all(db).await?;
    Ok(events
        .into_iter()
        .filter_map(|e| {
            let c = cases.iter().find(|c| c.id == e.case_id)?.clone();
            Some((e, c))
        })
        .collect())
}

/// One case's events with these actions, oldest first.
pub async fn events_of(db: &impl ConnectionTrait, case_id: Uuid, actions: &[&str]) -> StoreResult<Vec<case_event::Model>> {
    Ok(case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(case_id))
        .filter(case_event::Column::Action.is_in(actions.iter().copied()))
        .order_by_asc(case_event::Column::At)
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?)
}

//! Hot spots (热点, issue 8): bursts of alike contacts in one place, and their cases.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::{hot_spot, hot_spot_case};

/// The hot spot each of these cases already belongs to.
pub async fn membership(db: &impl ConnectionTrait, cases: &[Uuid]) -> StoreResult<Vec<(Uuid, Uuid)>> {
    let rows = hot_spot_case::Entity::find().filter(hot_spot_case::Column::CaseId.is_in(cases.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|r| (r.case_id, r.hot_spot_id)).collect())
}

pub async fn insert(db: &impl ConnectionTrait, spot: hot_spot::Model) -> StoreResult<()> {
    hot_spot::Entity::insert(hot_spot::ActiveModel::from(spot)).exec_without_returning(db).await?;
    Ok(())
}

/// Adds cases to a hot spot; a case already in one is a `Conflict` (another worker was first).
pub async fn add_cases(db: &impl ConnectionTrait, spot: Uuid, cases: &[Uuid], at: DateTime<Utc>) -> StoreResult<()> {
    if cases.is_empty() {
        return Ok(());
    }
    let rows =
        cases.iter().map(|&case_id| hot_spot_case::ActiveModel::from(hot_spot_case::Model { case_id, hot_spot_id: spot, added_at: at }));
    hot_spot_case::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<hot_spot::Model>> {
    Ok(hot_spot::Entity::find_by_id(id).one(db).await?)
}

pub async fn update(db: &impl ConnectionTrait, spot: hot_spot::Model) -> StoreResult<()> {
    let am = sea_orm::ActiveModelTrait::reset_all(hot_spot::ActiveModel::from(spot));
    hot_spot::Entity::update(am).exec(db).await?;
    Ok(())
}

/// Hot spots still growing or raised since `since`, newest activity first.
pub async fn recent(db: &impl ConnectionTrait, since: DateTime<Utc>, limit: u64) -> StoreResult<Vec<hot_spot::Model>> {
    Ok(hot_spot::Entity::find()
        .filter(hot_spot::Column::LastAt.gte(since))
        .order_by_desc(hot_spot::Column::LastAt)
        .order_by_desc(hot_spot::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The cases of these hot spots, as (hot spot, case) pairs in the order they joined.
pub async fn cases_of(db: &impl ConnectionTrait, spots: &[Uuid]) -> StoreResult<Vec<(Uuid, Uuid)>> {
    let rows = hot_spot_case::Entity::find()
        .filter(hot_spot_case::Column::HotSpotId.is_in(spots.iter().copied()))
        .order_by_asc(hot_spot_case::Column::AddedAt)
        .order_by_asc(hot_spot_case::Column::CaseId)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.hot_spot_id, r.case_id)).collect())
}

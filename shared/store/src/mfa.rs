//! Second factors: a staff account's TOTP secret and its one-time recovery codes.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::{mfa_recovery_code, user_mfa};

pub async fn find(db: &impl ConnectionTrait, user: Uuid) -> StoreResult<Option<user_mfa::Model>> {
    Ok(user_mfa::Entity::find_by_id(user).one(db).await?)
}

/// Starts (or restarts) an enrolment: any earlier factor and its recovery codes go.
pub async fn replace(db: &impl ConnectionTrait, row: user_mfa::Model) -> StoreResult<()> {
    remove(db, row.user_id).await?;
    user_mfa::Entity::insert(user_mfa::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

/// Removes the factor and its recovery codes (a reset). Returns whether there was one.
pub async fn remove(db: &impl ConnectionTrait, user: Uuid) -> StoreResult<bool> {
    mfa_recovery_code::Entity::delete_many().filter(mfa_recovery_code::Column::UserId.eq(user)).exec(db).await?;
    let res = user_mfa::Entity::delete_many().filter(user_mfa::Column::UserId.eq(user)).exec(db).await?;
    Ok(res.rows_affected > 0)
}

/// Confirms a pending enrolment with its first accepted step.
pub async fn activate(db: &impl ConnectionTrait, user: Uuid, step: i64, at: DateTime<Utc>) -> StoreResult<bool> {
    let res = user_mfa::Entity::update_many()
        .col_expr(user_mfa::Column::Status, Expr::value("active"))
        .col_expr(user_mfa::Column::LastStep, Expr::value(step))
        .col_expr(user_mfa::Column::ConfirmedAt, Expr::value(at))
        .filter(user_mfa::Column::UserId.eq(user))
        .filter(user_mfa::Column::Status.eq("pending"))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records `step` as used. `false` when it (or a later one) already was: of two requests with
/// the same code, exactly one gets through.
pub async fn use_step(db: &impl ConnectionTrait, user: Uuid, step: i64) -> StoreResult<bool> {
    let res = user_mfa::Entity::update_many()
        .col_expr(user_mfa::Column::LastStep, Expr::value(step))
        .filter(user_mfa::Column::UserId.eq(user))
        .filter(user_mfa::Column::Status.eq("active"))
        .filter(user_mfa::Column::LastStep.is_null().or(user_mfa::Column::LastStep.lt(step)))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn insert_recovery_codes(db: &impl ConnectionTrait, rows: Vec<mfa_recovery_code::Model>) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    mfa_recovery_code::Entity::insert_many(rows.into_iter().map(mfa_recovery_code::ActiveModel::from)).exec_without_returning(db).await?;
    Ok(())
}

/// The recovery codes not used yet.
pub async fn unused_recovery_codes(db: &impl ConnectionTrait, user: Uuid) -> StoreResult<Vec<mfa_recovery_code::Model>> {
    Ok(mfa_recovery_code::Entity::find()
        .filter(mfa_recovery_code::Column::UserId.eq(user))
        .filter(mfa_recovery_code::Column::UsedAt.is_null())
        .order_by_asc(mfa_recovery_code::Column::Id)
        .all(db)
        .await?)
}

/// Spends a recovery code; `false` when a concurrent request spent it first.
pub async fn spend_recovery_code(db: &impl ConnectionTrait, id: Uuid, at: DateTime<Utc>) -> StoreResult<bool> {
    let res = mfa_recovery_code::Entity::update_many()
        .col_expr(mfa_recovery_code::Column::UsedAt, Expr::value(at))
        .filter(mfa_recovery_code::Column::Id.eq(id))
        .filter(mfa_recovery_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

//! Login sessions and their rotating refresh tokens.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::{refresh_token, session};

pub async fn insert(db: &impl ConnectionTrait, row: session::Model) -> StoreResult<()> {
    session::Entity::insert(session::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<session::Model>> {
    Ok(session::Entity::find_by_id(id).one(db).await?)
}

/// Revokes one session (idempotent: the first reason stays).
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid, reason: &str, at: DateTime<Utc>) -> StoreResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(at))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every open session of a user (password reset, account disabled).
pub async fn revoke_all_of_user(db: &impl ConnectionTrait, user: Uuid, reason: &str, at: DateTime<Utc>) -> StoreResult<u64> {
    let res = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(at))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::UserId.eq(user))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

pub async fn insert_refresh(db: &impl ConnectionTrait, row: refresh_token::Model) -> StoreResult<()> {
    refresh_token::Entity::insert(refresh_token::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn find_refresh(db: &impl ConnectionTrait, token_hash: &str) -> StoreResult<Option<refresh_token::Model>> {
    Ok(refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(token_hash)).one(db).await?)
}

/// Marks a refresh token spent. Returns `false` when it already was: of two concurrent
/// refreshes with the same token exactly one wins, and the loser is treated as reuse.
pub async fn spend_refresh(db: &impl ConnectionTrait, id: Uuid, at: DateTime<Utc>) -> StoreResult<bool> {
    let res = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(at))
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

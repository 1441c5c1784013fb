//! The knowledge base (知识库): articles, their versions, and the searches that found nothing.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::StoreResult;
use crate::entities::{kb_article, kb_article_version, kb_search_gap};

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<kb_article::Model>> {
    Ok(kb_article::Entity::find_by_id(id).one(db).await?)
}

/// A line's articles, newest change first; `status` narrows to one status.
pub async fn list(db: &impl ConnectionTrait, tenant: Uuid, status: Option<&str>, limit: u64) -> StoreResult<Vec<kb_article::Model>> {
    let mut q = kb_article::Entity::find().filter(kb_article::Column::TenantId.eq(tenant));
    if let Some(s) = status {
        q = q.filter(kb_article::Column::Status.eq(s));
    }
    Ok(q.order_by_desc(kb_article::Column::UpdatedAt).order_by_desc(kb_article::Column::Id).limit(limit).all(db).await?)
}

/// Every published article (what the search index is built from).
pub async fn published(db: &impl ConnectionTrait) -> StoreResult<Vec<kb_article::Model>> {
    Ok(kb_article::Entity::find().filter(kb_article::Column::Status.eq("published")).all(db).await?)
}

pub async fn insert(db: &impl ConnectionTrait, row: kb_article::Model) -> StoreResult<()> {
    kb_article::Entity::insert(kb_article::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update(db: &impl ConnectionTrait, row: kb_article::Model) -> StoreResult<()> {
    let am = sea_orm::ActiveModelTrait::reset_all(kb_article::ActiveModel::from(row));
    kb_article::Entity::update(am).exec(db).await?;
    Ok(())
}

/// Counts one more first-contact answer given from the article.
pub async fn count_answer(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<()> {
    kb_article::Entity::update_many()
        .col_expr(kb_article::Column::AnswerCount, Expr::col(kb_article::Column::AnswerCount).add(1))
        .filter(kb_article::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn versions(db: &impl ConnectionTrait, article: Uuid) -> StoreResult<Vec<kb_article_version::Model>> {
    Ok(kb_article_version::Entity::find()
        .filter(kb_article_version::Column::ArticleId.eq(article))
        .order_by_desc(kb_article_version::Column::Version)
        .all(db)
        .await?)
}

pub async fn version(db: &impl ConnectionTrait, article: Uuid, version: i32) -> StoreResult<Option<kb_article_version::Model>> {
    Ok(kb_article_version::Entity::find()
        .filter(kb_article_version::Column::ArticleId.eq(article))
        .filter(kb_article_version::Column::Version.eq(version))
        .one(db)
        .await?)
}

/// Stores a new version; a version number written concurrently is a `Conflict`.
pub async fn insert_version(db: &impl ConnectionTrait, row: kb_article_version::Model) -> StoreResult<()> {
    kb_article_version::Entity::insert(kb_article_version::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update_version(db: &impl ConnectionTrait, row: kb_article_version::Model) -> StoreResult<()> {
    let am = sea_orm::ActiveModelTrait::reset_all(kb_article_version::ActiveModel::from(row));
    kb_article_version::Entity::update(am).exec(db).await?;
    Ok(())
}

pub async fn record_gap(db: &impl ConnectionTrait, row: kb_search_gap::Model) -> StoreResult<()> {
    kb_search_gap::Entity::insert(kb_search_gap::ActiveModel::from(row)).exec_without_returning(db).await?;
    Ok(())
}

/// One line of the gaps report.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Gap {
    pub query: String,
    pub searches: i64,
    pub last_at: DateTime<Utc>,
}

/// The searches of a line that found nothing in `[from, to)`, most asked first.
pub async fn gaps(db: &impl ConnectionTrait, tenant: Uuid, from: DateTime<Utc>, to: DateTime<Utc>, limit: u64) -> StoreResult<Vec<Gap>> {
    use kb_search_gap::Column as C;
    Ok(kb_search_gap::Entity::find()
        .select_only()
        .column(C::Query)
        .column_as(C::Id.count(), "searches")
        .column_as(C::SearchedAt.max(), "last_at")
        .filter(C::TenantId.eq(tenant))
        .filter(C::SearchedAt.gte(from))
        .filter(C::SearchedAt.lt(to))
        .group_by(C::Query)
        .order_by(Expr::col(Alias::new("searches")), Order::Desc)
        .order_by(C::Query, Order::Asc)
        .limit(limit)
        .into_model::<Gap>()
        .all(db)
        .await?)
}

/// Published articles whose validity ended or whose review came by `now`, with their owner
/// not yet told about that (the worker's flag pass reads these).
pub async fn flag_candidates(db: &impl ConnectionTrait, now: DateTime<Utc>) -> StoreResult<Vec<kb_article::Model>> {
    use sea_orm::Condition;
    Ok(kb_article::Entity::find()
        .filter(kb_article::Column::Status.ne("archived"))
        .filter(Condition::any().add(kb_article::Column::ValidUntil.lte(now)).add(kb_article::Column::ReviewAt.lte(now)))
        .all(db)
        .await?)
}

//! The knowledge base (知识库): a line's articles, their versions and the approval step.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use hotline_core::kb::{ArticleInput, ArticleView};
use hotline_domain::kb::VersionAction;
use hotline_store::entities::kb_article_version;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Auth, OptionalJson};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleVersionResponse {
    pub version: i32,
    /// `draft`, `submitted`, `published`, `rejected` or `superseded`.
    pub state: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub category: Option<String>,
    pub public: bool,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub review_at: Option<DateTime<Utc>>,
    pub author_id: Uuid,
    pub author_name: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why the approver rejected it.
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<kb_article_version::Model> for ArticleVersionResponse {
    fn from(v: kb_article_version::Model) -> Self {
        ArticleVersionResponse {
            version: v.version,
            state: v.state,
            title: v.title,
            body: v.body,
            tags: hotline_core::kb::tags_of(&v.tags),
            category: v.category,
            public: v.public,
            valid_from: v.valid_from,
            valid_until: v.valid_until,
            review_at: v.review_at,
            author_id: v.author_id,
            author_name: v.author_name,
            decided_by: v.decided_by,
            decided_at: v.decided_at,
            reason: v.reason,
            created_at: v.created_at,
        }
    }
}

/// An article: the published version's content (the first draft's before any is published).
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleResponse {
    pub id: Uuid,
    pub tenant_code: String,
    /// `draft` (never published), `published` or `archived`.
    pub status: String,
    pub owner_id: Uuid,
    pub public: bool,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub title: String,
    pub body: String,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub review_at: Option<DateTime<Utc>>,
    pub published_version: Option<i32>,
    pub latest_version: i32,
    /// Consultations answered from it at first contact.
    pub answer_count: i64,
    /// `expired`, `review_due`, `not_yet_valid`: what its owner must look at.
    pub flags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Newest first (in the detail view; empty in lists).
    pub versions: Vec<ArticleVersionResponse>,
}

impl From<ArticleView> for ArticleResponse {
    fn from(v: ArticleView) -> Self {
        let a = v.article;
        ArticleResponse {
            id: a.id,
            tenant_code: v.tenant_code,
            status: a.status,
            owner_id: a.owner_id,
            public: a.public,
            category: a.category,
            tags: hotline_core::kb::tags_of(&a.tags),
            title: a.title,
            body: a.body,
            valid_from: a.valid_from,
            valid_until: a.valid_until,
            review_at: a.review_at,
            published_version: a.published_version,
            latest_version: a.latest_version,
            answer_count: a.answer_count,
            flags: v.flags.iter().map(|f| f.as_str().to_owned()).collect(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            versions: v.versions.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    pub items: Vec<ArticleResponse>,
}

/// An article's content as its author writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleRequest {
    #[schema(example = "停水期间临时供水点")]
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub category: Option<String>,
    /// Citizens may find it through the public search.
    #[serde(default)]
    pub public: bool,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// When its owner must review it (定期复核).
    pub review_at: Option<DateTime<Utc>>,
    /// A user of the line told about expiry and reviews; the author by default.
    pub owner_id: Option<String>,
}

impl From<ArticleRequest> for ArticleInput {
    fn from(r: ArticleRequest) -> Self {
        ArticleInput {
            title: r.title,
            body: r.body,
            tags: r.tags,
            category: r.category,
            public: r.public,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            review_at: r.review_at,
            owner_id: r.owner_id,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// `draft`, `published` or `archived`.
    pub status: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Required to reject: what the author must change.
    pub reason: Option<String>,
}

/// A line's articles, drafts included, newest change first (at most 500), with their flags.
#[utoipa::path(
    tag = "knowledge",
    params(("code" = String, Path, description = "Tenant code"), ArticleQuery),
    responses(
        (status = 200, body = ArticleList),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/tenants/{code}/kb/articles")]
pub async fn list_articles(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ArticleQuery>,
) -> ApiResult<web::Json<ArticleList>> {
    let items = state.core.list_articles(&auth.0, &path, q.status.as_deref()).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(ArticleList { items }))
}

/// A new article, as version 1 in draft (the line's agents, dispatchers and administrators).
#[utoipa::path(
    tag = "knowledge",
    params(("code" = String, Path, description = "Tenant code")),
    request_body = ArticleRequest,
    responses(
        (status = 201, body = ArticleResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{code}/kb/articles")]
pub async fn create_article(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<ArticleRequest>,
) -> ApiResult<HttpResponse> {
    let v = state.core.create_article(&auth.0, &path, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(ArticleResponse::from(v)))
}

/// An article with every version.
#[utoipa::path(
    tag = "knowledge",
    params(("id" = String, Path, description = "Article id")),
    responses(
        (status = 200, body = ArticleResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/kb/articles/{id}")]
pub async fn get_article(auth: Auth, state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<web::Json<ArticleResponse>> {
    Ok(web::Json(state.core.get_article(&auth.0, &path).await?.into()))
}

/// New content: replaces the draft being written, or starts a new version after a published
/// or rejected one (`409 version_pending` while one waits for approval).
#[utoipa::path(
    tag = "knowledge",
    params(("id" = String, Path, description = "Article id")),
    request_body = ArticleRequest,
    responses(
        (status = 200, body = ArticleResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/kb/articles/{id}/versions")]
pub async fn edit_article(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<ArticleRequest>,
) -> ApiResult<web::Json<ArticleResponse>> {
    Ok(web::Json(state.core.edit_article(&auth.0, &path, body.into_inner().into()).await?.into()))
}

/// A version step: `submit` (writers), `approve` or `reject` (the line's administrators or the
/// city admin, never on their own version: `403 own_version`). Approving publishes it.
#[utoipa::path(
    tag = "knowledge",
    params(
        ("id" = String, Path, description = "Article id"),
        ("version" = i32, Path, description = "Version number"),
        ("action" = String, Path, description = "`submit`, `approve` or `reject`")
    ),
    request_body(content = Option<DecisionRequest>, description = "A reason, required to reject"),
    responses(
        (status = 200, body = ArticleResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, `article_archived`", body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/kb/articles/{id}/versions/{version}/{action}")]
pub async fn article_step(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, i32, String)>,
    body: OptionalJson<DecisionRequest>,
) -> ApiResult<web::Json<ArticleResponse>> {
    let (id, version, action) = path.into_inner();
    let action = VersionAction::parse(&action).map_err(|e| hotline_core::CoreError::from(e.at("action")))?;
    let reason = body.0.and_then(|b| b.reason);
    Ok(web::Json(state.core.article_step(&auth.0, &id, version, action, reason).await?.into()))
}

/// Withdraw an article from search and answers (the line's administrators); history stays.
#[utoipa::path(
    tag = "knowledge",
    params(("id" = String, Path, description = "Article id")),
    responses(
        (status = 200, body = ArticleResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/kb/articles/{id}/archive")]
pub async fn archive_article(auth: Auth, state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<web::Json<ArticleResponse>> {
    Ok(web::Json(state.core.archive_article(&auth.0, &path).await?.into()))
}

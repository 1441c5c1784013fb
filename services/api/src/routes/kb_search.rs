//! Knowledge-base search for the desks and citizens, and the gaps report.

use actix_web::{HttpRequest, get, web};
use chrono::{DateTime, Utc};
use hotline_core::kb::{Gap, KbHit, KbSearch};
use hotline_domain::kb_search::Segment;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Auth, client_ip};
use crate::state::AppState;

/// A piece of highlighted text; `hit` marks what matched the query (render it emphasised).
#[derive(Debug, Serialize, ToSchema)]
pub struct TextSegment {
    pub text: String,
    pub hit: bool,
}

fn segments(s: Vec<Segment>) -> Vec<TextSegment> {
    s.into_iter().map(|x| TextSegment { text: x.text, hit: x.hit }).collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KbHitResponse {
    pub article_id: Uuid,
    pub tenant_code: String,
    /// The published version found.
    pub version: i32,
    pub category: Option<String>,
    pub public: bool,
    /// BM25 relevance (higher is better; comparable within one answer only).
    pub score: f32,
    /// The whole title, matches marked.
    pub title: Vec<TextSegment>,
    /// About 120 characters of the body around the matches.
    pub snippet: Vec<TextSegment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KbSearchResponse {
    /// The query as normalised (and as the gaps report keeps it).
    pub query: String,
    /// Best first.
    pub hits: Vec<KbHitResponse>,
}

impl From<KbSearch> for KbSearchResponse {
    fn from(s: KbSearch) -> Self {
        KbSearchResponse { query: s.query, hits: s.hits.into_iter().map(Into::into).collect() }
    }
}

impl From<KbHit> for KbHitResponse {
    fn from(h: KbHit) -> Self {
        KbHitResponse {
            article_id: h.article_id,
            tenant_code: h.tenant_code,
            version: h.version,
            category: h.category,
            public: h.public,
            score: h.score,
            title: segments(h.title),
            snippet: segments(h.snippet),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KbSearchQuery {
    /// Words in Chinese or English, e.g. `公积金怎么取` (at most 200 characters).
    pub q: String,
    /// One line's code, to search only its articles.
    pub line: Option<String>,
    /// 1–50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u64>,
}

/// Search the published, valid articles of the lines the caller serves (every line from the
/// platform's desks and the city office, else the caller's line), internal ones included.
/// Chinese is matched by character pairs, so word order and missing spaces do not matter. A
/// search that finds nothing is kept for the line's gaps report.
#[utoipa::path(
    tag = "knowledge",
    params(KbSearchQuery),
    responses(
        (status = 200, body = KbSearchResponse),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "Unknown line, or one the caller does not serve", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "The account's or key's budget of searches is spent (`rate_limited`, `Retry-After`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/kb/search")]
pub async fn search_kb(auth: Auth, state: web::Data<AppState>, q: web::Query<KbSearchQuery>) -> ApiResult<web::Json<KbSearchResponse>> {
    let q = q.into_inner();
    Ok(web::Json(state.core.search_kb(&auth.0, &q.q, q.line.as_deref(), q.limit).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GapQuery {
    /// From this instant (RFC 3339; default: 30 days before `to`).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant, exclusive (default: now).
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapResponse {
    /// The normalised query.
    pub query: String,
    pub searches: i64,
    pub last_at: DateTime<Utc>,
}

impl From<Gap> for GapResponse {
    fn from(g: Gap) -> Self {
        GapResponse { query: g.query, searches: g.searches, last_at: g.last_at }
    }
}

/// The gaps report: what searches of this line (its desks, searches narrowed to it, and the
/// public's) found nothing for, most asked first (at most 200) — what to write next.
#[utoipa::path(
    tag = "knowledge",
    params(("code" = String, Path, description = "Tenant code"), GapQuery),
    responses(
        (status = 200, body = [GapResponse]),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/tenants/{code}/kb/gaps")]
pub async fn kb_gaps(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<GapQuery>,
) -> ApiResult<web::Json<Vec<GapResponse>>> {
    let gaps = state.core.kb_gaps(&auth.0, &path, q.from, q.to).await?;
    Ok(web::Json(gaps.into_iter().map(Into::into).collect()))
}

/// Citizens search the public articles of every line (or of one), without an account;
/// rate-limited per address like the other public endpoints.
#[utoipa::path(
    tag = "public",
    params(KbSearchQuery),
    responses(
        (status = 200, body = KbSearchResponse),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`rate_limited`, `Retry-After`)", body = ErrorBody)
    )
)]
#[get("/public/kb/search")]
pub async fn public_search_kb(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<KbSearchQuery>,
) -> ApiResult<web::Json<KbSearchResponse>> {
    let ip = client_ip(&req, state.settings.trust_proxy_headers);
    let q = q.into_inner();
    Ok(web::Json(state.core.public_search_kb(&ip, &q.q, q.line.as_deref(), q.limit).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicArticleResponse {
    pub id: Uuid,
    pub tenant_code: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub category: Option<String>,
    pub version: Option<i32>,
    pub updated_at: DateTime<Utc>,
}

/// A public article (published and valid; anything else is 404).
#[utoipa::path(
    tag = "public",
    params(("id" = String, Path, description = "Article id")),
    responses(
        (status = 200, body = PublicArticleResponse),
        (status = 404, body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`rate_limited`, `Retry-After`)", body = ErrorBody)
    )
)]
#[get("/public/kb/articles/{id}")]
pub async fn public_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<web::Json<PublicArticleResponse>> {
    let ip = client_ip(&req, state.settings.trust_proxy_headers);
    let (a, tenant_code) = state.core.public_article(&ip, &path).await?;
    Ok(web::Json(PublicArticleResponse {
        id: a.id,
        tenant_code,
        tags: hotline_core::kb::tags_of(&a.tags),
        title: a.title,
        body: a.body,
        category: a.category,
        version: a.published_version,
        updated_at: a.updated_at,
    }))
}

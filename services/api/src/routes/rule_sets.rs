//! Rule sets per tenant, routing simulation and replay, and a case's routing decisions.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use hotline_core::routing::{ReplayReport, RuleSetInput, RuleSetView, SimulateInput, StoredDecision};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::case_dto::IntakeRequest;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::paging::{list_response, page_request};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleSetResponse {
    pub id: Uuid,
    pub tenant_code: String,
    pub version: i32,
    /// `draft`, `published` (the active one) or `superseded`.
    pub status: String,
    /// The rules: `[{name, event, priority, conditions, actions, stop}]`.
    #[schema(value_type = Vec<Object>)]
    pub rules: serde_json::Value,
    pub note: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<Uuid>,
}

impl From<RuleSetView> for RuleSetResponse {
    fn from(v: RuleSetView) -> Self {
        Self {
            id: v.id,
            tenant_code: v.tenant_code,
            version: v.version,
            status: v.status,
            rules: v.rules,
            note: v.note,
            created_by: v.created_by,
            created_at: v.created_at,
            updated_at: v.updated_at,
            published_at: v.published_at,
            published_by: v.published_by,
        }
    }
}

list_response!(RuleSetList, RuleSetResponse);

/// A rule set's content. Each rule: `name`, `event` (`case_received`, `case_reopened`,
/// `case_returned`, `case_updated`, `deadline_near`, `deadline_passed`), `priority` (higher
/// first), `conditions` (JsonLogic over the case facts; `{"kw": [...]}` matches words in the title
/// or description), `actions` (typed, e.g. `{"type": "route_to_line", "line": "12319"}`), `stop`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSetRequest {
    #[schema(value_type = Vec<Object>)]
    pub rules: serde_json::Value,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListRuleSetsQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (newest first).
    #[param(pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
}

/// List a tenant's rule-set versions, newest first.
#[utoipa::path(
    tag = "rules",
    params(("code" = String, Path, description = "Tenant code"), ListRuleSetsQuery),
    responses(
        (status = 200, body = RuleSetList),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/tenants/{code}/rule-sets")]
pub async fn list_rule_sets(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ListRuleSetsQuery>,
) -> ApiResult<web::Json<RuleSetList>> {
    let page = page_request(q.limit, q.after.as_deref())?;
    let page = state.core.list_rule_sets(&auth.0, &path, page).await?;
    Ok(web::Json(RuleSetList::from_page(page, RuleSetResponse::from)))
}

/// Create a draft version. Invalid rules are refused with the path of the fault in `field`.
#[utoipa::path(
    tag = "rules",
    params(("code" = String, Path, description = "Tenant code")),
    request_body = RuleSetRequest,
    responses(
        (status = 201, body = RuleSetResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "`field` is the path of the fault, e.g. `rules[2].actions[0].line`", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{code}/rule-sets")]
pub async fn create_rule_set(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<RuleSetRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let v = state.core.create_rule_set(&auth.0, &path, RuleSetInput { rules: b.rules, note: b.note }).await?;
    Ok(HttpResponse::Created().json(RuleSetResponse::from(v)))
}

/// One version.
#[utoipa::path(
    tag = "rules",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "Rule set id")),
    responses(
        (status = 200, body = RuleSetResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/tenants/{code}/rule-sets/{id}")]
pub async fn get_rule_set(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<RuleSetResponse>> {
    let (code, id) = path.into_inner();
    Ok(web::Json(state.core.get_rule_set(&auth.0, &code, &id).await?.into()))
}

/// Replace a draft's rules (published versions never change).
#[utoipa::path(
    tag = "rules",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "Rule set id")),
    request_body = RuleSetRequest,
    responses(
        (status = 200, body = RuleSetResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`not_a_draft`", body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[put("/tenants/{code}/rule-sets/{id}")]
pub async fn update_rule_set(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<RuleSetRequest>,
) -> ApiResult<web::Json<RuleSetResponse>> {
    let (code, id) = path.into_inner();
    let b = body.into_inner();
    Ok(web::Json(state.core.update_rule_set(&auth.0, &code, &id, RuleSetInput { rules: b.rules, note: b.note }).await?.into()))
}

/// Make this version the active one (atomic, audited with a diff). Publishing an older version
/// is the rollback.
#[utoipa::path(
    tag = "rules",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "Rule set id")),
    responses(
        (status = 200, body = RuleSetResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_published`", body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{code}/rule-sets/{id}/publish")]
pub async fn publish_rule_set(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<RuleSetResponse>> {
    let (code, id) = path.into_inner();
    Ok(web::Json(state.core.publish_rule_set(&auth.0, &code, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// Cases received at or after (RFC 3339).
    pub from: DateTime<Utc>,
    /// Cases received before (RFC 3339); at most 366 days after `from`.
    pub to: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayResponse {
    pub cases: usize,
    /// Decisions (lines, lead unit or co-units) that would change.
    pub changed: usize,
    /// Up to 10 changed cases with the decision before and after.
    #[schema(value_type = Vec<Object>)]
    pub examples: serde_json::Value,
}

impl From<ReplayReport> for ReplayResponse {
    fn from(r: ReplayReport) -> Self {
        Self { cases: r.cases, changed: r.changed, examples: serde_json::to_value(r.examples).unwrap_or_default() }
    }
}

/// Run this version over the tenant's cases of a period against the published rules, and
/// report how many decisions would change.
#[utoipa::path(
    tag = "rules",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "Rule set id")),
    request_body = ReplayRequest,
    responses(
        (status = 200, body = ReplayResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{code}/rule-sets/{id}/replay")]
pub async fn replay_rule_set(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<ReplayRequest>,
) -> ApiResult<web::Json<ReplayResponse>> {
    let (code, id) = path.into_inner();
    Ok(web::Json(state.core.replay(&auth.0, &code, &id, body.from, body.to).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// An existing case…
    pub case_id: Option<String>,
    /// …or a case described as at intake.
    pub case: Option<IntakeRequest>,
    /// The tenant whose rules are replaced by `rule_set_id` or `rules`.
    pub tenant: Option<String>,
    /// A stored version (e.g. a draft) of `tenant`.
    pub rule_set_id: Option<String>,
    /// Or unsaved rules for `tenant`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub rules: Option<serde_json::Value>,
    /// Default `case_received`.
    pub event: Option<String>,
}

/// The decision and trace for a case under the published rules, or with one tenant's rules
/// replaced by a version or a draft. Changes nothing.
#[utoipa::path(
    tag = "rules",
    request_body = SimulateRequest,
    responses(
        (status = 200, description = "The decision with its trace (`stages`)", body = Object),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/routing/simulate")]
pub async fn simulate_routing(auth: Auth, state: web::Data<AppState>, body: web::Json<SimulateRequest>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let input = SimulateInput {
        case_id: b.case_id,
        case: b.case.map(Into::into),
        tenant: b.tenant,
        rule_set_id: b.rule_set_id,
        rules: b.rules,
        event: b.event,
    };
    let decision = state.core.simulate(&auth.0, input).await?;
    Ok(HttpResponse::Ok().json(decision))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingDecisionResponse {
    pub id: Uuid,
    /// The event that ran the rules.
    pub event: String,
    pub at: DateTime<Utc>,
    /// Lines, lead and co-units, classification, and the trace (`stages`: each rule set's
    /// version, the rules evaluated, matched and their actions).
    #[schema(value_type = Object)]
    pub decision: serde_json::Value,
}

impl From<StoredDecision> for RoutingDecisionResponse {
    fn from(d: StoredDecision) -> Self {
        Self { id: d.id, event: d.event, at: d.at, decision: d.decision }
    }
}

/// Every routing decision made for a case, oldest first, with its trace.
#[utoipa::path(
    tag = "rules",
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = Vec<RoutingDecisionResponse>),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/cases/{id}/routing")]
pub async fn case_routing(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Vec<RoutingDecisionResponse>>> {
    Ok(web::Json(state.core.case_routing(&auth.0, &path).await?.into_iter().map(Into::into).collect()))
}

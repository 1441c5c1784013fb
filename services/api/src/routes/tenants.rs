use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use hotline_core::admin::tenants::{CreateTenant, TenantQuery, TenantView, UpdateTenant};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::paging::{list_response, page_request};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantResponse {
    pub id: Uuid,
    /// The line's number or code, e.g. `12319`; `12345` for the city platform.
    #[schema(example = "12319")]
    pub code: String,
    #[schema(example = "城市管理服务热线")]
    pub name: String,
    /// `platform` (the 12345 front door) or `line`.
    pub kind: String,
    /// `absorbed` (整体并入), `parallel` (双号并行) or `sub_centre` (设分中心); absent for the platform.
    pub merge_mode: Option<String>,
    /// Telephone numbers that ring into this tenant.
    pub numbers: Vec<String>,
    /// Working calendar reference, e.g. `cn-2026`.
    pub calendar: String,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// `active`, `suspended` or `retired`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TenantView> for TenantResponse {
    fn from(t: TenantView) -> Self {
        Self {
            id: t.id,
            code: t.code,
            name: t.name,
            kind: t.kind.to_string(),
            merge_mode: t.merge_mode.map(|m| m.to_string()),
            numbers: t.numbers,
            calendar: t.calendar,
            time_zone: t.time_zone,
            status: t.status.to_string(),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

list_response!(TenantList, TenantResponse);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenantRequest {
    #[schema(example = "12342")]
    pub code: String,
    #[schema(example = "营商环境投诉热线")]
    pub name: String,
    /// `absorbed`, `parallel` or `sub_centre`.
    #[schema(example = "parallel")]
    pub merge_mode: String,
    /// Numbers that ring into the line (none for an absorbed line).
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Default `cn-2026`.
    pub calendar: Option<String>,
    /// Default `Asia/Shanghai`.
    pub time_zone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTenantRequest {
    pub name: Option<String>,
    pub merge_mode: Option<String>,
    /// Replaces the whole list.
    pub numbers: Option<Vec<String>>,
    pub calendar: Option<String>,
    pub time_zone: Option<String>,
    /// `active`, `suspended` or `retired`.
    pub status: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListTenantsQuery {
    /// `platform` or `line`.
    pub kind: Option<String>,
    pub status: Option<String>,
    pub merge_mode: Option<String>,
    /// Part of the name or code.
    pub q: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
}

/// List tenants. City-wide staff see every line; everyone else sees their own tenant.
#[utoipa::path(
    tag = "tenants",
    params(ListTenantsQuery),
    responses((status = 200, body = TenantList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tenants")]
pub async fn list_tenants(auth: Auth, state: web::Data<AppState>, q: web::Query<ListTenantsQuery>) -> ApiResult<web::Json<TenantList>> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.after.as_deref())?;
    let query = TenantQuery { kind: q.kind, status: q.status, merge_mode: q.merge_mode, q: q.q };
    let page = state.core.list_tenants(&auth.0, query, page).await?;
    Ok(web::Json(TenantList::from_page(page, TenantResponse::from)))
}

/// Create a tenant line (city_admin).
#[utoipa::path(
    tag = "tenants",
    request_body = CreateTenantRequest,
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 201, body = TenantResponse),
        (status = 403, body = ErrorBody),
        (status = 409, description = "Code or number taken", body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/tenants")]
pub async fn create_tenant(auth: Auth, state: web::Data<AppState>, body: web::Json<CreateTenantRequest>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let input = CreateTenant {
        code: b.code,
        name: b.name,
        merge_mode: b.merge_mode,
        numbers: b.numbers,
        calendar: b.calendar,
        time_zone: b.time_zone,
    };
    let t = state.core.create_tenant(&auth.0, input).await?;
    Ok(HttpResponse::Created().json(TenantResponse::from(t)))
}

/// Get a tenant by code. Another tenant's code answers 404 unless the caller is city-wide staff.
#[utoipa::path(
    tag = "tenants",
    params(("code" = String, Path, description = "Tenant code, e.g. 12319")),
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),(status = 200, body = TenantResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tenants/{code}")]
pub async fn get_tenant(auth: Auth, state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<web::Json<TenantResponse>> {
    let t = state.core.get_tenant(&auth.0, &path).await?;
    Ok(web::Json(t.into()))
}

/// Change a tenant line (city_admin).
#[utoipa::path(
    tag = "tenants",
    params(("code" = String, Path, description = "Tenant code")),
    request_body = UpdateTenantRequest,
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 200, body = TenantResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/tenants/{code}")]
pub async fn update_tenant(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<UpdateTenantRequest>,
) -> ApiResult<web::Json<TenantResponse>> {
    let b = body.into_inner();
    let input = UpdateTenant {
        name: b.name,
        merge_mode: b.merge_mode,
        numbers: b.numbers,
        calendar: b.calendar,
        time_zone: b.time_zone,
        status: b.status,
    };
    let t = state.core.update_tenant(&auth.0, &path, input).await?;
    Ok(web::Json(t.into()))
}

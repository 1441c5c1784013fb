use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use hotline_core::admin::units::{CreateUnit, UnitQuery, UnitView, UpdateUnit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::paging::{double_option, list_response, page_request};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitResponse {
    pub id: Uuid,
    pub tenant_code: String,
    /// The unit above this one (escalation goes there).
    pub parent_id: Option<Uuid>,
    #[schema(example = "市容环境卫生处")]
    pub name: String,
    /// `department_office`, `district_government`, `street_office`, `utility` or `other`.
    pub kind: String,
    #[schema(example = "鼓楼区")]
    pub district: Option<String>,
    /// The district government that receives cases no unit can be determined for.
    pub is_district_fallback: bool,
    /// `active` or `inactive`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UnitView> for UnitResponse {
    fn from(u: UnitView) -> Self {
        Self {
            id: u.id,
            tenant_code: u.tenant_code,
            parent_id: u.parent_id,
            name: u.name,
            kind: u.kind.to_string(),
            district: u.district,
            is_district_fallback: u.is_district_fallback,
            status: u.status.to_string(),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

list_response!(UnitList, UnitResponse);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitRequest {
    #[schema(example = "东街街道办事处")]
    pub name: String,
    #[schema(example = "street_office")]
    pub kind: String,
    pub parent_id: Option<String>,
    pub district: Option<String>,
    /// Only a district government with a district; one per district.
    #[serde(default)]
    pub is_district_fallback: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnitRequest {
    pub name: Option<String>,
    pub kind: Option<String>,
    /// `null` makes the unit a root.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub parent_id: Option<Option<String>>,
    /// `null` clears the district.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub district: Option<Option<String>>,
    pub is_district_fallback: Option<bool>,
    /// `active` or `inactive`.
    pub status: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListUnitsQuery {
    pub kind: Option<String>,
    pub district: Option<String>,
    pub parent_id: Option<String>,
    pub status: Option<String>,
    /// Part of the name.
    pub q: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
}

/// List the units of a line.
#[utoipa::path(
    tag = "units",
    params(("code" = String, Path, description = "Tenant code"), ListUnitsQuery),
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),(status = 200, body = UnitList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tenants/{code}/units")]
pub async fn list_units(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ListUnitsQuery>,
) -> ApiResult<web::Json<UnitList>> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.after.as_deref())?;
    let query = UnitQuery { kind: q.kind, district: q.district, parent_id: q.parent_id, status: q.status, q: q.q };
    let page = state.core.list_units(&auth.0, &path, query, page).await?;
    Ok(web::Json(UnitList::from_page(page, UnitResponse::from)))
}

/// Create a unit (city_admin, or tenant_admin of the line).
#[utoipa::path(
    tag = "units",
    params(("code" = String, Path, description = "Tenant code")),
    request_body = CreateUnitRequest,
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 201, body = UnitResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{code}/units")]
pub async fn create_unit(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<CreateUnitRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let input = CreateUnit {
        name: b.name,
        kind: b.kind,
        parent_id: b.parent_id,
        district: b.district,
        is_district_fallback: b.is_district_fallback,
    };
    let u = state.core.create_unit(&auth.0, &path, input).await?;
    Ok(HttpResponse::Created().json(UnitResponse::from(u)))
}

/// Get one unit.
#[utoipa::path(
    tag = "units",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "Unit id")),
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),(status = 200, body = UnitResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tenants/{code}/units/{id}")]
pub async fn get_unit(auth: Auth, state: web::Data<AppState>, path: web::Path<(String, String)>) -> ApiResult<web::Json<UnitResponse>> {
    let (code, id) = path.into_inner();
    Ok(web::Json(state.core.get_unit(&auth.0, &code, &id).await?.into()))
}

/// Change a unit (city_admin, or tenant_admin of the line).
#[utoipa::path(
    tag = "units",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "Unit id")),
    request_body = UpdateUnitRequest,
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 200, body = UnitResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/tenants/{code}/units/{id}")]
pub async fn update_unit(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<UpdateUnitRequest>,
) -> ApiResult<web::Json<UnitResponse>> {
    let (code, id) = path.into_inner();
    let b = body.into_inner();
    let input = UpdateUnit {
        name: b.name,
        kind: b.kind,
        parent_id: b.parent_id,
        district: b.district,
        is_district_fallback: b.is_district_fallback,
        status: b.status,
    };
    Ok(web::Json(state.core.update_unit(&auth.0, &code, &id, input).await?.into()))
}

//! A line's dispatch catalogue (派单目录), served to integrators as Open311 services.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use hotline_core::admin::catalogue::{CategoryInput, CategoryView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResponse {
    pub id: Uuid,
    pub tenant_code: String,
    pub code: String,
    /// The Open311 service code, `<line code>-<code>`.
    pub service_code: String,
    /// What a case filed under it stores as its category.
    pub name: String,
    pub description: Option<String>,
    pub keywords: Option<String>,
    pub active: bool,
    pub sort_order: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<CategoryView> for CategoryResponse {
    fn from(v: CategoryView) -> Self {
        Self {
            id: v.id,
            tenant_code: v.tenant_code,
            code: v.code,
            service_code: v.service_code,
            name: v.name,
            description: v.description,
            keywords: v.keywords,
            active: v.active,
            sort_order: v.sort_order,
            updated_at: v.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryResponse>,
}

/// A new category, or the fields to change (the code never changes: integrators hold it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryRequest {
    /// 1 to 32 lowercase letters, digits, `_` or `-` (required when creating).
    #[schema(example = "street-lights")]
    pub code: Option<String>,
    #[schema(example = "路灯")]
    pub name: Option<String>,
    pub description: Option<String>,
    /// Comma-separated.
    pub keywords: Option<String>,
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "crate::json_number::optional_integer")]
    pub sort_order: Option<i32>,
}

impl From<CategoryRequest> for CategoryInput {
    fn from(r: CategoryRequest) -> Self {
        CategoryInput {
            code: r.code,
            name: r.name,
            description: r.description,
            keywords: r.keywords,
            active: r.active,
            sort_order: r.sort_order,
        }
    }
}

/// The line's catalogue, retired categories included.
#[utoipa::path(
    tag = "tenants",
    params(("code" = String, Path, description = "Tenant code")),
    responses(
        (status = 200, body = CategoryList),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tenants/{code}/categories")]
pub async fn list_categories(auth: Auth, state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<web::Json<CategoryList>> {
    let items = state.core.list_categories(&auth.0, &path).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(CategoryList { items }))
}

/// Add a category (city admin, or the line's tenant admin).
#[utoipa::path(
    tag = "tenants",
    params(("code" = String, Path, description = "Tenant code")),
    request_body = CategoryRequest,
    responses(
        (status = 201, body = CategoryResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`duplicate_category`: same code or name in this line", body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{code}/categories")]
pub async fn create_category(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<CategoryRequest>,
) -> ApiResult<HttpResponse> {
    let v = state.core.create_category(&auth.0, &path, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(CategoryResponse::from(v)))
}

/// Rename, describe, reorder or retire (`active: false`) a category.
#[utoipa::path(
    tag = "tenants",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "Category id")),
    request_body = CategoryRequest,
    responses(
        (status = 200, body = CategoryResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "`immutable` when the code would change", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/tenants/{code}/categories/{id}")]
pub async fn update_category(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<CategoryRequest>,
) -> ApiResult<web::Json<CategoryResponse>> {
    let (code, id) = path.into_inner();
    Ok(web::Json(state.core.update_category(&auth.0, &code, &id, body.into_inner().into()).await?.into()))
}

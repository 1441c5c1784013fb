use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use hotline_core::admin::api_keys::ApiKeyView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::paging::{list_response, page_request};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyResponse {
    pub id: Uuid,
    pub tenant_code: String,
    #[schema(example = "区网格化平台")]
    pub name: String,
    /// The public part of the key (`hlk_<prefix>_…`), to recognise it.
    pub prefix: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyView> for ApiKeyResponse {
    fn from(k: ApiKeyView) -> Self {
        Self {
            id: k.id,
            tenant_code: k.tenant_code,
            name: k.name,
            prefix: k.prefix,
            created_by: k.created_by,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyResponse {
    #[serde(flatten)]
    pub key: ApiKeyResponse,
    /// The key itself. Shown once: only its hash is stored.
    pub secret: String,
}

list_response!(ApiKeyList, ApiKeyResponse);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// What the key is for (which system uses it).
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListApiKeysQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
}

/// List a tenant's integrator API keys (never their secrets).
#[utoipa::path(
    tag = "api-keys",
    params(("code" = String, Path, description = "Tenant code"), ListApiKeysQuery),
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),(status = 200, body = ApiKeyList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tenants/{code}/api-keys")]
pub async fn list_api_keys(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ListApiKeysQuery>,
) -> ApiResult<web::Json<ApiKeyList>> {
    let page = page_request(q.limit, q.after.as_deref())?;
    let page = state.core.list_api_keys(&auth.0, &path, page).await?;
    Ok(web::Json(ApiKeyList::from_page(page, ApiKeyResponse::from)))
}

/// Create an integrator API key scoped to this tenant. The secret is in this response only.
#[utoipa::path(
    tag = "api-keys",
    params(("code" = String, Path, description = "Tenant code")),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 201, body = CreatedApiKeyResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{code}/api-keys")]
pub async fn create_api_key(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<CreateApiKeyRequest>,
) -> ApiResult<HttpResponse> {
    let (key, secret) = state.core.create_api_key(&auth.0, &path, &body.name).await?;
    Ok(HttpResponse::Created().insert_header(("Cache-Control", "no-store")).json(CreatedApiKeyResponse { key: key.into(), secret }))
}

/// Revoke an API key; it stops working at once.
#[utoipa::path(
    tag = "api-keys",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "API key id")),
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),(status = 200, body = ApiKeyResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/tenants/{code}/api-keys/{id}")]
pub async fn revoke_api_key(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<ApiKeyResponse>> {
    let (code, id) = path.into_inner();
    Ok(web::Json(state.core.revoke_api_key(&auth.0, &code, &id).await?.into()))
}

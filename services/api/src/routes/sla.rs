use actix_web::{get, put, web};
use chrono::{DateTime, Utc};
use hotline_core::admin::sla::SlaPolicyView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPolicyResponse {
    pub tenant_code: String,
    /// The tenant's own limits, in front of the defaults (empty: defaults only).
    #[schema(value_type = Vec<Object>)]
    pub entries: serde_json::Value,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<SlaPolicyView> for SlaPolicyResponse {
    fn from(v: SlaPolicyView) -> Self {
        Self { tenant_code: v.tenant_code, entries: v.entries, updated_at: v.updated_at }
    }
}

/// Entries `{urgency?, contact_type?, stage: dispatch|sign|feedback|close, limit: {natural_minutes | working_minutes | working_days: n}}`.
/// The most specific entry wins (urgency and contact type, then urgency, then contact type).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyRequest {
    #[schema(value_type = Vec<Object>)]
    pub entries: serde_json::Value,
}

/// A tenant's time limits (overrides of DOMAIN.md's defaults).
#[utoipa::path(
    tag = "tenants",
    params(("code" = String, Path, description = "Tenant code")),
    responses(
        (status = 200, body = SlaPolicyResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/tenants/{code}/sla-policy")]
pub async fn get_sla_policy(auth: Auth, state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<web::Json<SlaPolicyResponse>> {
    Ok(web::Json(state.core.get_sla_policy(&auth.0, &path).await?.into()))
}

/// Replace a tenant's time limits (city admin, or the line's tenant admin). New dispatches use them.
#[utoipa::path(
    tag = "tenants",
    params(("code" = String, Path, description = "Tenant code")),
    request_body = SlaPolicyRequest,
    responses(
        (status = 200, body = SlaPolicyResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "`field` is the path of the fault, e.g. `entries[0].limit`", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[put("/tenants/{code}/sla-policy")]
pub async fn set_sla_policy(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<SlaPolicyRequest>,
) -> ApiResult<web::Json<SlaPolicyResponse>> {
    Ok(web::Json(state.core.set_sla_policy(&auth.0, &path, body.into_inner().entries).await?.into()))
}

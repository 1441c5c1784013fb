use actix_web::{get, web};
use chrono::{DateTime, Utc};
use hotline_core::audit::AuditQuery;
use hotline_store::entities::audit_event;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::paging::{list_response, page_request};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventResponse {
    pub id: Uuid,
    /// When, in UTC.
    pub at: DateTime<Utc>,
    /// `user`, `api_key` or `anonymous`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub tenant_id: Option<Uuid>,
    /// e.g. `auth.login`, `user.create`, `tenant.access`.
    pub action: String,
    pub target: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

impl From<audit_event::Model> for AuditEventResponse {
    fn from(e: audit_event::Model) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            actor_name: e.actor_name,
            tenant_id: e.tenant_id,
            action: e.action,
            target: e.target,
            outcome: e.outcome,
            detail: e.detail,
            ip: e.ip,
        }
    }
}

list_response!(AuditEventList, AuditEventResponse);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListAuditQuery {
    /// Only this tenant (city auditors; a line's auditor always sees their own line).
    pub tenant: Option<String>,
    pub action: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: Option<String>,
    pub actor_id: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (older events follow).
    pub after: Option<String>,
}

/// Read the audit log, newest first (auditors).
#[utoipa::path(
    tag = "audit",
    params(ListAuditQuery),
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),(status = 200, body = AuditEventList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<ListAuditQuery>,
) -> ApiResult<web::Json<AuditEventList>> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.after.as_deref())?;
    let query = AuditQuery { tenant_code: q.tenant, action: q.action, outcome: q.outcome, actor_id: q.actor_id };
    let page = state.core.list_audit(&auth.0, query, page).await?;
    Ok(web::Json(AuditEventList::from_page(page, AuditEventResponse::from)))
}

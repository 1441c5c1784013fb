use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use hotline_core::audit::AuditQuery;
use hotline_core::audit_admin::ExportQuery;
use hotline_domain::ValidationError;
use hotline_store::entities::audit_event;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, ErrorBody};
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
    /// `system`, `security` or `audit` when one of the three officers (三员) acted.
    pub actor_duty: Option<String>,
    /// Position in the hash chain.
    pub seq: Option<i64>,
    /// SHA-256 (hex) of the record before, and of this record's canonical encoding with it.
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
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
            actor_duty: e.actor_duty,
            seq: e.seq,
            prev_hash: e.prev_hash,
            hash: e.hash,
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
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (older events follow).
    #[param(pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
}

/// Read the audit log, newest first. The audit administrator (`auditor` of the platform) reads
/// every record; a line's auditor reads their line's, without the three officers' records.
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

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyResponse {
    /// No record was changed, inserted or deleted.
    pub intact: bool,
    /// Records checked.
    pub records: u64,
    /// The first position kept (earlier records were pruned by retention).
    pub anchor_seq: i64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first difference found, in words.
    pub problem: Option<String>,
}

/// Verify the audit log's hash chain (audit administrator). The check is itself recorded.
#[utoipa::path(
    tag = "audit",
    responses(
        (status = 200, description = "The result, intact or not", body = AuditVerifyResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/audit-events/verify")]
pub async fn verify_audit_chain(auth: Auth, state: web::Data<AppState>) -> ApiResult<web::Json<AuditVerifyResponse>> {
    let r = state.core.verify_audit(&auth.0).await?;
    Ok(web::Json(AuditVerifyResponse {
        intact: r.problem.is_none(),
        records: r.records,
        anchor_seq: r.anchor_seq,
        head_seq: r.head_seq,
        head_hash: r.head_hash,
        problem: r.problem.map(|p| p.to_string()),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportAuditQuery {
    /// From this instant (RFC 3339) or day (YYYY-MM-DD, UTC), inclusive.
    pub from: Option<String>,
    /// Before this instant or day, exclusive.
    pub to: Option<String>,
    /// Only this tenant.
    pub tenant: Option<String>,
    /// `jsonl` (default: one JSON record per line) or `csv`.
    #[param(pattern = "^(jsonl|csv)$")]
    pub format: Option<String>,
}

fn instant(field: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.to_utc()));
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc())),
        Err(_) => Err(hotline_core::CoreError::from(ValidationError::new(
            field,
            "invalid_time",
            format!("'{v}' is neither a day (YYYY-MM-DD) nor an RFC 3339 instant"),
        ))
        .into()),
    }
}

const EXPORT_HEADER: [&str; 16] = [
    "seq",
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "actor_duty",
    "tenant_id",
    "action",
    "target",
    "outcome",
    "detail",
    "ip",
    "prev_hash",
    "hash",
    "chain",
];

fn csv_row(e: &audit_event::Model) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let uuid = |v: Option<Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
    vec![
        e.seq.map(|s| s.to_string()).unwrap_or_default(),
        e.id.to_string(),
        e.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        e.actor_kind.clone(),
        uuid(e.actor_id),
        opt(&e.actor_name),
        opt(&e.actor_duty),
        uuid(e.tenant_id),
        e.action.clone(),
        opt(&e.target),
        e.outcome.clone(),
        opt(&e.detail),
        opt(&e.ip),
        opt(&e.prev_hash),
        opt(&e.hash),
        "hotline-audit/v1".into(),
    ]
}

/// Export audit records in chain order with their hashes, for an auditor to keep and check
/// (audit administrator). JSON lines by default, CSV with `format=csv`. At most 100,000 records
/// per export; the export is itself recorded.
#[utoipa::path(
    tag = "audit",
    params(ExportAuditQuery),
    responses(
        (status = 200, description = "JSON lines (application/x-ndjson) or CSV (UTF-8 with BOM)", content_type = "application/x-ndjson", body = String),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "A bad time, an empty period, or too many records (`export_too_large`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/audit-events/export")]
pub async fn export_audit_events(auth: Auth, state: web::Data<AppState>, q: web::Query<ExportAuditQuery>) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let csv = match q.format.as_deref() {
        None | Some("jsonl") => false,
        Some("csv") => true,
        Some(other) => return Err(ApiError::bad_request("invalid_query", format!("format '{other}' is not jsonl or csv"))),
    };
    let query = ExportQuery { tenant_code: q.tenant, from: instant("from", q.from.as_deref())?, to: instant("to", q.to.as_deref())? };
    let rows = state.core.export_audit(&auth.0, query).await?;
    let stamp = state.core.now().format("%Y%m%dT%H%M%SZ");
    if csv {
        let rows: Vec<Vec<String>> = rows.iter().map(csv_row).collect();
        return Ok(crate::csv::response(&format!("audit-{stamp}"), &EXPORT_HEADER, &rows));
    }
    let mut body = String::new();
    for r in rows {
        body.push_str(
            &serde_json::to_string(&AuditEventResponse::from(r))
                .map_err(|e| ApiError::from(hotline_core::CoreError::Internal(e.to_string())))?,
        );
        body.push('\n');
    }
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"audit-{stamp}.jsonl\"")))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

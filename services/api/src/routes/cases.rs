use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use hotline_core::cases::CaseQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::case_dto::{CaseEventList, CaseEventResponse, CaseList, CaseResponse, IntakeRequest, IntakeResponse};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::paging::page_request;
use crate::state::AppState;

pub fn idempotency_key(req: &HttpRequest) -> Option<String> {
    req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

pub fn intake_response(result: hotline_core::cases::IntakeResult) -> HttpResponse {
    crate::request_log::record_case(result.receipt.case_id);
    let mut res = HttpResponse::Created();
    if result.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.insert_header(("Cache-Control", "no-store")).json(IntakeResponse::from(result.receipt))
}

/// Take in a contact (agents, dispatchers, integrators).
///
/// Durable before it is acknowledged. With an `Idempotency-Key` header, a repeat replays the
/// first answer (header `Idempotent-Replayed: true`); the same key with another body is 422.
#[utoipa::path(
    tag = "cases",
    request_body = IntakeRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1–128 visible ASCII characters")),
    responses(
        (status = 201, body = IntakeResponse),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "A concurrent request with the same key is in progress", body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/cases")]
pub async fn create_case(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    body: web::Json<IntakeRequest>,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(&req);
    let result = state.core.create_case(&auth.0, body.into_inner().into(), key.as_deref()).await?;
    Ok(intake_response(result))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListCasesQuery {
    /// Tenant code: cases it received and joint cases its units take part in.
    pub tenant: Option<String>,
    /// Cases this unit takes part in.
    pub unit_id: Option<String>,
    pub status: Option<String>,
    pub contact_type: Option<String>,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub channel: Option<String>,
    pub district: Option<String>,
    /// Received at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Received before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only cases with a unit past its deadline: the lead's feedback, the lead's sign-for while
    /// unsigned, or a co-unit's sign-for or contribution while it still owes them.
    pub overdue: Option<bool>,
    /// Only (or no) problem cases.
    pub problem: Option<bool>,
    /// Only cases past their reminder point and not yet due.
    pub near_due: Option<bool>,
    /// Only cases with (or without) an extension request waiting for the dispatcher's decision.
    pub extension_pending: Option<bool>,
    /// Words in the title or description.
    pub q: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (newest first).
    #[param(pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
}

/// List cases, newest first. Each role sees what it may: the platform all, a line its own and
/// its joint cases, a unit the cases it takes part in.
#[utoipa::path(
    tag = "cases",
    params(ListCasesQuery),
    responses(
        (status = 200, body = CaseList),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`tenant` names no line the caller can see", body = ErrorBody)
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/cases")]
pub async fn list_cases(auth: Auth, state: web::Data<AppState>, q: web::Query<ListCasesQuery>) -> ApiResult<web::Json<CaseList>> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.after.as_deref())?;
    let query = CaseQuery {
        tenant: q.tenant,
        unit_id: q.unit_id,
        status: q.status,
        contact_type: q.contact_type,
        category: q.category,
        urgency: q.urgency,
        channel: q.channel,
        district: q.district,
        created_from: q.from,
        created_to: q.to,
        overdue: q.overdue,
        problem: q.problem,
        near_due: q.near_due,
        extension_pending: q.extension_pending,
        q: q.q,
    };
    let page = state.core.list_cases(&auth.0, query, page).await?;
    Ok(web::Json(CaseList::from_page(page, CaseResponse::from)))
}

/// One case with its participants. Caller data is masked.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = CaseResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/cases/{id}")]
pub async fn get_case(auth: Auth, state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<web::Json<CaseResponse>> {
    Ok(web::Json(state.core.get_case(&auth.0, &path).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page (oldest first).
    #[param(pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
}

/// The history of a case: every step with who, when, from, to and why.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path, description = "Case id"), EventsQuery),
    responses(
        (status = 200, body = CaseEventList),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/cases/{id}/events")]
pub async fn list_case_events(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<EventsQuery>,
) -> ApiResult<web::Json<CaseEventList>> {
    let page = page_request(q.limit, q.after.as_deref())?;
    let page = state.core.case_events(&auth.0, &path, page).await?;
    Ok(web::Json(CaseEventList::from_page(page, CaseEventResponse::from)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// Why the contact data is needed (recorded in the audit log).
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealResponse {
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
}

/// Show the caller's name and phone in clear. Needs a reason; writes an audit record. Never
/// allowed to the unit a whistle-blower reported about.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    request_body = RevealRequest,
    responses(
        (status = 200, body = RevealResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/cases/{id}/reveal-contact")]
pub async fn reveal_contact(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<RevealRequest>,
) -> ApiResult<HttpResponse> {
    let c = state.core.reveal_contact(&auth.0, &path, body.into_inner().reason).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RevealResponse { caller_name: c.caller_name, caller_phone: c.caller_phone }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SupervisionQuery {
    /// `near_due` (催办: past the reminder point), `overdue` (督办: some unit past its deadline,
    /// co-units included) or `problem` (提级督办).
    pub view: String,
    /// Tenant code, to look at one line.
    pub tenant: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
}

/// The supervision queues: cases near their deadline, overdue, or problem cases. Overdue is
/// computed when reading, from the stored deadlines.
#[utoipa::path(
    tag = "supervision",
    params(SupervisionQuery),
    responses(
        (status = 200, body = CaseList),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/supervision")]
pub async fn list_supervision(auth: Auth, state: web::Data<AppState>, q: web::Query<SupervisionQuery>) -> ApiResult<web::Json<CaseList>> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.after.as_deref())?;
    let page = state.core.list_supervision(&auth.0, &q.view, q.tenant, page).await?;
    Ok(web::Json(CaseList::from_page(page, CaseResponse::from)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateScore {
    /// Cosine similarity of the texts, 0..1.
    pub text: f64,
    /// Same place: by distance, address wording or district, 0..1.
    pub place: f64,
    /// Closeness in time within the 7-day window, 0..1.
    pub time: f64,
    /// 0.6 text + 0.25 place + 0.15 time.
    pub total: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateCandidateResponse {
    pub case_id: Uuid,
    pub tracking_number: String,
    pub title: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub score: DuplicateScore,
}

impl From<hotline_core::cases::DuplicateCandidate> for DuplicateCandidateResponse {
    fn from(d: hotline_core::cases::DuplicateCandidate) -> Self {
        DuplicateCandidateResponse {
            case_id: d.case_id,
            tracking_number: d.tracking_number,
            title: d.title,
            status: d.status,
            created_at: d.created_at,
            score: DuplicateScore { text: d.score.text, place: d.score.place, time: d.score.time, total: d.score.total },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateCandidateList {
    pub items: Vec<DuplicateCandidateResponse>,
}

/// Duplicate candidates (并单): open cases the caller can see, across lines, alike by text,
/// place and time (score ≥ 0.5, best first, at most 10). Link one with `POST /cases/{id}/link`.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = DuplicateCandidateList),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/cases/{id}/duplicates")]
pub async fn list_duplicate_candidates(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<web::Json<DuplicateCandidateList>> {
    let items = state.core.duplicate_candidates(&auth.0, &path).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(DuplicateCandidateList { items }))
}

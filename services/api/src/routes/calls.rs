//! CTI webhook: call events from the call centre.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use hotline_core::cases::{CallEventInput, CallEventView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallEventRequest {
    /// The call centre's id of the call.
    pub call_id: String,
    /// `ringing`, `answered` or `ended`.
    pub event: String,
    /// When it happened (RFC 3339); default now.
    pub at: Option<DateTime<Utc>>,
    pub dialled_number: Option<String>,
    /// Stored encrypted; answers show it masked.
    pub caller_number: Option<String>,
    /// The IVR menu path, e.g. `1-3`.
    pub ivr_path: Option<String>,
    pub agent: Option<String>,
    /// A reference to the recording in the call centre.
    pub recording_ref: Option<String>,
    /// The case the call produced, when known.
    pub case_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallEventResponse {
    pub id: Uuid,
    pub call_id: String,
    pub event: String,
    pub at: DateTime<Utc>,
    pub dialled_number: Option<String>,
    /// Masked.
    pub caller_number: Option<String>,
    pub ivr_path: Option<String>,
    pub agent: Option<String>,
    pub recording_ref: Option<String>,
    pub case_id: Option<Uuid>,
}

impl From<CallEventView> for CallEventResponse {
    fn from(v: CallEventView) -> Self {
        Self {
            id: v.id,
            call_id: v.call_id,
            event: v.event,
            at: v.at,
            dialled_number: v.dialled_number,
            caller_number: v.caller_number,
            ivr_path: v.ivr_path,
            agent: v.agent,
            recording_ref: v.recording_ref,
            case_id: v.case_id,
        }
    }
}

/// Record a call event. Idempotent by (call_id, event): a repeat answers 200 with the stored event.
#[utoipa::path(
    tag = "calls",
    request_body = CallEventRequest,
    responses(
        (status = 201, description = "Recorded", body = CallEventResponse),
        (status = 200, description = "Already recorded", body = CallEventResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("api_key" = []), ("bearer" = []))
)]
#[post("/calls/events")]
pub async fn record_call_event(auth: Auth, state: web::Data<AppState>, body: web::Json<CallEventRequest>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let input = CallEventInput {
        call_id: b.call_id,
        event: b.event,
        at: b.at,
        dialled_number: b.dialled_number,
        caller_number: b.caller_number,
        ivr_path: b.ivr_path,
        agent: b.agent,
        recording_ref: b.recording_ref,
        case_id: b.case_id,
    };
    let (view, new) = state.core.record_call_event(&auth.0, input).await?;
    let body = CallEventResponse::from(view);
    Ok(if new { HttpResponse::Created().json(body) } else { HttpResponse::Ok().json(body) })
}

/// The events of one call and the case it is linked to.
#[utoipa::path(
    tag = "calls",
    params(("call_id" = String, Path, description = "The call centre's call id")),
    responses(
        (status = 200, body = Vec<CallEventResponse>),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("api_key" = []), ("bearer" = []))
)]
#[get("/calls/{call_id}")]
pub async fn get_call(auth: Auth, state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<web::Json<Vec<CallEventResponse>>> {
    Ok(web::Json(state.core.get_call(&auth.0, &path).await?.into_iter().map(Into::into).collect()))
}

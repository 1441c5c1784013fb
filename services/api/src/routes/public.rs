//! The citizen's endpoints, without an account: report, track, rate. Rate-limited per address.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use hotline_core::cases::{CitizenProof, StepInput};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::case_dto::{IntakeRequest, IntakeResponse, PublicCaseResponse};
use super::cases::{idempotency_key, intake_response};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::client_ip;
use crate::state::AppState;

/// A citizen reports through the web or app form. Channel `web`, `app` or `wechat`.
#[utoipa::path(
    tag = "public",
    request_body = IntakeRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, body = IntakeResponse),
        (status = 400, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`rate_limited`, `Retry-After`)", body = ErrorBody)
    )
)]
#[post("/public/cases")]
pub async fn public_create_case(req: HttpRequest, state: web::Data<AppState>, body: web::Json<IntakeRequest>) -> ApiResult<HttpResponse> {
    let ip = client_ip(&req, state.settings.trust_proxy_headers);
    let key = idempotency_key(&req);
    let result = state.core.public_create_case(&ip, body.into_inner().into(), key.as_deref()).await?;
    Ok(intake_response(result))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TrackQuery {
    /// The last four digits of the phone given at intake.
    pub phone_last4: Option<String>,
    /// Or the token given at intake.
    pub token: Option<String>,
}

/// Track a case by its number. A wrong proof looks exactly like an unknown number.
#[utoipa::path(
    tag = "public",
    params(("tracking_number" = String, Path, description = "e.g. 12345-20261122-000123"), TrackQuery),
    responses(
        (status = 200, body = PublicCaseResponse),
        (status = 404, body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody)
    )
)]
#[get("/public/cases/{tracking_number}")]
pub async fn public_track_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<TrackQuery>,
) -> ApiResult<HttpResponse> {
    let ip = client_ip(&req, state.settings.trust_proxy_headers);
    let q = q.into_inner();
    let view = state.core.public_track(&ip, &path, CitizenProof { phone_last4: q.phone_last4, token: q.token }).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(PublicCaseResponse::from(view)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicRatingRequest {
    pub phone_last4: Option<String>,
    pub token: Option<String>,
    /// `very_satisfied`, `satisfied`, `neutral`, `dissatisfied` or `very_dissatisfied`.
    pub rating: String,
    pub comment: Option<String>,
    /// No return visits, please.
    pub no_return_visit: Option<bool>,
}

/// The citizen's one rating of a case; dissatisfied sends a handled case back (二次派单).
#[utoipa::path(
    tag = "public",
    params(("tracking_number" = String, Path, description = "Tracking number")),
    request_body = PublicRatingRequest,
    responses(
        (status = 200, body = PublicCaseResponse),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_rated` or `invalid_transition`", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)
    )
)]
#[post("/public/cases/{tracking_number}/rating")]
pub async fn public_rate_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<PublicRatingRequest>,
) -> ApiResult<HttpResponse> {
    let ip = client_ip(&req, state.settings.trust_proxy_headers);
    let b = body.into_inner();
    let proof = CitizenProof { phone_last4: b.phone_last4, token: b.token };
    let input = StepInput { rating: Some(b.rating), comment: b.comment, no_return_visit: b.no_return_visit, ..Default::default() };
    let view = state.core.public_rate(&ip, &path, proof, input).await?;
    Ok(HttpResponse::Ok().json(PublicCaseResponse::from(view)))
}

//! The second factor (TOTP): the second step of a sign-in, enrolment during sign-in for an
//! account that must have a factor, and the signed-in account's own factor.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use hotline_core::mfa::{Enrolment, SecondFactor};
use hotline_domain::ValidationError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::TokenResponse;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Auth, client_info};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaVerifyRequest {
    /// The `mfa_token` of the sign-in's first step.
    pub mfa_token: String,
    /// The 6-digit code of the authenticator app …
    #[schema(example = "492039")]
    pub code: Option<String>,
    /// … or one of the recovery codes (each works once).
    #[schema(example = "abcd-efgh-ijkl-mnop")]
    pub recovery_code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaEnrolRequest {
    /// The `mfa_token` of a sign-in whose `mfa_step` is `enrol`.
    pub mfa_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaEnrolConfirmRequest {
    pub mfa_token: String,
    /// The first code the authenticator app shows.
    pub code: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaConfirmRequest {
    /// The first code the authenticator app shows.
    #[schema(example = "492039")]
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct MfaEnrolmentResponse {
    /// The shared secret (base32), to type into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://totp/…` URI, to show as a QR code.
    pub otpauth_uri: String,
}

impl From<Enrolment> for MfaEnrolmentResponse {
    fn from(e: Enrolment) -> Self {
        Self { secret: e.secret, otpauth_uri: e.otpauth_uri }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesResponse {
    /// Ten single-use codes for when the phone is lost. Shown once: only their hashes are kept.
    pub recovery_codes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolledSignInResponse {
    #[serde(flatten)]
    pub tokens: TokenResponse,
    /// Ten single-use codes for when the phone is lost. Shown once.
    pub recovery_codes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MfaStatusResponse {
    /// A confirmed second factor is set up.
    pub enabled: bool,
    /// An enrolment waits for its first code.
    pub pending: bool,
    /// The account's roles require a second factor (`mfa_required_roles`).
    pub required: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub recovery_codes_left: usize,
}

fn no_store(body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(body)
}

/// Second step of a sign-in: a code (or a recovery code) for the challenge.
///
/// Wrong codes are throttled per account (5 free, then doubling waits); a code works once.
#[utoipa::path(
    tag = "auth",
    request_body = MfaVerifyRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "`invalid_mfa_code`, `invalid_mfa_token` or `mfa_token_expired`", body = ErrorBody),
        (status = 422, description = "Neither or both of `code` and `recovery_code`", body = ErrorBody),
        (status = 429, description = "Too many wrong codes (`too_many_attempts`)", body = ErrorBody)
    )
)]
#[post("/auth/mfa/verify")]
pub async fn verify_mfa(req: HttpRequest, state: web::Data<AppState>, body: web::Json<MfaVerifyRequest>) -> ApiResult<HttpResponse> {
    let factor = match (&body.code, &body.recovery_code) {
        (Some(code), None) => SecondFactor::Code(code),
        (None, Some(code)) => SecondFactor::RecoveryCode(code),
        _ => {
            let e = ValidationError::new("code", "one_of", "send either `code` or `recovery_code`");
            return Err(ApiError::from(hotline_core::CoreError::from(e)));
        }
    };
    let client = client_info(&req, state.settings.trust_proxy_headers);
    let pair = state.core.complete_login(&body.mfa_token, factor, &client).await?;
    Ok(no_store(TokenResponse::from(pair)))
}

/// Enrolment during sign-in: for an account that must have a second factor and has none.
#[utoipa::path(
    tag = "auth",
    request_body = MfaEnrolRequest,
    responses(
        (status = 200, description = "The secret to set up; confirm with its first code", body = MfaEnrolmentResponse),
        (status = 401, description = "`invalid_mfa_token` or `mfa_token_expired`", body = ErrorBody)
    )
)]
#[post("/auth/mfa/enrol")]
pub async fn enrol_mfa_at_sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<MfaEnrolRequest>,
) -> ApiResult<HttpResponse> {
    let client = client_info(&req, state.settings.trust_proxy_headers);
    Ok(no_store(MfaEnrolmentResponse::from(state.core.enrol_with_challenge(&body.mfa_token, &client).await?)))
}

/// Confirms the enrolment of a sign-in with the first code: signs in, and hands out the
/// recovery codes once.
#[utoipa::path(
    tag = "auth",
    request_body = MfaEnrolConfirmRequest,
    responses(
        (status = 200, description = "Signed in; keep the recovery codes", body = EnrolledSignInResponse),
        (status = 401, description = "`invalid_mfa_code`, `invalid_mfa_token` or `mfa_token_expired`", body = ErrorBody),
        (status = 409, description = "No enrolment to confirm (`mfa_not_pending`)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes", body = ErrorBody)
    )
)]
#[post("/auth/mfa/enrol/confirm")]
pub async fn confirm_mfa_at_sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<MfaEnrolConfirmRequest>,
) -> ApiResult<HttpResponse> {
    let client = client_info(&req, state.settings.trust_proxy_headers);
    let (pair, codes) = state.core.confirm_with_challenge(&body.mfa_token, &body.code, &client).await?;
    Ok(no_store(EnrolledSignInResponse { tokens: pair.into(), recovery_codes: codes }))
}

/// The signed-in account's second factor.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = MfaStatusResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/me/mfa")]
pub async fn get_my_mfa(auth: Auth, state: web::Data<AppState>) -> ApiResult<web::Json<MfaStatusResponse>> {
    let s = state.core.mfa_status(&auth.0).await?;
    Ok(web::Json(MfaStatusResponse {
        enabled: s.enabled,
        pending: s.pending,
        required: s.required,
        confirmed_at: s.confirmed_at,
        recovery_codes_left: s.recovery_codes_left,
    }))
}

/// Sets up a second factor for the signed-in account (replacing an unconfirmed one).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The secret to set up; confirm with its first code", body = MfaEnrolmentResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "API keys have no second factor", body = ErrorBody),
        (status = 409, description = "A confirmed factor exists (`mfa_already_enabled`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/me/mfa/enrol")]
pub async fn enrol_my_mfa(auth: Auth, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(no_store(MfaEnrolmentResponse::from(state.core.enrol_mfa(&auth.0).await?)))
}

/// Confirms the signed-in account's enrolment with the first code; the recovery codes are in
/// this answer only.
#[utoipa::path(
    tag = "auth",
    request_body = MfaConfirmRequest,
    responses(
        (status = 200, body = RecoveryCodesResponse),
        (status = 401, body = ErrorBody),
        (status = 409, description = "No enrolment to confirm (`mfa_not_pending`)", body = ErrorBody),
        (status = 422, description = "Wrong code (`invalid_mfa_code`)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/me/mfa/confirm")]
pub async fn confirm_my_mfa(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    body: web::Json<MfaConfirmRequest>,
) -> ApiResult<HttpResponse> {
    let client = client_info(&req, state.settings.trust_proxy_headers);
    let codes = state.core.confirm_mfa(&auth.0, &body.code, &client).await?;
    Ok(no_store(RecoveryCodesResponse { recovery_codes: codes }))
}

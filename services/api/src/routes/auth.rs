use actix_web::{HttpRequest, HttpResponse, get, post, web};
use hotline_core::auth::{LoginOutcome, TokenPair};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Auth, client_info};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin_12319")]
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque, single-use: exchange it at /api/v1/auth/refresh for a new pair.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
}

impl From<TokenPair> for TokenResponse {
    fn from(p: TokenPair) -> Self {
        Self {
            access_token: p.access_token,
            token_type: "Bearer",
            expires_in: p.expires_in,
            refresh_token: p.refresh_token,
            refresh_expires_in: p.refresh_expires_in,
        }
    }
}

/// A second factor is owed: send a code with `mfa_token` to `/auth/mfa/verify`, or (for
/// `mfa_step = enrol`) set one up at `/auth/mfa/enrol` first.
#[derive(Serialize, ToSchema)]
pub struct MfaChallengeResponse {
    /// Always `true`.
    pub mfa_required: bool,
    /// `verify` or `enrol`.
    #[schema(example = "verify")]
    pub mfa_step: &'static str,
    /// Short-lived; it is no access token.
    pub mfa_token: String,
    /// Seconds left for the second step.
    pub mfa_expires_in: u64,
}

/// Tokens, or the challenge of a second factor.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginResponse {
    Tokens(TokenResponse),
    SecondFactor(MfaChallengeResponse),
}

impl From<LoginOutcome> for LoginResponse {
    fn from(o: LoginOutcome) -> Self {
        match o {
            LoginOutcome::Signed(pair) => LoginResponse::Tokens(pair.into()),
            LoginOutcome::SecondFactor { challenge, expires_in, enrol } => LoginResponse::SecondFactor(MfaChallengeResponse {
                mfa_required: true,
                mfa_step: if enrol { "enrol" } else { "verify" },
                mfa_token: challenge,
                mfa_expires_in: expires_in,
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    /// `user` or `api_key`.
    pub kind: &'static str,
    pub id: Uuid,
    pub name: String,
    pub tenant_code: String,
    /// `platform` or `line`.
    pub tenant_kind: String,
    pub roles: Vec<String>,
    pub unit_id: Option<Uuid>,
}

/// Sign in with a user name and password.
///
/// Failed attempts are throttled per account and address (429 with `Retry-After`); an address
/// the account signed in from before is not slowed by failures elsewhere. An account with a
/// second factor (or whose roles require one) gets a challenge instead of tokens.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in, or a second factor is owed", body = LoginResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Wrong user name or password (`invalid_credentials`)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts (`too_many_attempts`), or too many sign-ins from this address (`rate_limited`, `rate_limit_login`); `Retry-After` says when to try again", body = ErrorBody)
    )
)]
#[post("/auth/login")]
pub async fn login(req: HttpRequest, state: web::Data<AppState>, body: web::Json<LoginRequest>) -> ApiResult<HttpResponse> {
    let client = client_info(&req, state.settings.trust_proxy_headers);
    let outcome = state.core.login(&body.username, &body.password, &client).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(LoginResponse::from(outcome)))
}

/// Exchange a refresh token for a new access and refresh token.
///
/// Each refresh token works once. Presenting a spent one revokes the whole session (every
/// token of that sign-in), because it means the token was copied.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New token pair", body = TokenResponse),
        (status = 401, description = "Invalid, expired, reused or revoked (`invalid_refresh_token`)", body = ErrorBody)
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(req: HttpRequest, state: web::Data<AppState>, body: web::Json<RefreshRequest>) -> ApiResult<HttpResponse> {
    let client = client_info(&req, state.settings.trust_proxy_headers);
    let pair = state.core.refresh(&body.refresh_token, &client).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(TokenResponse::from(pair)))
}

/// Sign out: ends the session of the presented access token (and its refresh token).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "API keys have no session", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
pub async fn logout(auth: Auth, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state.core.logout(&auth.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who am I: the authenticated principal, its tenant and roles.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/me")]
pub async fn me(auth: Auth) -> web::Json<MeResponse> {
    let p = auth.0;
    web::Json(MeResponse {
        kind: p.kind.as_str(),
        id: p.id,
        name: p.name,
        tenant_code: p.tenant.code.to_string(),
        tenant_kind: p.tenant.kind.to_string(),
        roles: p.roles.iter().map(|r| r.to_string()).collect(),
        unit_id: p.unit_id.map(|u| u.0),
    })
}

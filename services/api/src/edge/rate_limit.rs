//! Request budgets per client address, per account and per integrator key, counted in the kv
//! store (Redis with several replicas, so every replica spends from one budget; in-process in
//! the embedded profile) and timed by the core's clock.
//!
//! - sign-in (`rate_limit_login`): per address, before the body is read or a password hashed;
//!   failures are slowed further per account by the login throttle (hotline-core `throttle`).
//!   There is no per-account budget of all attempts: anyone could spend it and lock the owner out.
//! - knowledge search (`rate_limit_kb_search`): per account or key, once the credential is
//!   verified (the [`Auth`](crate::extract::Auth) extractor calls [`charge_principal`]), so a
//!   forged credential cannot spend someone else's budget.
//! - Open311 POSTs (`rate_limit_open311_post`): per address here, per key after the key is
//!   verified (`open311::integrator`).
//! - the public endpoints (intake, tracking, rating, knowledge): one hourly budget per address
//!   in the core (`public_rate_limit_per_hour`), so the citizen portal pays from it too.
//!
//! A spent budget answers `429` with `Retry-After` (seconds) and the code `rate_limited`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use hotline_config::{RateLimit, Settings};
use hotline_core::{CoreError, Principal};
use hotline_kv::Spend;

use crate::error::ApiError;
use crate::extract::client_ip;
use crate::state::AppState;

/// The budgets the edge keeps, by what a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateClass {
    Login,
    KbSearch,
    Open311Post,
}

const SIGN_IN_PATHS: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/auth/mfa/verify",
    "/api/v1/auth/mfa/enrol",
    "/api/v1/auth/mfa/enrol/confirm",
    "/console/login",
    "/console/login/mfa",
];

impl RateClass {
    /// The class of a request from its method and path, before routing: a flood is turned
    /// away before a body is read.
    pub fn of(method: &Method, path: &str) -> Option<Self> {
        if method == Method::POST && SIGN_IN_PATHS.contains(&path) {
            return Some(RateClass::Login);
        }
        if method == Method::GET && path == "/api/v1/kb/search" {
            return Some(RateClass::KbSearch);
        }
        let open311 = path.strip_prefix("/open311/v2/").and_then(|r| r.split_once('.')).map(|(name, _)| name);
        if method == Method::POST && matches!(open311, Some("requests" | "servicerequestupdates")) {
            return Some(RateClass::Open311Post);
        }
        None
    }

    fn name(self) -> &'static str {
        match self {
            RateClass::Login => "login",
            RateClass::KbSearch => "kb_search",
            RateClass::Open311Post => "open311_post",
        }
    }

    fn limit(self, s: &Settings) -> RateLimit {
        match self {
            RateClass::Login => s.rate_limit_login,
            RateClass::KbSearch => s.rate_limit_kb_search,
            RateClass::Open311Post => s.rate_limit_open311_post,
        }
    }

    /// Whether the client address pays before anything else is known. Knowledge search is for
    /// signed-in staff: the account pays, not the office's shared address.
    fn per_address(self) -> bool {
        self != RateClass::KbSearch
    }
}

/// Spends one request of `class` from the budget of `subject` (an address, account or key).
pub async fn charge(state: &AppState, class: RateClass, dimension: &str, subject: &str) -> Result<(), ApiError> {
    let limit = class.limit(&state.settings);
    let key = format!("{}:{dimension}:{subject}", class.name());
    let now = state.core.now().timestamp();
    match hotline_kv::spend(&*state.core.kv, &key, limit.count, limit.period, now).await {
        Ok(Spend::Within) => Ok(()),
        Ok(Spend::Exceeded { retry_after_secs }) => {
            tracing::warn!(class = class.name(), dimension, retry_after_secs, "request budget spent");
            Err(ApiError::rate_limited(retry_after_secs))
        }
        Err(e) => Err(CoreError::from(e).into()),
    }
}

/// The account's or key's budget of the request's class, once its credential is verified.
pub async fn charge_principal(req: &HttpRequest, state: &AppState, p: &Principal) -> Result<(), ApiError> {
    let class = req.extensions().get::<RateClass>().copied();
    match class {
        Some(class) if !class.per_address() => charge(state, class, "principal", &p.id.to_string()).await,
        _ => Ok(()),
    }
}

pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let class = RateClass::of(req.method(), req.path());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(class), Some(state)) = (class, state) else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    if class.per_address() {
        let ip = client_ip(req.request(), state.settings.trust_proxy_headers);
        if let Err(err) = charge(&state, class, "address", &ip).await {
            let res = super::refusal(req.request(), err);
            return Ok(req.into_response(res).map_into_right_body());
        }
    }
    req.extensions_mut().insert(class);
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_fall_into_their_budget_by_method_and_path() {
        assert_eq!(RateClass::of(&Method::POST, "/api/v1/auth/login"), Some(RateClass::Login));
        assert_eq!(RateClass::of(&Method::POST, "/console/login"), Some(RateClass::Login));
        assert_eq!(RateClass::of(&Method::GET, "/console/login"), None, "the form itself is free");
        assert_eq!(RateClass::of(&Method::GET, "/api/v1/kb/search"), Some(RateClass::KbSearch));
        assert_eq!(RateClass::of(&Method::POST, "/open311/v2/requests.xml"), Some(RateClass::Open311Post));
        assert_eq!(RateClass::of(&Method::POST, "/open311/v2/servicerequestupdates.json"), Some(RateClass::Open311Post));
        assert_eq!(RateClass::of(&Method::GET, "/open311/v2/requests.json"), None);
        assert_eq!(RateClass::of(&Method::POST, "/api/v1/cases"), None);
    }
}

//! Request extractors: the authenticated principal, the client's address and an optional
//! JSON body.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use hotline_core::Principal;
use hotline_core::auth::ClientInfo;

use crate::error::ApiError;
use crate::state::AppState;

/// The caller, authenticated by `Authorization: Bearer <access token>`, or by an integrator
/// key in `Authorization: ApiKey <key>` / `X-Api-Key: <key>`.
pub struct Auth(pub Principal);

enum Credential {
    Bearer(String),
    ApiKey(String),
}

fn credential(req: &HttpRequest) -> Result<Credential, ApiError> {
    if let Some(key) = req.headers().get("x-api-key") {
        let key = key.to_str().map_err(|_| ApiError::unauthenticated("invalid_api_key", "the API key is not valid text"))?;
        return Ok(Credential::ApiKey(key.trim().to_owned()));
    }
    let missing = || ApiError::unauthenticated("unauthenticated", "sign in: send Authorization: Bearer <access token>");
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?;
    let (scheme, rest) = value.split_once(' ').ok_or_else(missing)?;
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Ok(Credential::Bearer(rest.trim().to_owned())),
        "apikey" => Ok(Credential::ApiKey(rest.trim().to_owned())),
        _ => Err(missing()),
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().expect("AppState is registered").clone();
            let cred = credential(&req)?;
            let result = match &cred {
                Credential::Bearer(token) => state.core.authenticate_token(token).await,
                Credential::ApiKey(key) => state.core.authenticate_api_key(key).await,
            };
            match result {
                Ok(p) => {
                    crate::request_log::record_tenant(p.tenant.id.0, p.tenant.code.as_str());
                    // For the edge's audit of refusals and exports (audit_edge).
                    req.extensions_mut().insert(p.clone());
                    // The account's or key's request budget, where the endpoint has one.
                    crate::edge::rate_limit::charge_principal(&req, &state, &p).await?;
                    Ok(Auth(p))
                }
                Err(e) => {
                    let err = ApiError::from(e);
                    if err.status == actix_web::http::StatusCode::UNAUTHORIZED {
                        let ip = client_ip(&req, state.settings.trust_proxy_headers);
                        state.core.audit_token_refusal(&err.body.code, Some(&ip), req.path()).await;
                    }
                    Err(err)
                }
            }
        })
    }
}

/// The client's address: the TCP peer, or the first `X-Forwarded-For` hop when the service
/// runs behind a trusted proxy (`trust_proxy_headers`).
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy && let Some(ip) = req.connection_info().realip_remote_addr() {
        return strip_port(ip);
    }
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

fn strip_port(addr: &str) -> String {
    addr.parse::<std::net::SocketAddr>().map(|s| s.ip().to_string()).unwrap_or_else(|_| addr.to_owned())
}

pub fn client_info(req: &HttpRequest, trust_proxy: bool) -> ClientInfo {
    ClientInfo {
        ip: client_ip(req, trust_proxy),
        user_agent: req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
    }
}

/// An optional JSON body. No body at all (no `Content-Length` or 0, not chunked) is `None`;
/// any body goes through `web::Json` (its configuration: size limit, the uniform errors, unknown
/// fields refused). actix's own `Option<web::Json<T>>` turns every refused body into `None`,
/// which would silently ignore a misspelt field instead of refusing it.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
        if !headers.contains_key(header::TRANSFER_ENCODING) && length.unwrap_or(0) == 0 {
            return Box::pin(std::future::ready(Ok(OptionalJson(None))));
        }
        let body = web::Json::<Option<T>>::from_request(req, payload);
        Box::pin(async move { Ok(OptionalJson(body.await?.into_inner())) })
    }
}

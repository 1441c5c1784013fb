//! The security headers of every answer, whatever produced it (a handler, an error, the
//! console, a static asset, a refusal of the edge, the 404 of an unknown path):
//!
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`;
//! - `Content-Security-Policy`: the console's pages set their own strict policy (scripts and
//!   styles from this site only, no inline code); other HTML gets that policy too; the API
//!   docs (Swagger UI) a policy that lets its own scripts run; every other answer (JSON, XML,
//!   CSV, files) `default-src 'none'; frame-ancestors 'none'`, so nothing it holds can run;
//! - `Cache-Control: no-store` on every answer that does not choose its own caching (the
//!   console's assets do), so no answer carrying someone's data is kept by a browser or proxy;
//! - `Strict-Transport-Security` only with `behind_tls` (a browser must not be told to insist
//!   on HTTPS by a service it reached over plain HTTP).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

/// Answers that are data, not pages: nothing loads, nothing runs, nobody frames them.
pub const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// Swagger UI under `/docs/`: its scripts and styles come from this site (it sets inline
/// styles on elements, and shows data: icons).
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                            connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
pub const HSTS: &str = "max-age=31536000";

fn set_default(h: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !h.contains_key(&name) {
        h.insert(name, HeaderValue::from_static(value));
    }
}

fn is_html(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("text/html"))
}

/// Adds the headers `res` does not set itself.
pub fn secure(path: &str, hsts: bool, h: &mut HeaderMap) {
    set_default(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(h, header::X_FRAME_OPTIONS, "DENY");
    set_default(h, header::REFERRER_POLICY, "no-referrer");
    let csp = if path == "/docs" || path.starts_with("/docs/") {
        DOCS_CSP
    } else if is_html(h) {
        crate::console::CSP
    } else {
        DATA_CSP
    };
    set_default(h, header::CONTENT_SECURITY_POLICY, csp);
    set_default(h, header::CACHE_CONTROL, "no-store");
    if hsts {
        set_default(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
}

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let hsts = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.settings.behind_tls);
    let path = req.path().to_owned();
    match next.call(req).await {
        Ok(mut res) => {
            secure(&path, hsts, res.headers_mut());
            Ok(res)
        }
        // An error no inner layer turned into an answer: its answer, with the headers.
        Err(e) => {
            let mut answer = e.error_response();
            secure(&path, hsts, answer.headers_mut());
            Err(actix_web::error::InternalError::from_response(e.to_string(), answer).into())
        }
    }
}

//! One log line and one metrics observation per request, inside a span carrying the request id
//! (echoed as X-Request-Id), and the tenant and case once known: the case from a
//! `/cases/{uuid}` path segment before the handler runs, the tenant by the credential
//! extractors ([`record_tenant`]), a new case by its intake handler ([`record_case`]).
//!
//! No personal data: the span holds the path without its query string (where Open311 keys and
//! tokens travel), never a body, header or caller detail.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;
use uuid::Uuid;

use crate::state::AppState;

pub async fn log_request(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::now_v7().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
        tenant_id = tracing::field::Empty,
        tenant = tracing::field::Empty,
        case_id = tracing::field::Empty,
    );
    if let Some(case) = case_in_path(req.path()) {
        span.record("case_id", tracing::field::display(case));
    }
    let http = req.app_data::<web::Data<AppState>>().map(|s| s.http.clone());
    let method = req.method().clone();
    let started = std::time::Instant::now();
    async move {
        let result = next.call(req).await;
        let elapsed = started.elapsed();
        let (status, route) = match &result {
            Ok(res) => (res.status(), res.request().match_pattern()),
            Err(e) => (e.as_response_error().status_code(), None),
        };
        if let Some(http) = http {
            http.observe(&method, route.clone(), status.as_u16(), elapsed);
        }
        tracing::info!(
            status = status.as_u16(),
            route = route.as_deref().unwrap_or(crate::metrics::UNMATCHED),
            elapsed_ms = elapsed.as_millis() as u64,
            "served"
        );
        let mut res = result?;
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            res.headers_mut().insert(HeaderName::from_static("x-request-id"), v);
        }
        Ok(res)
    }
    .instrument(span)
    .await
}

/// The case a path is about: the UUID after a `cases` segment (`/api/v1/cases/{id}/sign`,
/// `/console/cases/{id}`). Tracking numbers and other segments are left alone.
fn case_in_path(path: &str) -> Option<Uuid> {
    let mut segments = path.split('/');
    while let Some(s) = segments.next() {
        if s == "cases" {
            return segments.next().and_then(|id| id.parse::<Uuid>().ok());
        }
    }
    None
}

/// Puts the acting tenant on the current request span (called once the credential is known).
pub fn record_tenant(id: Uuid, code: &str) {
    let span = tracing::Span::current();
    span.record("tenant_id", tracing::field::display(id));
    span.record("tenant", code);
}

/// Puts a case on the current request span (a new case, whose id the path did not carry).
pub fn record_case(id: Uuid) {
    tracing::Span::current().record("case_id", tracing::field::display(id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_case_comes_from_the_segment_after_cases() {
        let id = Uuid::now_v7();
        assert_eq!(case_in_path(&format!("/api/v1/cases/{id}/sign")), Some(id));
        assert_eq!(case_in_path(&format!("/console/cases/{id}")), Some(id));
        assert_eq!(case_in_path("/api/v1/cases"), None);
        assert_eq!(case_in_path("/api/v1/public/cases/12345-20260309-000001"), None);
    }
}

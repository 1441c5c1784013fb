//! Request bodies have a size limit by endpoint: 64 KiB for ordinary writes, more only where the
//! content needs it (knowledge articles of 20,000 characters, rule sets of up to 5,000 rules).
//! A body over the limit answers `413 payload_too_large` in the style of the part of the site
//! asked, never a 500: at once when `Content-Length` says so, and while reading otherwise (a
//! chunked body is counted as it streams and cut off at the limit).

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::StreamExt;

use crate::error::ApiError;

/// Ordinary JSON and form writes.
pub const DEFAULT_LIMIT: usize = 64 * 1024;
/// Knowledge articles: 20,000 characters of Chinese, escaped in JSON or percent-encoded in a form.
pub const KNOWLEDGE_LIMIT: usize = 256 * 1024;
/// Rule sets (up to 5,000 rules) and what replays or simulates them.
pub const RULES_LIMIT: usize = 4 * 1024 * 1024;
/// The extractors' own limit: the largest of the above (this middleware sets the real one).
pub const CEILING: usize = RULES_LIMIT;
const _: () = assert!(CEILING >= RULES_LIMIT && CEILING >= KNOWLEDGE_LIMIT && CEILING >= DEFAULT_LIMIT);

/// The limit of the endpoint at `path`.
pub fn limit_for(path: &str) -> usize {
    let rules = (path.starts_with("/api/v1/tenants/") && path.contains("/rule-sets"))
        || path == "/api/v1/routing/simulate"
        || (path.starts_with("/console/admin/") && path.contains("/rules"));
    let knowledge = (path.starts_with("/api/v1/") && path.contains("/kb/articles"))
        || (path.starts_with("/console/admin/") && path.contains("/knowledge"));
    if rules {
        RULES_LIMIT
    } else if knowledge {
        KNOWLEDGE_LIMIT
    } else {
        DEFAULT_LIMIT
    }
}

fn declared_length(req: &ServiceRequest) -> Option<u64> {
    req.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

fn is_structured<B>(res: &ServiceResponse<B>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/xml") || ct.starts_with("text/html"))
}

pub async fn body_limit(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limit = limit_for(req.path());
    if declared_length(&req).is_some_and(|n| n > limit as u64) {
        let res = super::refusal(req.request(), ApiError::payload_too_large(limit));
        return Ok(req.into_response(res).map_into_right_body());
    }
    let mut left = limit;
    let counted = req.take_payload().map(move |chunk: Result<Bytes, PayloadError>| -> Result<Bytes, PayloadError> {
        let chunk = chunk?;
        left = left.checked_sub(chunk.len()).ok_or(PayloadError::Overflow)?;
        Ok(chunk)
    });
    req.set_payload(Payload::Stream { payload: Box::pin(counted) });
    let res = next.call(req).await?;
    // An extractor that met the cut-off answered with actix's plain-text 413 (or its own JSON
    // one, which is kept): give it the answer of this part of the site.
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_structured(&res) {
        let answer = super::refusal(res.request(), ApiError::payload_too_large(limit));
        return Ok(res.into_response(answer).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_bodies_are_taken_only_where_the_content_needs_them() {
        assert_eq!(limit_for("/api/v1/cases"), DEFAULT_LIMIT);
        assert_eq!(limit_for("/open311/v2/requests.json"), DEFAULT_LIMIT);
        assert_eq!(limit_for("/console/login"), DEFAULT_LIMIT);
        assert_eq!(limit_for("/api/v1/tenants/12319/kb/articles"), KNOWLEDGE_LIMIT);
        assert_eq!(limit_for("/api/v1/kb/articles/0193/versions"), KNOWLEDGE_LIMIT);
        assert_eq!(limit_for("/console/admin/12319/knowledge"), KNOWLEDGE_LIMIT);
        assert_eq!(limit_for("/api/v1/tenants/12319/rule-sets/abc"), RULES_LIMIT);
        assert_eq!(limit_for("/console/admin/12319/rules/abc"), RULES_LIMIT);
    }
}

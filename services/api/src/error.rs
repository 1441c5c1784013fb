//! One error type for every endpoint: a stable snake_case `code`, a message for people, and
//! for validation errors the offending `field`. 5xx bodies never carry internals.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use hotline_core::CoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable reason, e.g. `not_found`, `validation_failed`, `invalid_token`.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The request field at fault (validation errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The specific rule the field broke (validation errors), e.g. `invalid_tenant_code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<u64>,
}

/// `Retry-After` of a 503 `unavailable`.
const RETRY_UNAVAILABLE_SECS: u64 = 2;

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, body: ErrorBody { code: code.to_owned(), message: message.into(), field: None, reason: None }, retry_after: None }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthenticated(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// A request budget is spent (`429 rate_limited` with `Retry-After`), as opposed to
    /// `too_many_attempts`, which slows failed sign-ins and codes.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut err =
            Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("too many requests; try again in {retry_after_secs} s"));
        err.retry_after = Some(retry_after_secs);
        err
    }

    /// The body is larger than this endpoint takes (`413 payload_too_large`).
    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than this endpoint takes ({} KiB at most)", limit_bytes / 1024),
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.body.code, self.body.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"hotline\"")));
        }
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        res.json(&self.body)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound(what) => ApiError::not_found(what),
            CoreError::Forbidden { code, message } => ApiError::new(StatusCode::FORBIDDEN, code, message),
            CoreError::Unauthorized { code, message } => ApiError::unauthenticated(code, message),
            CoreError::Validation(v) => {
                let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", v.to_string());
                err.body.field = Some(v.field);
                err.body.reason = Some(v.code.to_owned());
                err
            }
            CoreError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            CoreError::Throttled { retry_after_secs } => {
                let mut err = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!("too many failed attempts; try again in {retry_after_secs} s"),
                );
                err.retry_after = Some(retry_after_secs);
                err
            }
            CoreError::RateLimited { retry_after_secs } => ApiError::rate_limited(retry_after_secs),
            CoreError::Unavailable(detail) => {
                tracing::error!(%detail, "backing service unavailable");
                let mut err =
                    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "a backing service is unavailable; retry later");
                // A database restart or failover takes seconds; an intake retried with its
                // Idempotency-Key is stored once.
                err.retry_after = Some(RETRY_UNAVAILABLE_SECS);
                err
            }
            CoreError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "internal error; it has been logged")
            }
        }
    }
}

/// Where a refused request part came from: the JSON body or the query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Body,
    Query,
}

impl ApiError {
    /// A body or query string that serde refused, as one uniform answer (400): a field the
    /// operation does not take gets `unknown_field` (body) or `unknown_parameter` (query) with
    /// the name in `field`, so a client misspelling `urgncy` learns which one; a missing field
    /// names itself too; anything else is `invalid_body` / `invalid_query`. Serde's message
    /// says what is expected; it never carries internals.
    pub fn refused_input(part: Part, message: &str) -> Self {
        let (unknown, invalid, what) = match part {
            Part::Body => ("unknown_field", "invalid_body", "the JSON body"),
            Part::Query => ("unknown_parameter", "invalid_query", "the query string"),
        };
        if let Some(name) = quoted_after(message, "unknown field `") {
            let mut err = ApiError::bad_request(unknown, format!("{what} has a field this operation does not take: {message}"));
            err.body.field = Some(name);
            return err;
        }
        let mut err = ApiError::bad_request(invalid, format!("{what} does not fit: {message}"));
        err.body.field = quoted_after(message, "missing field `");
        err
    }
}

/// The name serde quotes after `prefix` (its messages read "unknown field `x`, expected …").
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    Some(rest[..rest.find('`')?].to_owned())
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_field_is_named_in_its_own_code() {
        let err = ApiError::refused_input(Part::Body, "unknown field `urgncy`, expected `urgency` at line 1 column 12");
        assert_eq!(
            (err.status, err.body.code.as_str(), err.body.field.as_deref()),
            (StatusCode::BAD_REQUEST, "unknown_field", Some("urgncy"))
        );
        let err = ApiError::refused_input(Part::Query, "unknown field `pagesize`, expected one of `limit`, `after`");
        assert_eq!((err.body.code.as_str(), err.body.field.as_deref()), ("unknown_parameter", Some("pagesize")));
    }

    #[test]
    fn other_faults_keep_the_general_code() {
        let err = ApiError::refused_input(Part::Body, "missing field `password` at line 1 column 17");
        assert_eq!((err.body.code.as_str(), err.body.field.as_deref()), ("invalid_body", Some("password")));
        let err = ApiError::refused_input(Part::Body, "invalid type: integer `5`, expected a string at line 1 column 9");
        assert_eq!((err.body.code.as_str(), err.body.field), ("invalid_body", None));
        let err = ApiError::refused_input(Part::Query, "invalid digit found in string");
        assert_eq!(err.body.code, "invalid_query");
    }
}

use hotline_domain::ValidationError;
use hotline_store::StoreError;

/// What can go wrong in a use case, in words the API turns into status codes.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Missing, or belonging to another tenant: the two must look the same to the caller.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Known and visible, but not the caller's to do. `code` is `forbidden` or a more precise
    /// reason such as `not_lead_unit`.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("too many attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// A request budget (requests per window, not failures) is spent until the window ends.
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("a backing service is unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type CoreResult<T> = Result<T, CoreError>;

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(detail) => {
                CoreError::Conflict { code: "conflict", message: format!("a record with the same unique value exists ({detail})") }
            }
            // Retryable: the same request may succeed once the database is back (503).
            StoreError::Unavailable(e) => CoreError::Unavailable(e.to_string()),
            other => CoreError::Internal(other.to_string()),
        }
    }
}

impl From<hotline_store::sea_orm::DbErr> for CoreError {
    fn from(e: hotline_store::sea_orm::DbErr) -> Self {
        CoreError::from(StoreError::from(e))
    }
}

impl From<hotline_kv::KvError> for CoreError {
    fn from(e: hotline_kv::KvError) -> Self {
        CoreError::Unavailable(e.to_string())
    }
}

impl From<hotline_auth::PasswordError> for CoreError {
    fn from(e: hotline_auth::PasswordError) -> Self {
        CoreError::Internal(e.to_string())
    }
}

impl CoreError {
    pub fn forbidden(what: impl Into<String>) -> Self {
        CoreError::Forbidden { code: "forbidden", message: what.into() }
    }

    /// A refusal with a precise code (403).
    pub fn forbidden_because(code: &'static str, message: impl Into<String>) -> Self {
        CoreError::Forbidden { code, message: message.into() }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        CoreError::Conflict { code, message: message.into() }
    }
}

//! Administration of the organisation: tenant lines, their units, users and API keys.
//! The system administrator (city_admin) manages every line, a tenant admin only their own;
//! privileged roles, keys and second factors are the security administrator's (`roles`).

pub mod api_keys;
pub mod catalogue;
pub mod roles;
pub mod sla;
pub mod tenants;
pub mod units;
pub mod users;

use hotline_domain::ValidationError;
use uuid::Uuid;

/// Parses an id given in a request body; a bad one is a validation error on that field.
pub(crate) fn parse_id(field: &str, s: &str) -> Result<Uuid, ValidationError> {
    s.parse::<Uuid>().map_err(|_| ValidationError::new(field, "invalid_id", format!("{field} is not a UUID")))
}

/// Parses an optional enum-valued filter.
pub(crate) fn parse_opt<T>(v: Option<&str>, f: impl Fn(&str) -> Result<T, ValidationError>) -> Result<Option<T>, ValidationError> {
    v.map(f).transpose()
}

//! Pure domain types and rules of the Hotline platform.
//!
//! No I/O, no async, no web or database types: everything here is plain data and functions
//! that the store, core and services build on ("parse, don't validate").

pub mod audit_chain;
pub mod calendar;
pub mod case;
pub mod clock;
pub mod duplicates;
pub mod error;
pub mod ids;
pub mod kb;
pub mod kb_search;
pub mod open311;
#[cfg(test)]
mod props;
pub mod role;
pub mod rules;
pub mod stats;
pub mod suggest;
pub mod tenant;
pub mod unit;
pub mod user;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ValidationError;
pub use ids::{ApiKeyId, TenantId, UnitId, UserId};
pub use role::{OfficerDuty, Role, RoleSet};
pub use tenant::{LineNumber, MergeMode, TenantCode, TenantKind, TenantStatus, parse_calendar_ref, parse_name, parse_time_zone};
pub use unit::{District, UnitKind, UnitStatus};
pub use user::{UserStatus, Username, parse_email};

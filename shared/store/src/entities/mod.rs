//! sea-orm entities: one per table, plain rows. Meaning lives in hotline-domain; repositories
//! convert.

pub mod api_key;
pub mod audit_event;
pub mod refresh_token;
pub mod session;
pub mod tenant;
pub mod tenant_number;
pub mod unit;
pub mod user;

//! hotline-api: the HTTP edge of the Hotline platform.

mod audit_edge;
mod console;
mod csv;
pub mod edge;
pub mod error;
pub mod extract;
mod fallback;
mod json_number;
pub mod metrics;
pub mod open311;
pub mod openapi;
mod paging;
mod request_log;
pub mod routes;
pub mod startup;
pub mod state;
pub mod suggest_cli;
pub mod transfer_cli;

pub use startup::{Application, build_core, run_migrations};

//! Persistence: sea-orm entities, `connect()` for SQLite and PostgreSQL, migrations, and
//! repositories. Every tenant-owned query takes the tenant first, so no caller can forget it.

pub mod api_keys;
pub mod audit;
pub mod audit_chain;
pub mod bulk;
pub mod cases;
pub mod catalogue;
mod connect;
pub mod entities;
mod error;
pub mod hot_spots;
pub mod intake;
pub mod kb;
pub mod mfa;
pub mod models;
pub mod outbox;
mod page;
pub mod roles;
pub mod rules;
pub mod scope;
pub mod sessions;
pub mod sla;
pub mod stats;
pub mod support;
pub mod sweep;
pub mod tenants;
pub mod transfer;
pub mod units;
pub mod users;

pub use connect::{PoolSettings, PoolStats, Store, begin_write, connect, connect_scoped, connect_with};
pub use error::{StoreError, StoreResult};
pub use page::{Page, PageRequest};
pub use sea_orm;
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};

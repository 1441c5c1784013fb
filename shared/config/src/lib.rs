//! One settings tree for every Hotline binary: defaults → optional TOML file → `HOTLINE_*`
//! environment. The table in [`keys::KEYS`] is the single source of truth: it drives parsing,
//! the `--help` text and the README's configuration table, so the three cannot disagree.

mod keys;
mod parse;
mod settings;
mod tracing_setup;

pub use keys::{KEYS, KeySpec, help_table, markdown_table};
pub use settings::{
    CONFIG_FILE_ENV, ConfigError, DatabaseKind, JwtKeySpec, LogFormat, MFA_AUTO_ROLES, RateLimit, STAFF_ROLE_NAMES, Settings,
};
pub use tracing_setup::init_tracing;

//! Tenant export and import (`hotline-api export` / `import`): one or more lines moved between
//! platforms as versioned JSON lines, streamed both ways.
//!
//! The file: a `header` line (format, version, schema, the lines, the other lines their data
//! refers to, row counts per table, a check value of the personal-data key), one `row` line per
//! row (`{"type":"row","table":"cases","row":{…}}`, tables in foreign-key order), and an `end`
//! line whose absence marks a truncated file. Which tables travel and which stay behind:
//! `hotline_store::transfer`.
//!
//! Personal data stays encrypted in the file. The import copies it as it is when both
//! platforms use the same `pii_key`; with another key it needs the source's key
//! (`--source-pii-key-file`) and re-encrypts every value, re-computing the lookup hashes,
//! inside the import's transaction — clear text never reaches the file.

mod export;
mod import;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hotline_auth::PiiCipher;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

pub use export::{Which, export};
pub use import::import;

pub const FORMAT: &str = "hotline-tenant-export";
pub const VERSION: u32 = 1;

/// A failed export or import, with a stable code (the CLI prints both; docs/OPERATIONS.md
/// lists them). An import that fails changes nothing: it runs in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({code})")]
pub struct TransferError {
    pub code: &'static str,
    pub message: String,
}

impl TransferError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl From<hotline_store::StoreError> for TransferError {
    fn from(e: hotline_store::StoreError) -> Self {
        TransferError::new("database", e.to_string())
    }
}

impl From<hotline_store::sea_orm::DbErr> for TransferError {
    fn from(e: hotline_store::sea_orm::DbErr) -> Self {
        TransferError::new("database", e.to_string())
    }
}

/// A line in the file's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantEntry {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// Another tenant the data refers to (its code where the exporting platform knew it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Required {
    pub id: Uuid,
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The last migration applied where the file was written; the importing platform must be
    /// at the same one (columns are those of that schema).
    pub schema: String,
    pub exported_at: DateTime<Utc>,
    pub tenants: Vec<TenantEntry>,
    /// Tenants outside the file the rows refer to; they must exist (same id) where it is
    /// imported, or come in the same file.
    pub requires: Vec<Required>,
    /// Rows per table.
    pub counts: BTreeMap<String, u64>,
    /// A keyed hash of a fixed text under the personal-data key: equal on two platforms
    /// exactly when their keys are; reveals nothing about the key.
    pub pii_key_check: String,
}

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    Header(Header),
    Row { table: String, row: Map<String, Json> },
    End { rows: u64, requires: Vec<Required> },
}

/// What an export wrote or an import stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub tenants: Vec<String>,
    pub counts: BTreeMap<String, u64>,
    /// Whether the import re-encrypted personal data under this platform's key.
    pub reencrypted: bool,
}

impl Summary {
    pub fn rows(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// The check value of a personal-data key (see [`Header::pii_key_check`]).
pub fn pii_key_check(pii: &PiiCipher) -> String {
    pii.lookup_hash("hotline/export/pii-key-check/v1")
}

/// The schema the code expects, as the last migration's name, once the database has every
/// migration (an export or import on a half-migrated database would read the wrong columns).
pub async fn schema(store: &hotline_store::Store) -> Result<String, TransferError> {
    let pending = store.pending_migrations().await?;
    if pending > 0 {
        return Err(TransferError::new(
            "schema_mismatch",
            format!("the database lacks {pending} migration(s) of this release: run `hotline-api migrate` first"),
        ));
    }
    store.applied_migrations().await?.pop().ok_or_else(|| TransferError::new("schema_mismatch", "the database has no schema"))
}

/// The tenants a case event's statistics counted in (its `lines` shares).
fn event_lines(row: &Map<String, Json>) -> Vec<Uuid> {
    let Some(payload) = row.get("payload").and_then(Json::as_str) else { return Vec::new() };
    let Ok(v) = serde_json::from_str::<Json>(payload) else { return Vec::new() };
    v.get("lines")
        .and_then(Json::as_array)
        .map(|lines| lines.iter().filter_map(|l| l.get("line").and_then(Json::as_str)).filter_map(|s| s.parse().ok()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_with_their_type_tag() {
        let mut row = Map::new();
        row.insert("id".into(), "x".into());
        let line = Line::Row { table: "units".into(), row };
        let text = serde_json::to_string(&line).unwrap();
        assert!(text.starts_with(r#"{"type":"row","table":"units""#), "{text}");
        assert_eq!(serde_json::from_str::<Line>(&text).unwrap(), line);
        let end = serde_json::to_string(&Line::End { rows: 3, requires: vec![] }).unwrap();
        assert_eq!(end, r#"{"type":"end","rows":3,"requires":[]}"#);
    }

    #[test]
    fn key_checks_tell_keys_apart_without_showing_them() {
        let a = PiiCipher::new(b"first key first key first key 123");
        let b = PiiCipher::new(b"second key second key second key");
        assert_eq!(pii_key_check(&a), pii_key_check(&PiiCipher::new(b"first key first key first key 123")));
        assert_ne!(pii_key_check(&a), pii_key_check(&b));
        assert!(!pii_key_check(&a).contains("first key"));
    }

    #[test]
    fn an_event_names_the_lines_it_counted_in() {
        let t = Uuid::now_v7();
        let mut row = Map::new();
        row.insert("payload".into(), Json::String(format!(r#"{{"stats":[],"lines":[{{"line":"{t}","received":true}}]}}"#)));
        assert_eq!(event_lines(&row), vec![t]);
        row.insert("payload".into(), Json::Null);
        assert!(event_lines(&row).is_empty());
    }
}

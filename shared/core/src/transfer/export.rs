//! Writing the file: one read transaction (a snapshot on PostgreSQL), so the header's counts
//! and the rows agree even while the platform keeps working.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use chrono::{DateTime, Utc};
use hotline_auth::PiiCipher;
use hotline_store::sea_orm::{AccessMode, DbBackend, IsolationLevel, TransactionTrait};
use hotline_store::transfer::{self, Owner};
use hotline_store::{Store, tenants};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::{FORMAT, Header, Line, Required, Summary, TenantEntry, TransferError, VERSION, event_lines, pii_key_check, schema};

/// Which lines to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    /// These tenant codes (each must exist).
    Codes(Vec<String>),
    /// Every tenant of the platform (moving a whole platform, e.g. SQLite to PostgreSQL).
    All,
}

/// A row line, serialised without copying the row.
#[derive(Serialize)]
struct RowOut<'a> {
    r#type: &'static str,
    table: &'static str,
    row: &'a Map<String, Json>,
}

fn io(e: std::io::Error) -> TransferError {
    TransferError::new("io", format!("cannot write the export: {e}"))
}

fn write_line(out: &mut impl Write, value: &impl Serialize) -> Result<(), TransferError> {
    serde_json::to_writer(&mut *out, value).map_err(|e| io(e.into()))?;
    out.write_all(b"\n").map_err(io)
}

/// Writes the lines `which` names to `out`.
pub async fn export(
    store: &Store,
    pii: &PiiCipher,
    which: Which,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> Result<Summary, TransferError> {
    // Moving a line between platforms is the operator's: platform scope.
    hotline_store::scope::platform(async move {
        let schema = schema(store).await?;
        let db = &store.db;
        let chosen = match which {
            Which::All => tenants::all(db).await?,
            Which::Codes(codes) => {
                let mut rows = Vec::new();
                for code in codes.iter().collect::<BTreeSet<_>>() {
                    let t = tenants::find_by_code(db, code)
                        .await?
                        .ok_or_else(|| TransferError::new("unknown_tenant", format!("no tenant has the code {code}")))?;
                    rows.push(t);
                }
                rows
            }
        };
        if chosen.is_empty() {
            return Err(TransferError::new("unknown_tenant", "name at least one tenant (--tenant CODE) or --all"));
        }
        let ids: Vec<Uuid> = chosen.iter().map(|t| t.id).collect();
        let codes: Vec<String> = chosen.iter().map(|t| t.code.clone()).collect();

        // A read-only snapshot: deferred on SQLite (it never writes, so the write lock that
        // `begin_write` would take only blocks intake for the length of the export).
        #[allow(clippy::disallowed_methods)]
        let txn = if store.backend() == DbBackend::Postgres {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?
        } else {
            db.begin().await?
        };
        let requires: Vec<Required> =
            transfer::referenced_tenants(&txn, &ids).await?.into_iter().map(|(id, code)| Required { id, code }).collect();
        let mut counts = BTreeMap::new();
        for spec in transfer::specs() {
            counts.insert(spec.table.to_owned(), transfer::count(&txn, spec, &ids, &codes).await?);
        }
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            schema,
            exported_at: now,
            tenants: chosen.iter().map(|t| TenantEntry { id: t.id, code: t.code.clone(), name: t.name.clone() }).collect(),
            requires: requires.clone(),
            counts: counts.clone(),
            pii_key_check: pii_key_check(pii),
        };
        write_line(out, &Line::Header(header))?;

        // Lines an event counted in that the header does not name yet (normally none: a line
        // counts a case once one of its units takes part, and participants are in `requires`).
        let mut known: BTreeSet<Uuid> = ids.iter().copied().chain(requires.iter().map(|r| r.id)).collect();
        let mut late: Vec<Required> = Vec::new();
        let mut written = 0;
        for spec in transfer::specs() {
            let n = transfer::read_rows(&txn, spec, &ids, &codes, |row| {
                if spec.table == "case_events" {
                    for line in event_lines(&row) {
                        if known.insert(line) {
                            late.push(Required { id: line, code: None });
                        }
                    }
                }
                write_line(out, &RowOut { r#type: "row", table: spec.table, row: &row })
            })
            .await?;
            written += n;
            debug_assert!(spec.owner != Owner::Tenant || n == ids.len() as u64);
        }
        txn.rollback().await?;
        write_line(out, &Line::End { rows: written, requires: late })?;
        out.flush().map_err(io)?;
        Ok(Summary { tenants: codes, counts, reencrypted: false })
    })
    .await
}

//! `hotline-api export --tenant CODE > file` and `hotline-api import < file`: the command-line
//! side of `hotline_core::transfer` (what they move and why: docs/OPERATIONS.md).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use hotline_config::Settings;
use hotline_core::transfer::{self, Summary, TransferError, Which};

async fn store(settings: &Settings) -> Result<hotline_store::Store, TransferError> {
    hotline_store::connect(&settings.database_url, 2)
        .await
        .map_err(|e| TransferError::new("database", format!("cannot connect to the database (database_url): {e}")))
}

async fn cipher(settings: &Settings, store: &hotline_store::Store) -> Result<hotline_auth::PiiCipher, TransferError> {
    crate::startup::pii_cipher(settings, store, chrono::Utc::now()).await.map_err(|e| TransferError::new("database", e.to_string()))
}

/// Writes the named lines (or all with `all`) to standard output. The source is only read.
pub async fn export(settings: &Settings, codes: &[String], all: bool) -> Result<Summary, TransferError> {
    let store = store(settings).await?;
    // Before the key: on the embedded profile the key lives in a table of that schema.
    transfer::schema(&store).await?;
    let pii = cipher(settings, &store).await?;
    let which = if all { Which::All } else { Which::Codes(codes.to_vec()) };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let summary = transfer::export(&store, &pii, which, chrono::Utc::now(), &mut out).await?;
    out.flush().map_err(|e| TransferError::new("io", e.to_string()))?;
    Ok(summary)
}

/// Reads a file (standard input without `file`, or `-`) into this platform, migrating an empty
/// database first when `run_migrations` is on.
pub async fn import(settings: &Settings, file: Option<&Path>, source_key_file: Option<&Path>) -> Result<Summary, TransferError> {
    let source = match source_key_file {
        Some(path) => {
            let key = std::fs::read_to_string(path)
                .map_err(|e| TransferError::new("io", format!("cannot read the source key file {}: {e}", path.display())))?;
            // A key file usually ends with a newline that is not part of the key.
            let key = key.trim_end_matches(['\n', '\r']);
            if key.len() < 32 {
                return Err(TransferError::new("pii_key_mismatch", "the source key has fewer than 32 bytes: not a pii_key"));
            }
            Some(hotline_auth::PiiCipher::new(key.as_bytes()))
        }
        None => None,
    };
    let store = store(settings).await?;
    if settings.run_migrations {
        store.migrate().await.map_err(|e| TransferError::new("database", format!("migrations failed: {e}")))?;
    }
    let pii = cipher(settings, &store).await?;
    let input: Box<dyn BufRead> = match file.filter(|p| p.as_os_str() != "-") {
        Some(path) => Box::new(BufReader::new(
            std::fs::File::open(path).map_err(|e| TransferError::new("io", format!("cannot open {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    transfer::import(&store, &pii, source.as_ref(), input).await
}

/// One line for the operator: what moved, largest tables first.
pub fn describe(verb: &str, s: &Summary) -> String {
    let mut tables: Vec<(&String, &u64)> = s.counts.iter().filter(|(_, n)| **n > 0).collect();
    tables.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let list: Vec<String> = tables.iter().map(|(t, n)| format!("{t} {n}")).collect();
    let pii = if s.reencrypted { "; personal data re-encrypted under this platform's key" } else { "" };
    format!("{verb} {}: {} rows ({}){pii}", s.tenants.join(", "), s.rows(), list.join(", "))
}

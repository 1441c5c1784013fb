//! Reading the file into this platform: every check that can be made from the header before
//! anything is written, then all rows in one transaction, committed only after the `end` line
//! confirmed the file complete.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::BufRead;

use hotline_auth::PiiCipher;
use hotline_store::transfer::{self, Owner, Spec};
use hotline_store::{ConnectionTrait, DatabaseTransaction, Store, StoreError};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::{FORMAT, Header, Line, Required, Summary, TransferError, VERSION, event_lines, pii_key_check, schema};

const BATCH: usize = 500;

fn bad(line: usize, message: impl std::fmt::Display) -> TransferError {
    TransferError::new("bad_format", format!("line {line}: {message}"))
}

/// Reads the file from `input` into this platform. `pii` is this platform's personal-data
/// key; `source_pii` the exporting platform's, needed only when the two differ.
pub async fn import(store: &Store, pii: &PiiCipher, source_pii: Option<&PiiCipher>, input: impl BufRead) -> Result<Summary, TransferError> {
    // Moving a line between platforms is the operator's: platform scope.
    hotline_store::scope::platform(async move {
        let mut lines = input.lines().enumerate().map(|(i, l)| (i + 1, l));
        let header = match lines.next() {
            Some((_, Ok(text))) => match serde_json::from_str::<Line>(&text) {
                Ok(Line::Header(h)) => h,
                _ => return Err(bad(1, format!("the file does not start with a {FORMAT} header"))),
            },
            Some((_, Err(e))) => return Err(TransferError::new("io", format!("cannot read the file: {e}"))),
            None => return Err(TransferError::new("bad_format", "the file is empty")),
        };
        let reencrypt = check_header(store, pii, source_pii, &header).await?;

        let db = &store.db;
        let ids: Vec<Uuid> = header.tenants.iter().map(|t| t.id).collect();
        let txn = hotline_store::begin_write(db).await?;
        let mut state = State {
            txn: &txn,
            reencrypt,
            target: pii,
            ids: ids.clone(),
            codes: header.tenants.iter().map(|t| t.code.clone()).collect(),
            parents: HashSet::new(),
            seen: BTreeMap::new(),
            lines_named: BTreeSet::new(),
            pending: None,
            last_spec: 0,
        };
        let mut end = None;
        for (n, text) in lines.by_ref() {
            let text = text.map_err(|e| TransferError::new("io", format!("cannot read line {n}: {e}")))?;
            if text.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Line>(&text).map_err(|e| bad(n, e))? {
                Line::Header(_) => return Err(bad(n, "a second header")),
                Line::Row { table, row } => state.row(n, &table, row).await?,
                Line::End { rows, requires } => {
                    end = Some((n, rows, requires));
                    break;
                }
            }
        }
        let Some((n, rows, late)) = end else {
            return Err(TransferError::new("truncated", "the file ends before its end line: it was cut short; nothing was imported"));
        };
        if lines.any(|(_, l)| l.map(|t| !t.trim().is_empty()).unwrap_or(true)) {
            return Err(bad(n + 1, "text after the end line"));
        }
        state.flush().await?;
        let counted: u64 = state.seen.values().sum();
        if counted != rows
            || state.seen.iter().any(|(t, k)| header.counts.get(*t) != Some(k))
            || header.counts.values().sum::<u64>() != rows
        {
            return Err(TransferError::new(
                "truncated",
                format!("the file holds {counted} rows where its header and end line announce {rows}: it is incomplete or was edited"),
            ));
        }
        // Lines the events counted in must exist too (a statistics recount would miss them).
        let mut required: Vec<Required> = late;
        required.extend(state.lines_named.iter().filter(|l| !ids.contains(l)).map(|id| Required { id: *id, code: None }));
        missing_references(&txn, &required, &ids).await?;
        drop(state);
        txn.commit().await?;
        // Checked above: the rows stored are the header's counts, table by table.
        Ok(Summary {
            tenants: header.tenants.iter().map(|t| t.code.clone()).collect(),
            counts: header.counts,
            reencrypted: reencrypt.is_some(),
        })
    })
    .await
}

/// The checks the header allows before anything is written. Returns the source key when the
/// personal data has to be re-encrypted.
async fn check_header<'a>(
    store: &Store,
    pii: &PiiCipher,
    source_pii: Option<&'a PiiCipher>,
    h: &Header,
) -> Result<Option<&'a PiiCipher>, TransferError> {
    if h.format != FORMAT {
        return Err(bad(1, format!("format '{}' is not {FORMAT}", h.format)));
    }
    if h.version != VERSION {
        return Err(TransferError::new(
            "unsupported_version",
            format!("the file is version {} of the format; this release reads version {VERSION}", h.version),
        ));
    }
    let here = schema(store).await?;
    if h.schema != here {
        return Err(TransferError::new(
            "schema_mismatch",
            format!("the file was written at schema {} and this platform is at {here}: export and import with the same release", h.schema),
        ));
    }
    if h.tenants.is_empty() {
        return Err(bad(1, "the header names no tenant"));
    }
    let db = &store.db;
    let ids: Vec<Uuid> = h.tenants.iter().map(|t| t.id).collect();
    let codes: Vec<String> = h.tenants.iter().map(|t| t.code.clone()).collect();
    let clash = transfer::existing_tenants(db, &ids, &codes).await?;
    if !clash.is_empty() {
        let names: Vec<String> = clash.iter().map(|(_, code)| code.clone()).collect();
        return Err(TransferError::new(
            "tenant_exists",
            format!(
                "this platform already has tenant(s) {} (by id or code); an import never merges into an existing line",
                names.join(", ")
            ),
        ));
    }
    missing_references(db, &h.requires, &ids).await?;
    let encrypted = ["cases", "call_events"].iter().any(|t| h.counts.get(*t).copied().unwrap_or(0) > 0);
    if !encrypted || h.pii_key_check == pii_key_check(pii) {
        return Ok(None);
    }
    match source_pii {
        Some(source) if pii_key_check(source) == h.pii_key_check => Ok(Some(source)),
        Some(_) => {
            Err(TransferError::new("pii_key_mismatch", "the source personal-data key given is not the one that encrypted this file's data"))
        }
        None => Err(TransferError::new(
            "pii_key_mismatch",
            "this platform's pii_key differs from the exporting platform's: give the exporting platform's key with \
             --source-pii-key-file FILE and the personal data is re-encrypted under this platform's key",
        )),
    }
}

/// Refuses when a tenant the data refers to is neither in the file nor on this platform.
async fn missing_references(db: &impl ConnectionTrait, required: &[Required], in_file: &[Uuid]) -> Result<(), TransferError> {
    let wanted: Vec<Uuid> = required.iter().map(|r| r.id).filter(|id| !in_file.contains(id)).collect::<BTreeSet<_>>().into_iter().collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let present: BTreeSet<Uuid> = transfer::existing_tenants(db, &wanted, &[]).await?.into_iter().map(|(id, _)| id).collect();
    let missing: Vec<String> = wanted
        .iter()
        .filter(|id| !present.contains(id))
        .map(|id| match required.iter().find(|r| r.id == *id).and_then(|r| r.code.clone()) {
            Some(code) => format!("{code} ({id})"),
            None => id.to_string(),
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(TransferError::new(
        "missing_references",
        format!(
            "the data refers to tenant(s) {} that are neither in the file nor on this platform (joint cases, co-units, \
             or cases received by another line that this line handled); export those lines in the same file \
             (--tenant A --tenant B) or import them first",
            missing.join(", ")
        ),
    ))
}

/// The import under way: rows batched per table, in the file's table order.
struct State<'a> {
    txn: &'a DatabaseTransaction,
    /// The source key when personal data is re-encrypted, and this platform's.
    reencrypt: Option<&'a PiiCipher>,
    target: &'a PiiCipher,
    /// The file's tenants: every row must belong to one of them.
    ids: Vec<Uuid>,
    codes: Vec<String>,
    /// Cases and hot spots imported so far (their rows' children must hang off them).
    parents: HashSet<Uuid>,
    seen: BTreeMap<&'static str, u64>,
    /// Tenants the events' statistics counted in.
    lines_named: BTreeSet<Uuid>,
    pending: Option<(&'static Spec, Vec<Map<String, Json>>)>,
    /// Position in `transfer::specs()` of the last table: tables come parents first.
    last_spec: usize,
}

impl State<'_> {
    async fn row(&mut self, n: usize, table: &str, mut row: Map<String, Json>) -> Result<(), TransferError> {
        let position = transfer::specs().iter().position(|s| s.table == table).ok_or_else(|| bad(n, format!("unknown table '{table}'")))?;
        if position < self.last_spec {
            return Err(bad(n, format!("table {table} comes after its dependants")));
        }
        self.last_spec = position;
        let spec = &transfer::specs()[position];
        if let Some(extra) = row.keys().find(|k| !spec.cols.iter().any(|(c, _)| c == k)) {
            return Err(bad(n, format!("{table} has no column '{extra}'")));
        }
        for (name, col) in spec.cols {
            match row.get(*name) {
                None => return Err(bad(n, format!("{table}.{name} is missing"))),
                Some(v) if !col.accepts(v) => return Err(bad(n, format!("{table}.{name} is not a {col:?} value"))),
                _ => {}
            }
        }
        if !self.owned(spec, &row) {
            return Err(bad(n, format!("a {table} row that belongs to none of the file's tenants")));
        }
        if matches!(table, "cases" | "hot_spots")
            && let Some(id) = row.get("id").and_then(Json::as_str).and_then(|s| s.parse().ok())
        {
            self.parents.insert(id);
        }
        if table == "case_events" {
            self.lines_named.extend(event_lines(&row));
        }
        if let Some(source) = self.reencrypt {
            reencrypt(table, &mut row, source, self.target, n)?;
        }
        *self.seen.entry(spec.table).or_default() += 1;
        if self.pending.as_ref().is_some_and(|(s, rows)| s.table != spec.table || rows.len() >= BATCH) {
            self.flush().await?;
        }
        self.pending.get_or_insert_with(|| (spec, Vec::new())).1.push(row);
        Ok(())
    }

    /// Whether a row belongs to the file's tenants, by the rule that chose it for export: an
    /// import writes nothing of a line it does not bring.
    fn owned(&self, spec: &Spec, row: &Map<String, Json>) -> bool {
        let id = |key: &str| row.get(key).and_then(Json::as_str).and_then(|s| s.parse::<Uuid>().ok());
        match spec.owner {
            Owner::Tenant => id("id").is_some_and(|t| self.ids.contains(&t)),
            Owner::TenantColumn => id("tenant_id").is_some_and(|t| self.ids.contains(&t)),
            Owner::Case => id("case_id").is_some_and(|c| self.parents.contains(&c)),
            Owner::HotSpot => id("hot_spot_id").is_some_and(|h| self.parents.contains(&h)),
            Owner::TrackingScope => row
                .get("scope")
                .and_then(Json::as_str)
                .and_then(|s| s.rsplit_once('-'))
                .is_some_and(|(code, day)| self.codes.iter().any(|c| c == code) && day.len() == 8),
        }
    }

    async fn flush(&mut self) -> Result<(), TransferError> {
        let Some((spec, rows)) = self.pending.take() else { return Ok(()) };
        transfer::insert_rows(self.txn, spec, &rows).await.map_err(|e| match e {
            StoreError::Conflict(detail) => TransferError::new(
                "conflict",
                format!("rows of {} collide with rows of this platform ({detail}), e.g. a user name or number already taken", spec.table),
            ),
            other => TransferError::new("database", format!("{}: {other}", spec.table)),
        })
    }
}

/// Re-encrypts a row's personal data from the source key to this platform's, and re-computes
/// the lookup hashes that go with it.
fn reencrypt(table: &str, row: &mut Map<String, Json>, source: &PiiCipher, target: &PiiCipher, n: usize) -> Result<(), TransferError> {
    let fields: &[(&str, Option<&str>)] = match table {
        "cases" => &[("caller_name_enc", None), ("caller_phone_enc", Some("caller_phone_hash"))],
        "call_events" => &[("caller_enc", Some("caller_hash"))],
        _ => return Ok(()),
    };
    for (enc, hash) in fields {
        let plain = match row.get(*enc).and_then(Json::as_str) {
            Some(stored) => Some(source.decrypt(stored).map_err(|_| {
                TransferError::new("pii_undecryptable", format!("line {n}: {table}.{enc} cannot be decrypted with the source key"))
            })?),
            None => None,
        };
        row.insert((*enc).into(), plain.as_deref().map(|p| Json::String(target.encrypt(p))).unwrap_or(Json::Null));
        if let Some(hash) = hash {
            // A hash under the old key finds nothing here: recompute it or drop it.
            row.insert((*hash).into(), plain.as_deref().map(|p| Json::String(target.lookup_hash(p))).unwrap_or(Json::Null));
        }
    }
    Ok(())
}

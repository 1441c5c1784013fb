//! The tamper-evident audit log, as pure rules: the canonical encoding of a record, the hash
//! that links it to the one before, and the walk that checks a stored chain link by link.
//!
//! One chain for the whole platform (not one per tenant): records of refusals and failed
//! logins often have no tenant, and the audit administrator verifies everything at once.
//! Each record carries its position (`seq`, 1, 2, 3 …), the hash of the record before it
//! (`prev_hash`) and its own hash, SHA-256 over the canonical encoding of its fields and
//! `prev_hash`. Changing a field breaks its own hash; deleting a record leaves a gap in `seq`;
//! inserting or reordering records breaks the `prev_hash` links; cutting off the newest
//! records leaves the chain short of its head (kept in its own row). Pruning old records keeps
//! the chain verifiable from an anchor: the position and `prev_hash` of the first record kept.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of the very first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Names the encoding, so a future change of fields can be told apart from tampering.
const VERSION: &str = "hotline-audit/v1";

/// The fields of one audit record that its hash covers: all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRecord<'a> {
    pub seq: i64,
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_kind: &'a str,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<&'a str>,
    /// `system`, `security` or `audit` for the three officers (三员), else none.
    pub actor_duty: Option<&'a str>,
    pub tenant_id: Option<Uuid>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
    pub ip: Option<&'a str>,
}

/// Appends `name=<len>:<value>\n`, or `name=-\n` for an absent value. Lengths (in bytes) make
/// the encoding unambiguous whatever the values contain (`=`, newlines, other fields' text).
fn field(out: &mut Vec<u8>, name: &str, value: Option<&str>) {
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    match value {
        Some(v) => {
            out.extend_from_slice(v.len().to_string().as_bytes());
            out.push(b':');
            out.extend_from_slice(v.as_bytes());
        }
        None => out.push(b'-'),
    }
    out.push(b'\n');
}

/// Microseconds, UTC, always the same width: what both databases keep.
fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl ChainRecord<'_> {
    /// The bytes the hash is taken over: the version, every field in a fixed order, and the
    /// hash of the record before.
    pub fn canonical(&self, prev_hash: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(VERSION.as_bytes());
        out.push(b'\n');
        let uuid = |u: Option<Uuid>| u.map(|u| u.hyphenated().to_string());
        field(&mut out, "seq", Some(&self.seq.to_string()));
        field(&mut out, "id", Some(&self.id.hyphenated().to_string()));
        field(&mut out, "at", Some(&timestamp(self.at)));
        field(&mut out, "actor_kind", Some(self.actor_kind));
        field(&mut out, "actor_id", uuid(self.actor_id).as_deref());
        field(&mut out, "actor_name", self.actor_name);
        field(&mut out, "actor_duty", self.actor_duty);
        field(&mut out, "tenant_id", uuid(self.tenant_id).as_deref());
        field(&mut out, "action", Some(self.action));
        field(&mut out, "target", self.target);
        field(&mut out, "outcome", Some(self.outcome));
        field(&mut out, "detail", self.detail);
        field(&mut out, "ip", self.ip);
        field(&mut out, "prev_hash", Some(prev_hash));
        out
    }

    /// SHA-256 of the canonical encoding, lower-case hex.
    pub fn hash(&self, prev_hash: &str) -> String {
        hex(&Sha256::digest(self.canonical(prev_hash)))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A record as stored: its fields and the two hashes kept beside them.
#[derive(Debug, Clone)]
pub struct StoredLink<'a> {
    pub record: ChainRecord<'a>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// The first place where a stored chain differs from what was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// A record's fields no longer give its stored hash: it was changed (or records were
    /// reordered, which changes their positions).
    Changed { seq: i64, id: Uuid },
    /// Position `seq` is empty: that record was deleted.
    Missing { seq: i64 },
    /// A record whose content is intact does not follow the record before it: a record was
    /// inserted, or records were moved.
    Unlinked { seq: i64, id: Uuid },
    /// A record sits before the anchor, or beyond the chain's head: it was inserted.
    Outside { seq: i64, id: Uuid },
    /// A record without a position (written around the chain): it was inserted.
    Unchained { id: Uuid },
    /// The newest record is not the head the chain recorded: records at the end were deleted,
    /// or the head was changed.
    HeadMismatch { expected_seq: i64, found_seq: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Changed { seq, id } => {
                write!(f, "record #{seq} ({id}) does not match its hash: it was changed (or records were reordered)")
            }
            ChainBreak::Missing { seq } => write!(f, "record #{seq} is missing: it was deleted"),
            ChainBreak::Unlinked { seq, id } => {
                write!(f, "record #{seq} ({id}) does not follow record #{}: a record was inserted or moved", seq - 1)
            }
            ChainBreak::Outside { seq, id } => write!(f, "record #{seq} ({id}) lies outside the chain: it was inserted"),
            ChainBreak::Unchained { id } => write!(f, "record {id} has no place in the chain: it was inserted"),
            ChainBreak::HeadMismatch { expected_seq, found_seq } => write!(
                f,
                "the chain ends at record #{found_seq} but its head is #{expected_seq}: the newest records were deleted or the head was changed"
            ),
        }
    }
}

/// Walks a chain in `seq` order from its anchor, one stored record at a time.
#[derive(Debug, Clone)]
pub struct ChainWalk {
    next_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl ChainWalk {
    /// Starts at the anchor: the position of the first record kept and its `prev_hash`
    /// (`1` and [`GENESIS`] until records are pruned).
    pub fn from_anchor(first_seq: i64, prev_hash: &str) -> Self {
        Self { next_seq: first_seq, prev_hash: prev_hash.to_owned(), checked: 0 }
    }

    /// Checks the next record in `seq` order.
    pub fn push(&mut self, link: &StoredLink<'_>) -> Result<(), ChainBreak> {
        let (seq, id) = (link.record.seq, link.record.id);
        if seq < self.next_seq {
            return Err(ChainBreak::Outside { seq, id });
        }
        if seq > self.next_seq {
            return Err(ChainBreak::Missing { seq: self.next_seq });
        }
        if link.record.hash(link.prev_hash) != link.hash {
            return Err(ChainBreak::Changed { seq, id });
        }
        if link.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq, id });
        }
        self.prev_hash = link.hash.to_owned();
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// Ends the walk against the recorded head; returns how many records were checked.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        let last = self.next_seq - 1;
        if last < head_seq {
            return Err(ChainBreak::Missing { seq: self.next_seq });
        }
        if last > head_seq || self.prev_hash != head_hash {
            return Err(ChainBreak::HeadMismatch { expected_seq: head_seq, found_seq: last });
        }
        Ok(self.checked)
    }

    /// The hash the next record must name as its `prev_hash`.
    pub fn prev_hash(&self) -> &str {
        &self.prev_hash
    }

    pub fn next_seq(&self) -> i64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests;

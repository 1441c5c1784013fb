use chrono::TimeZone;

use super::*;

struct Owned {
    seq: i64,
    id: Uuid,
    at: DateTime<Utc>,
    action: String,
    detail: Option<String>,
    prev_hash: String,
    hash: String,
}

impl Owned {
    fn record(&self) -> ChainRecord<'_> {
        ChainRecord {
            seq: self.seq,
            id: self.id,
            at: self.at,
            actor_kind: "user",
            actor_id: Some(Uuid::from_u128(7)),
            actor_name: Some("city_admin"),
            actor_duty: Some("system"),
            tenant_id: None,
            action: &self.action,
            target: Some("12319"),
            outcome: "success",
            detail: self.detail.as_deref(),
            ip: Some("127.0.0.1"),
        }
    }

    fn link(&self) -> StoredLink<'_> {
        StoredLink { record: self.record(), prev_hash: &self.prev_hash, hash: &self.hash }
    }
}

/// A well-formed chain of `n` records.
fn chain(n: i64) -> Vec<Owned> {
    let mut out: Vec<Owned> = Vec::new();
    let mut prev = GENESIS.to_owned();
    for seq in 1..=n {
        let mut r = Owned {
            seq,
            id: Uuid::from_u128(seq as u128),
            at: Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, seq as u32).unwrap(),
            action: format!("user.update.{seq}"),
            detail: Some(format!("change {seq}")),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        r.hash = r.record().hash(&prev);
        prev = r.hash.clone();
        out.push(r);
    }
    out
}

fn walk(records: &[Owned], head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
    let mut w = ChainWalk::from_anchor(1, GENESIS);
    for r in records {
        w.push(&r.link())?;
    }
    w.finish(head_seq, head_hash)
}

#[test]
fn an_untouched_chain_verifies() {
    let c = chain(5);
    assert_eq!(walk(&c, 5, &c[4].hash), Ok(5));
    assert_eq!(walk(&[], 0, GENESIS), Ok(0), "an empty chain is valid");
}

#[test]
fn hashes_are_hex_sha256_and_depend_on_every_field() {
    let c = chain(1);
    let base = c[0].record();
    let h = base.hash(GENESIS);
    assert_eq!(h.len(), 64);
    assert!(h.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    let variants: Vec<ChainRecord<'_>> = vec![
        ChainRecord { seq: 2, ..base.clone() },
        ChainRecord { id: Uuid::from_u128(99), ..base.clone() },
        ChainRecord { at: base.at + chrono::TimeDelta::microseconds(1), ..base.clone() },
        ChainRecord { actor_kind: "api_key", ..base.clone() },
        ChainRecord { actor_id: None, ..base.clone() },
        ChainRecord { actor_name: Some("city_admin "), ..base.clone() },
        ChainRecord { actor_duty: None, ..base.clone() },
        ChainRecord { tenant_id: Some(Uuid::from_u128(1)), ..base.clone() },
        ChainRecord { action: "user.create", ..base.clone() },
        ChainRecord { target: None, ..base.clone() },
        ChainRecord { outcome: "denied", ..base.clone() },
        ChainRecord { detail: Some(""), ..base.clone() },
        ChainRecord { ip: Some("127.0.0.2"), ..base.clone() },
    ];
    for v in &variants {
        assert_ne!(v.hash(GENESIS), h, "{v:?}");
    }
    assert_ne!(base.hash("1".repeat(64).as_str()), h, "the previous hash is covered");
}

#[test]
fn the_encoding_cannot_be_shifted_between_fields() {
    // Text moved from one field into its neighbour must not give the same bytes.
    let c = chain(1);
    let a = ChainRecord { target: Some("a\ndetail=1:b"), detail: None, ..c[0].record() };
    let b = ChainRecord { target: Some("a"), detail: Some("b"), ..c[0].record() };
    assert_ne!(a.canonical(GENESIS), b.canonical(GENESIS));
    let none = ChainRecord { detail: None, ..c[0].record() };
    let dash = ChainRecord { detail: Some("-"), ..c[0].record() };
    assert_ne!(none.canonical(GENESIS), dash.canonical(GENESIS), "absent is not the text '-'");
}

#[test]
fn a_changed_field_is_named_by_its_position() {
    let mut c = chain(5);
    c[2].detail = Some("covered up".into());
    assert_eq!(walk(&c, 5, &c[4].hash.clone()), Err(ChainBreak::Changed { seq: 3, id: Uuid::from_u128(3) }));
}

#[test]
fn a_deleted_record_leaves_a_gap() {
    let mut c = chain(5);
    let head = c[4].hash.clone();
    c.remove(1);
    assert_eq!(walk(&c, 5, &head), Err(ChainBreak::Missing { seq: 2 }));
}

#[test]
fn deleting_the_newest_records_falls_short_of_the_head() {
    let mut c = chain(5);
    let head = c[4].hash.clone();
    c.truncate(3);
    assert_eq!(walk(&c, 5, &head), Err(ChainBreak::Missing { seq: 4 }));
}

#[test]
fn swapped_records_break_at_the_first_of_them() {
    let mut c = chain(5);
    let head = c[4].hash.clone();
    // Give record 4 the position of record 3 and back: the content moved, the places did not.
    c.swap(2, 3);
    c[2].seq = 3;
    c[3].seq = 4;
    assert_eq!(walk(&c, 5, &head), Err(ChainBreak::Changed { seq: 3, id: Uuid::from_u128(4) }));
}

#[test]
fn a_forged_record_that_hashes_right_still_does_not_link() {
    // The hash function is public: a forger can make a record consistent with itself, but not
    // with its predecessor's hash and its successor's prev_hash at once.
    let mut c = chain(5);
    let head = c[4].hash.clone();
    c[2].detail = Some("forged".into());
    c[2].hash = c[2].record().hash(&c[2].prev_hash);
    assert_eq!(walk(&c, 5, &head), Err(ChainBreak::Unlinked { seq: 4, id: Uuid::from_u128(4) }));
}

#[test]
fn a_record_inserted_at_the_end_exceeds_the_head() {
    let mut c = chain(3);
    let head = c[2].hash.clone();
    let mut extra = chain(4).pop().unwrap();
    extra.prev_hash = head.clone();
    extra.hash = extra.record().hash(&head);
    c.push(extra);
    assert_eq!(walk(&c, 3, &head), Err(ChainBreak::HeadMismatch { expected_seq: 3, found_seq: 4 }));
}

#[test]
fn a_pruned_chain_verifies_from_its_anchor() {
    let c = chain(6);
    let mut w = ChainWalk::from_anchor(4, &c[2].hash);
    for r in &c[3..] {
        w.push(&r.link()).unwrap();
    }
    assert_eq!(w.finish(6, &c[5].hash), Ok(3));
    // A record from before the anchor is out of place.
    let mut w = ChainWalk::from_anchor(4, &c[2].hash);
    assert_eq!(w.push(&c[1].link()), Err(ChainBreak::Outside { seq: 2, id: Uuid::from_u128(2) }));
    // A wrong anchor is caught at the first record.
    let mut w = ChainWalk::from_anchor(4, GENESIS);
    assert_eq!(w.push(&c[3].link()), Err(ChainBreak::Unlinked { seq: 4, id: Uuid::from_u128(4) }));
}

#[test]
fn breaks_explain_themselves() {
    let text = ChainBreak::Missing { seq: 7 }.to_string();
    assert!(text.contains("#7") && text.contains("deleted"), "{text}");
    let text = ChainBreak::Changed { seq: 3, id: Uuid::from_u128(3) }.to_string();
    assert!(text.contains("changed"), "{text}");
}

#[test]
fn timestamps_are_encoded_to_the_microsecond() {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::TimeDelta::microseconds(7);
    assert_eq!(timestamp(at), "2026-01-02T03:04:05.000007Z");
}

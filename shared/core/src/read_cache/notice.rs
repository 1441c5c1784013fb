//! The payloads of the channel `hotline_cache` (migrations 000053 and 000054 send the first
//! three, a waiting request the fourth).

use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// `c<id>,<id>…`: these cases (or their participants) changed.
    Cases(Vec<Uuid>),
    /// `t<id>,<id>…`: the lists of these lines changed.
    Lines(Vec<Uuid>),
    /// `k<id>,<id>…`: cases these accounts or keys brought in changed.
    Creators(Vec<Uuid>),
    /// `s<process>:<seq>`: a request of `process` waits for this notice ([`super::ReadCache::sync`]).
    Sync { process: Uuid, seq: u64 },
}

impl Notice {
    pub fn parse(payload: &str) -> Result<Notice, String> {
        let ids = |rest: &str| -> Result<Vec<Uuid>, String> {
            rest.split(',').map(|s| Uuid::parse_str(s.trim()).map_err(|e| format!("'{s}' is not a uuid: {e}"))).collect()
        };
        match payload.split_at_checked(1) {
            Some(("c", rest)) => ids(rest).map(Notice::Cases),
            Some(("t", rest)) => ids(rest).map(Notice::Lines),
            Some(("k", rest)) => ids(rest).map(Notice::Creators),
            Some(("s", rest)) => {
                let (process, seq) = rest.split_once(':').ok_or("a sync notice is s<process>:<seq>")?;
                let process = Uuid::parse_str(process).map_err(|e| format!("sync process: {e}"))?;
                let seq = seq.parse().map_err(|e| format!("sync sequence: {e}"))?;
                Ok(Notice::Sync { process, seq })
            }
            _ => Err("a notice starts with c, t, k or s".into()),
        }
    }

    pub fn sync(process: Uuid, seq: u64) -> String {
        format!("s{process}:{seq}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_of_the_triggers_and_of_a_sync_read_back() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(Notice::parse(&format!("c{a},{b}")), Ok(Notice::Cases(vec![a, b])));
        assert_eq!(Notice::parse(&format!("t{a}")), Ok(Notice::Lines(vec![a])));
        assert_eq!(Notice::parse(&format!("k{b}")), Ok(Notice::Creators(vec![b])));
        assert_eq!(Notice::parse(&Notice::sync(a, 42)), Ok(Notice::Sync { process: a, seq: 42 }));
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        for (payload, why) in [
            ("", "starts with"),
            ("x123", "starts with"),
            ("c", "not a uuid"),
            ("cnot-a-uuid", "not a uuid"),
            ("t00000000-0000-0000-0000-000000000001,", "not a uuid"),
            ("s00000000-0000-0000-0000-000000000001", "s<process>:<seq>"),
            ("s00000000-0000-0000-0000-000000000001:x", "sync sequence"),
            ("sabc:1", "sync process"),
            ("é", "starts with"),
        ] {
            let err = Notice::parse(payload).unwrap_err();
            assert!(err.contains(why), "{payload}: {err}");
        }
    }
}

//! Integrator keys read once per few seconds instead of once per request. An integrator sends
//! thousands of requests a second with the same key; each lookup was a query before any work.
//! A revoke drops the entry here at once and, through the routing channel, on the other
//! instances; if that message is lost, an entry still expires after [`TTL`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use hotline_store::entities::api_key;

/// How long a key read from the database is trusted without reading it again.
pub const TTL: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct ApiKeyCache {
    entries: RwLock<HashMap<String, (Arc<api_key::Model>, Instant)>>,
}

impl ApiKeyCache {
    /// The key with this prefix, if read less than [`TTL`] ago.
    pub fn get(&self, prefix: &str) -> Option<Arc<api_key::Model>> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries.get(prefix).filter(|(_, at)| at.elapsed() < TTL).map(|(k, _)| k.clone())
    }

    pub fn put(&self, mut key: api_key::Model) -> Arc<api_key::Model> {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        // Requests that missed together load the row together, some before a use claimed by
        // one of them is written: a stale copy must not take back that claim, or each of them
        // claims and writes it again (58 writes of one row at the start of a storm, measured).
        if let Some((cached, _)) = entries.get(&key.prefix) {
            key.last_used_at = key.last_used_at.max(cached.last_used_at);
        }
        let key = Arc::new(key);
        // Expired entries go when a key is (re)loaded, so the map holds recently used keys only.
        entries.retain(|_, (_, at)| at.elapsed() < TTL);
        entries.insert(key.prefix.clone(), (key.clone(), Instant::now()));
        key
    }

    /// Whether this caller records the key's use at `at`: true for the first caller once the
    /// recorded use is older than `every`, which the entry takes as its new use at once. The
    /// requests in flight beside it (hundreds in a storm) then see a fresh use and do not queue
    /// up to update the same row. A key not in the cache is always recorded.
    pub fn claim_touch(&self, prefix: &str, at: chrono::DateTime<chrono::Utc>, every: chrono::TimeDelta) -> bool {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let Some((key, _)) = entries.get_mut(prefix) else { return true };
        if key.last_used_at.is_some_and(|t| at - t <= every) {
            return false;
        }
        let mut k = (**key).clone();
        k.last_used_at = Some(at);
        *key = Arc::new(k);
        true
    }

    pub fn forget(&self, prefix: &str) {
        self.entries.write().unwrap_or_else(|p| p.into_inner()).remove(prefix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(prefix: &str) -> api_key::Model {
        api_key::Model {
            id: uuid::Uuid::now_v7(),
            tenant_id: uuid::Uuid::now_v7(),
            name: "k".into(),
            prefix: prefix.into(),
            key_hash: "h".into(),
            created_by: None,
            created_at: chrono::Utc::now(),
            last_used_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn a_cached_key_is_found_until_forgotten() {
        let cache = ApiKeyCache::default();
        assert!(cache.get("abc").is_none());
        cache.put(key("abc"));
        assert_eq!(cache.get("abc").map(|k| k.prefix.clone()).as_deref(), Some("abc"));
        assert!(cache.get("abd").is_none());
        cache.forget("abc");
        assert!(cache.get("abc").is_none());
    }

    #[test]
    fn only_the_first_caller_after_a_minute_records_the_use() {
        let cache = ApiKeyCache::default();
        let minute = chrono::TimeDelta::minutes(1);
        assert!(cache.claim_touch("abc", chrono::Utc::now(), minute), "a key not cached is recorded");
        cache.put(key("abc"));
        let at = chrono::Utc::now();
        assert!(cache.claim_touch("abc", at, minute), "never used: the first caller records");
        assert_eq!(cache.get("abc").and_then(|k| k.last_used_at), Some(at));
        assert!(!cache.claim_touch("abc", at, minute), "a caller beside it does not");
        assert!(!cache.claim_touch("abc", at + minute, minute), "nor within the minute");
        let later = at + minute + chrono::TimeDelta::seconds(1);
        assert!(cache.claim_touch("abc", later, minute));
        assert_eq!(cache.get("abc").and_then(|k| k.last_used_at), Some(later));
    }

    #[test]
    fn a_row_read_before_the_claimed_use_was_written_does_not_take_the_claim_back() {
        let cache = ApiKeyCache::default();
        let minute = chrono::TimeDelta::minutes(1);
        cache.put(key("abc"));
        let at = chrono::Utc::now();
        assert!(cache.claim_touch("abc", at, minute));
        // A request beside it had read the row before the write: never used.
        let stale = cache.put(key("abc"));
        assert_eq!(stale.last_used_at, Some(at), "the copy handed back keeps the claimed use");
        assert!(!cache.claim_touch("abc", at, minute), "so nobody claims it again");
        // A newer use read from the database (another instance wrote it) wins.
        let mut newer = key("abc");
        newer.last_used_at = Some(at + minute);
        assert_eq!(cache.put(newer).last_used_at, Some(at + minute));
    }
}

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

    pub fn put(&self, key: api_key::Model) -> Arc<api_key::Model> {
        let key = Arc::new(key);
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        // Expired entries go when a key is (re)loaded, so the map holds recently used keys only.
        entries.retain(|_, (_, at)| at.elapsed() < TTL);
        entries.insert(key.prefix.clone(), (key.clone(), Instant::now()));
        key
    }

    /// Keeps the entry but records a newer use (so the once-a-minute touch is not repeated).
    pub fn touched(&self, prefix: &str, at: chrono::DateTime<chrono::Utc>) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if let Some((key, _)) = entries.get_mut(prefix) {
            let mut k = (**key).clone();
            k.last_used_at = Some(at);
            *key = Arc::new(k);
        }
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
    fn a_touch_updates_the_cached_last_use() {
        let cache = ApiKeyCache::default();
        cache.put(key("abc"));
        let at = chrono::Utc::now();
        cache.touched("abc", at);
        assert_eq!(cache.get("abc").and_then(|k| k.last_used_at), Some(at));
    }
}

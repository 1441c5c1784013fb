use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{Kv, KvResult};

/// The embedded profile's store. Expiry uses the monotonic clock; entries are dropped lazily
/// and by a sweep whenever the map has grown past a threshold.
#[derive(Debug, Default)]
pub struct MemoryKv {
    map: Mutex<HashMap<String, (String, Instant)>>,
}

const SWEEP_ABOVE: usize = 10_000;

impl MemoryKv {
    fn with_map<T>(&self, f: impl FnOnce(&mut HashMap<String, (String, Instant)>) -> T) -> T {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > SWEEP_ABOVE {
            let now = Instant::now();
            map.retain(|_, (_, exp)| *exp > now);
        }
        f(&mut map)
    }
}

#[async_trait::async_trait]
impl Kv for MemoryKv {
    async fn get(&self, key: &str) -> KvResult<Option<String>> {
        Ok(self.with_map(|m| match m.get(key) {
            Some((v, exp)) if *exp > Instant::now() => Some(v.clone()),
            _ => None,
        }))
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> KvResult<()> {
        self.with_map(|m| m.insert(key.to_owned(), (value.to_owned(), Instant::now() + ttl)));
        Ok(())
    }

    async fn delete(&self, key: &str) -> KvResult<()> {
        self.with_map(|m| m.remove(key));
        Ok(())
    }

    async fn increment(&self, key: &str, ttl: Duration) -> KvResult<i64> {
        Ok(self.with_map(|m| {
            let now = Instant::now();
            let entry = m.entry(key.to_owned()).or_insert_with(|| ("0".into(), now + ttl));
            if entry.1 <= now {
                *entry = ("0".into(), now + ttl);
            }
            let n = entry.0.parse::<i64>().unwrap_or(0) + 1;
            entry.0 = n.to_string();
            n
        }))
    }

    async fn ping(&self) -> KvResult<()> {
        Ok(())
    }

    async fn publish(&self, _channel: &str, _message: &str) -> KvResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_expire_and_counters_count() {
        let kv = MemoryKv::default();
        kv.set("a", "1", Duration::from_secs(60)).await.unwrap();
        assert_eq!(kv.get("a").await.unwrap().as_deref(), Some("1"));
        kv.set("b", "2", Duration::ZERO).await.unwrap();
        assert_eq!(kv.get("b").await.unwrap(), None);
        assert_eq!(kv.increment("c", Duration::from_secs(60)).await.unwrap(), 1);
        assert_eq!(kv.increment("c", Duration::from_secs(60)).await.unwrap(), 2);
        kv.delete("c").await.unwrap();
        assert_eq!(kv.increment("c", Duration::from_secs(60)).await.unwrap(), 1);
    }
}

//! A small key-value store for state shared by API replicas: throttling counters, rate limits,
//! short-lived locks. Redis in production; an in-process map in the embedded profile (which
//! runs one process, so nothing needs sharing).

mod budget;
mod memory;
mod redis_kv;

use std::sync::Arc;
use std::time::Duration;

pub use budget::{Spend, spend};
pub use memory::MemoryKv;
pub use redis_kv::{RedisKv, subscribe};

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("key-value store unavailable: {0}")]
    Unavailable(String),
}

pub type KvResult<T> = Result<T, KvError>;

#[async_trait::async_trait]
pub trait Kv: Send + Sync + std::fmt::Debug {
    async fn get(&self, key: &str) -> KvResult<Option<String>>;
    /// Stores `value` under `key`, expiring after `ttl`.
    async fn set(&self, key: &str, value: &str, ttl: Duration) -> KvResult<()>;
    async fn delete(&self, key: &str) -> KvResult<()>;
    /// Adds one to the counter at `key` and returns the new value; a new counter expires after
    /// `ttl` (fixed window).
    async fn increment(&self, key: &str, ttl: Duration) -> KvResult<i64>;
    async fn ping(&self) -> KvResult<()>;
    /// Announces `message` on `channel` to every instance (no-op in-process: one instance).
    async fn publish(&self, channel: &str, message: &str) -> KvResult<()>;
}

pub type SharedKv = Arc<dyn Kv>;

/// Connects to Redis when a URL is given, otherwise returns the in-process store.
/// `prefix` is put before every key so deployments and test runs sharing one Redis never collide.
pub async fn connect(redis_url: Option<&str>, prefix: &str) -> KvResult<SharedKv> {
    match redis_url {
        Some(url) => Ok(Arc::new(RedisKv::connect(url, prefix).await?)),
        None => Ok(Arc::new(MemoryKv::default())),
    }
}

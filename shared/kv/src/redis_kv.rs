use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use crate::{Kv, KvError, KvResult};

/// Redis through a reconnecting connection manager. Every key gets the deployment's prefix.
#[derive(Clone)]
pub struct RedisKv {
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKv").field("prefix", &self.prefix).finish()
    }
}

fn unavailable(e: redis::RedisError) -> KvError {
    KvError::Unavailable(e.to_string())
}

fn millis(ttl: Duration) -> u64 {
    (ttl.as_millis() as u64).max(1)
}

impl RedisKv {
    pub async fn connect(url: &str, prefix: &str) -> KvResult<Self> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let conn = tokio::time::timeout(Duration::from_secs(5), ConnectionManager::new(client))
            .await
            .map_err(|_| KvError::Unavailable(format!("no answer from {url} within 5 s")))?
            .map_err(unavailable)?;
        Ok(Self { conn, prefix: prefix.to_owned() })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    /// Deletes every key under this store's prefix (test clean-up).
    pub async fn delete_all(&self) -> KvResult<()> {
        let mut conn = self.conn.clone();
        let pattern = format!("{}*", self.prefix);
        let keys: Vec<String> = {
            let mut iter: redis::AsyncIter<String> = conn.scan_match(&pattern).await.map_err(unavailable)?;
            let mut keys = Vec::new();
            while let Some(k) = iter.next_item().await {
                keys.push(k.map_err(unavailable)?);
            }
            keys
        };
        if !keys.is_empty() {
            let _: () = conn.del(keys).await.map_err(unavailable)?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Kv for RedisKv {
    async fn get(&self, key: &str) -> KvResult<Option<String>> {
        self.conn.clone().get(self.key(key)).await.map_err(unavailable)
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> KvResult<()> {
        redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> KvResult<()> {
        self.conn.clone().del(self.key(key)).await.map_err(unavailable)
    }

    async fn increment(&self, key: &str, ttl: Duration) -> KvResult<i64> {
        // INCR and the first PEXPIRE in one script, so a crash between them cannot leave a
        // counter that never expires.
        let script =
            redis::Script::new("local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n");
        script.key(self.key(key)).arg(millis(ttl)).invoke_async(&mut self.conn.clone()).await.map_err(unavailable)
    }

    async fn publish(&self, channel: &str, message: &str) -> KvResult<()> {
        self.conn.clone().publish(self.key(channel), message).await.map_err(unavailable)
    }

    async fn ping(&self) -> KvResult<()> {
        redis::cmd("PING").query_async::<String>(&mut self.conn.clone()).await.map(|_| ()).map_err(unavailable)
    }
}

/// Listens on `channel` (under `prefix`) and calls `on_message` for each message, reconnecting
/// after a lost connection. Runs until the process ends.
pub fn subscribe(url: String, prefix: String, channel: String, on_message: impl Fn(String) + Send + Sync + 'static) {
    tokio::spawn(async move {
        use futures_util::StreamExt;
        let full = format!("{prefix}{channel}");
        loop {
            let result: Result<(), redis::RedisError> = async {
                let client = redis::Client::open(url.as_str())?;
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.subscribe(&full).await?;
                let mut stream = pubsub.on_message();
                while let Some(msg) = stream.next().await {
                    if let Ok(text) = msg.get_payload::<String>() {
                        on_message(text);
                    }
                }
                Ok(())
            }
            .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "redis subscription lost; reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

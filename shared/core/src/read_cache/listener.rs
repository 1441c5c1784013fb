//! The connection that listens for change notices, and the requests that wait for their own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotline_store::sea_orm::sqlx::postgres::PgListener;
use hotline_store::sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::{CHANNEL, Notice, ReadCache, SYNC_TIMEOUT, lock};

/// How long the listener waits before it connects again after losing its connection.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

/// Requests of this process waiting for their sync notice.
pub(super) struct Syncs {
    pub(super) process: Uuid,
    next: AtomicU64,
    pub(super) waiting: Mutex<HashMap<u64, oneshot::Sender<()>>>,
}

impl Default for Syncs {
    fn default() -> Self {
        Syncs { process: Uuid::now_v7(), next: AtomicU64::new(0), waiting: Mutex::new(HashMap::new()) }
    }
}

impl Syncs {
    /// A sync notice arrived; if it is one of ours, its request may answer. (Other processes'
    /// syncs reach every listener and are ignored.)
    pub(super) fn arrived(&self, process: Uuid, seq: u64) {
        if process != self.process {
            return;
        }
        if let Some(waiter) = lock(&self.waiting).remove(&seq) {
            let _ = waiter.send(());
        }
    }
}

impl ReadCache {
    /// Returns once this process's listener has taken in every change notice committed before
    /// the call (see the module's "Reading one's own writes"). Nothing to wait for when the
    /// cache keeps nothing. If the notice does not come back in time, or cannot be sent, the
    /// cache is emptied instead: the request still never reads a stale answer.
    pub async fn sync(&self, db: &DatabaseConnection) {
        if !self.is_live() {
            return;
        }
        self.counters.syncs.fetch_add(1, Ordering::Relaxed);
        let seq = self.syncs.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.syncs.waiting).insert(seq, tx);
        let notify = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), Notice::sync(self.syncs.process, seq).into()],
        );
        let failure = match db.execute_raw(notify).await {
            Err(e) => Some(format!("could not send it: {e}")),
            Ok(_) => match tokio::time::timeout(SYNC_TIMEOUT, rx).await {
                Ok(Ok(())) => None,
                Ok(Err(_)) => Some("the listener stopped".into()),
                Err(_) => Some(format!("it did not arrive within {SYNC_TIMEOUT:?}")),
            },
        };
        if let Some(why) = failure {
            lock(&self.syncs.waiting).remove(&seq);
            tracing::warn!(reason = %why, "a request's cache sync notice failed; the read cache is emptied");
            self.flush();
        }
    }
}

/// Listens on [`CHANNEL`] for as long as the process runs, on a connection of its own (not
/// one of the pool's, which carry a tenant scope). The cache is live only while it listens.
pub fn start(cache: Arc<ReadCache>, database_url: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match listen(&database_url).await {
                Ok(mut listener) => {
                    cache.set_live(true);
                    tracing::info!("the read cache listens for case changes");
                    let lost = loop {
                        match listener.try_recv().await {
                            Ok(Some(n)) => {
                                let _open = cache.gate.read().await;
                                cache.apply(n.payload())
                            }
                            Ok(None) => break "the connection closed".to_owned(),
                            Err(e) => break e.to_string(),
                        }
                    };
                    cache.set_live(false);
                    tracing::warn!(reason = %lost, "the read cache stopped listening; reads go to the database until it listens again");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the read cache cannot listen for case changes; reads go to the database");
                }
            }
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    })
}

async fn listen(url: &str) -> Result<PgListener, hotline_store::sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    // A lost connection must end the loop above (the cache is emptied), not be replaced
    // silently with the notices of the gap missing.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

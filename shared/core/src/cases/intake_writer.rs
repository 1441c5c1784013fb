//! Group commit for intake. A disk makes about as many durable commits a second as it makes
//! fsyncs (here ~1,700), and every intake of a tenant's day also updates the same sequence and
//! counter rows, so one transaction per request caps intake far below a storm's rate. Requests
//! are checked, routed and prepared in parallel; one writer task (on a thread and connections
//! of its own, see [`IntakeWriter::start_dedicated`]) takes whatever has queued up (up to
//! [`MAX_BATCH`]) and stores it in one transaction, all its new rows in one statement on
//! PostgreSQL.
//! Each request is answered only after that commit: an acknowledged case is durable.
//!
//! A statement that fails in a batch is retried one intake at a time, so one bad intake cannot
//! fail the others; a failed commit fails the whole batch (nothing was acknowledged, and
//! retries with the same `Idempotency-Key` find what did get stored).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use hotline_store::entities::{case, case_event, idempotency_key, outbox, routing_decision};
use hotline_store::stats::Increment;
use hotline_store::{DatabaseConnection, StoreError, bulk, cases, intake, support};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use hotline_domain::case::tracking_number;

use super::intake::IntakeReceipt;
use crate::{CoreError, CoreResult};

/// Intakes per transaction at most (a case row has 52 columns; SQLite binds at most 32,766
/// parameters per statement and the bulk insert takes 500 rows per statement there).
pub const MAX_BATCH: usize = 256;
/// Requests waiting for the writer before new ones wait to enqueue (back-pressure).
const QUEUE: usize = 4 * MAX_BATCH;

/// Everything an intake writes, prepared by the request; the writer adds the tracking number.
pub(crate) struct Prepared {
    /// The receiving tenant's code and local day: the daily sequence of the tracking number.
    pub code: String,
    pub day: chrono::NaiveDate,
    pub row: case::Model,
    pub decision: routing_decision::Model,
    pub event: case_event::Model,
    pub increments: Vec<Increment>,
    /// Messages to send, rendered once the case has its tracking number.
    pub notices: Vec<Notice>,
    /// (tenant, call id) of the CTI call to link.
    pub call: Option<(Uuid, String)>,
    /// (scope, key, request hash) when the request carried an `Idempotency-Key`.
    pub key: Option<(String, String, String)>,
    pub receipt: IntakeReceipt,
}

/// One e-mail an intake sends (through the outbox, in the intake's transaction).
pub(crate) struct Notice {
    pub to: String,
    pub kind: hotline_notify::templates::Kind,
    pub detail: Option<String>,
}

impl Prepared {
    fn sequence(&self) -> String {
        format!("{}-{}", self.code, self.day.format("%Y%m%d"))
    }
}

/// What became of a prepared intake.
#[derive(Debug)]
pub(crate) enum Written {
    /// Stored and committed.
    Stored(IntakeReceipt),
    /// Another request with the same key was stored first (in this batch: its receipt and
    /// request hash; elsewhere: read it back from the idempotency record).
    Twin { receipt: Option<IntakeReceipt>, request_hash: String },
}

type Job = (Prepared, oneshot::Sender<CoreResult<Written>>);

/// The handle requests submit to; the writer task ends when the last handle is dropped.
pub struct IntakeWriter {
    tx: mpsc::Sender<Job>,
    stats: Arc<WriterStats>,
}

/// What the writer has done since the process started (`/metrics`): the mean batch size and
/// the share of time the writer is busy tell an operator whether group commit is the limit.
#[derive(Debug, Default)]
struct WriterStats {
    batches: AtomicU64,
    intakes: AtomicU64,
    busy_micros: AtomicU64,
}

/// A reading of [`WriterStats`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriterReading {
    /// Batches written (each one transaction, or one per intake after a failed statement).
    pub batches: u64,
    /// Intakes those batches held, stored or not.
    pub intakes: u64,
    /// Seconds the writer spent writing batches (from the first statement to the replies).
    pub busy_seconds: f64,
}

impl WriterStats {
    fn record(&self, intakes: usize, started: Instant) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.intakes.fetch_add(intakes as u64, Ordering::Relaxed);
        self.busy_micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    }
}

impl IntakeWriter {
    /// The handle and the queue its writer task reads.
    fn handle() -> (Self, mpsc::Receiver<Job>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (IntakeWriter { tx, stats: Arc::default() }, rx)
    }

    /// Starts the writer on a thread of its own, with a runtime and connections of its own
    /// (`url`, `pool`). Why: on the service's runtime the writer's every round
    /// trip waited behind the requests being prepared (those threads poll the sockets only
    /// between tasks); measured at 64 intakes a batch, the statements around the big insert
    /// took 4-5x their idle time, and the writer was busy all the time (docs/BENCHMARKS.md,
    /// 2026-12-07 fourth session). Its own thread sleeps on its own sockets and runs as soon as
    /// the database answers. Fails if the database cannot be reached.
    pub async fn start_dedicated(url: &str, pool: hotline_store::PoolSettings) -> CoreResult<Self> {
        let (writer, rx) = Self::handle();
        let (ready_tx, ready_rx) = oneshot::channel();
        let url = url.to_owned();
        let stats = writer.stats.clone();
        std::thread::Builder::new()
            .name("intake-writer".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(r) => r,
                    Err(e) => return drop(ready_tx.send(Err(CoreError::Internal(format!("the intake writer's runtime: {e}"))))),
                };
                runtime.block_on(async move {
                    // Its connections serve the platform only: told so once, not per batch.
                    let db = match hotline_store::connect_scoped(&url, pool, hotline_store::scope::Scope::Platform).await {
                        Ok(store) => store.db,
                        Err(e) => return drop(ready_tx.send(Err(CoreError::Unavailable(format!("the intake writer's database: {e}"))))),
                    };
                    let _ = ready_tx.send(Ok(()));
                    run(db, rx, stats).await;
                });
            })
            .map_err(|e| CoreError::Internal(format!("cannot start the intake writer's thread: {e}")))?;
        ready_rx.await.map_err(|_| CoreError::Internal("the intake writer's thread ended at start".into()))??;
        Ok(writer)
    }

    /// The writer's counters now.
    pub fn reading(&self) -> WriterReading {
        WriterReading {
            batches: self.stats.batches.load(Ordering::Relaxed),
            intakes: self.stats.intakes.load(Ordering::Relaxed),
            busy_seconds: self.stats.busy_micros.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }

    pub(crate) async fn write(&self, p: Prepared) -> CoreResult<Written> {
        let (reply, answer) = oneshot::channel();
        let stopped = || CoreError::Unavailable("the intake writer has stopped".into());
        self.tx.send((p, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The writer task. Group commits hold intakes of every line (and of citizens, who have
/// none), so it runs under the platform scope.
async fn run(db: DatabaseConnection, rx: mpsc::Receiver<Job>, stats: Arc<WriterStats>) {
    hotline_store::scope::platform(write_batches(db, rx, stats)).await
}

async fn write_batches(db: DatabaseConnection, mut rx: mpsc::Receiver<Job>, stats: Arc<WriterStats>) {
    // One batch at a time. A second batch in flight was tried (2026-12-07): it waits for the
    // first one's lock on the day's sequence row (taken early, held to the commit so numbers
    // run without gaps), so the heavy part did not overlap, and each intake cost more CPU in
    // both the service and the database (docs/BENCHMARKS.md, 2026-12-07 third session).
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let size = jobs.len();
        let (prepared, replies): (Vec<Prepared>, Vec<_>) = jobs.into_iter().unzip();
        // In its own task: a panic fails this batch's requests, not the writer.
        let db = db.clone();
        match tokio::spawn(hotline_store::scope::platform(async move { write_all(&db, prepared).await })).await {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "an intake batch failed unexpectedly");
                for reply in replies {
                    let _ = reply.send(Err(CoreError::Internal("the intake batch failed".into())));
                }
            }
        }
        stats.record(size, started);
    }
}

/// The batch in one transaction; after a failed statement, each intake alone (unless the
/// database is unavailable: each would fail the same way, one acquire timeout after another).
async fn write_all(db: &DatabaseConnection, batch: Vec<Prepared>) -> Vec<CoreResult<Written>> {
    let n = batch.len();
    match write_batch(db, batch).await {
        Ok(results) => results.into_iter().map(Ok).collect(),
        Err((Failure::Statement(e), batch)) if n > 1 && !matches!(e, StoreError::Unavailable(_)) => {
            tracing::warn!(error = %e, intakes = n, "an intake batch failed; storing its intakes one by one");
            let mut out = Vec::with_capacity(n);
            for p in batch {
                out.push(match write_batch(db, vec![p]).await {
                    Ok(mut one) => Ok(one.remove(0)),
                    Err((failure, _)) => Err(failure.error()),
                });
            }
            out
        }
        Err((failure, _)) => (0..n).map(|_| failure.error()).map(Err).collect(),
    }
}

enum Failure {
    /// Before the commit: nothing of the batch is stored.
    Statement(StoreError),
    /// The commit itself (logged where it failed): the outcome is unknown to us, so nothing
    /// is acknowledged.
    Commit,
    /// A concurrent writer stored a key of this batch first (rolled back, to be retried).
    Raced,
}

impl Failure {
    /// What each request of the failed batch is told (details stay in the log).
    fn error(&self) -> CoreError {
        match self {
            Failure::Statement(e @ StoreError::Unavailable(_)) => CoreError::Unavailable(e.to_string()),
            Failure::Statement(e) => CoreError::Internal(e.to_string()),
            Failure::Commit | Failure::Raced => {
                CoreError::Unavailable("the intake could not be committed; retry with the same Idempotency-Key".into())
            }
        }
    }
}

/// Tries to store the batch; a race on a key is retried (bounded: the last try keeps the
/// gap rather than fail the intakes), and so is a database that was unavailable before the
/// commit: the writer's connections are not checked before each batch (`connect_scoped`), so
/// a batch may meet one the server closed (a restart, a terminated backend); it is dropped and
/// the next try takes another. During a real outage the last try waits for the pool's acquire
/// timeout, as every request does, and the intakes are told to retry (503).
async fn write_batch(db: &DatabaseConnection, mut batch: Vec<Prepared>) -> Result<Vec<Written>, (Failure, Vec<Prepared>)> {
    const TRIES: usize = 3;
    let mut attempt = 1;
    loop {
        match store(db, &mut batch, attempt == TRIES).await {
            Ok(written) => return Ok(written),
            Err(Failure::Raced) if attempt < TRIES => {
                tracing::info!(attempt, "an intake key was stored concurrently; retrying the batch");
                attempt += 1;
            }
            Err(Failure::Statement(e @ StoreError::Unavailable(_))) if attempt < TRIES => {
                tracing::warn!(attempt, error = %e, "the database was unavailable to an intake batch; retrying it");
                attempt += 1;
            }
            Err(f) => return Err((f, batch)),
        }
    }
}

/// The batch's first request of each key is stored; a later one in the same batch is the
/// twin of that first one (its index).
fn twins<'a>(keys: impl Iterator<Item = Option<(&'a str, &'a str)>>) -> Vec<Option<usize>> {
    let mut first: HashMap<(&str, &str), usize> = HashMap::new();
    keys.enumerate()
        .map(|(i, key)| {
            let key = key?;
            match first.get(&key) {
                Some(j) => Some(*j),
                None => {
                    first.insert(key, i);
                    None
                }
            }
        })
        .collect()
}

async fn store(db: &DatabaseConnection, batch: &mut [Prepared], last_try: bool) -> Result<Vec<Written>, Failure> {
    let twin_of = twins(batch.iter().map(|p| p.key.as_ref().map(|(s, k, _)| (s.as_str(), k.as_str()))));
    let statement = Failure::Statement;
    // Immediate on SQLite: this transaction reads (repeats) before it writes, and another
    // connection (the service's pool, or a second process) may commit in between.
    let txn = hotline_store::begin_write(db).await.map_err(|e| statement(e.into()))?;

    // Repeats of a key already answered take no tracking number (numbers run without gaps).
    let keys: Vec<(String, String)> = batch.iter().filter_map(|p| p.key.as_ref().map(|(s, k, _)| (s.clone(), k.clone()))).collect();
    let known = if keys.is_empty() { Default::default() } else { intake::existing_answers(&txn, &keys).await.map_err(statement)? };
    let repeat = |p: &Prepared| p.key.as_ref().is_some_and(|(s, k, _)| known.contains(&(s.clone(), k.clone())));
    let fresh: Vec<bool> = batch.iter().zip(&twin_of).map(|(p, twin)| twin.is_none() && !repeat(p)).collect();

    // Tracking numbers: one sequence update per tenant and day, in a fixed order (two writers
    // lock the same rows in the same order, so they cannot deadlock).
    let mut wanted: BTreeMap<String, i64> = BTreeMap::new();
    for (p, _) in batch.iter().zip(&fresh).filter(|(_, f)| **f) {
        *wanted.entry(p.sequence()).or_default() += 1;
    }
    let mut next: HashMap<String, i64> = HashMap::new();
    for (scope, n) in wanted {
        let last = intake::take_sequence(&txn, &scope, n).await.map_err(statement)?;
        next.insert(scope, last - n + 1);
    }
    for (p, _) in batch.iter_mut().zip(&fresh).filter(|(_, f)| **f) {
        let seq = next.get_mut(&p.sequence()).expect("every scope was taken");
        let number = tracking_number(&p.code, p.day, *seq as u64);
        *seq += 1;
        p.row.tracking_number = number.clone();
        p.receipt.tracking_number = number;
    }

    // First answers: a key someone else stored first makes this request its twin.
    let mut records: Vec<idempotency_key::Model> = batch
        .iter()
        .zip(&fresh)
        .filter(|(_, f)| **f)
        .filter_map(|(p, _)| {
            let (scope, key, hash) = p.key.clone()?;
            let response = serde_json::to_string(&p.receipt).ok()?;
            Some(idempotency_key::Model {
                id: Uuid::now_v7(),
                scope,
                key,
                request_hash: hash,
                status: 201,
                response,
                created_at: p.row.created_at,
            })
        })
        .collect();
    // In key order: two writers that share keys wait for each other in the same order (a
    // concurrent twin's insert waits for its transaction), so they cannot deadlock.
    records.sort_by(|a, b| (&a.scope, &a.key).cmp(&(&b.scope, &b.key)));
    // The answers travel in the batch statement (one round trip fewer per batch), counted: a
    // key another instance stored while we numbered is skipped there, and the batch is rolled
    // back and tried again (its number would be a gap). The last try records them first and
    // leaves such a key out instead, keeping the gap rather than failing the intakes.
    let recorded = if last_try { Some(intake::record_answers(&txn, &records).await.map_err(statement)?) } else { None };
    let lost = |p: &Prepared| match (&recorded, &p.key) {
        (Some(stored), Some((s, k, _))) => !stored.contains(&(s.clone(), k.clone())),
        _ => false,
    };
    let kept: Vec<usize> = (0..batch.len()).filter(|&i| fresh[i] && !lost(&batch[i])).collect();

    // Every row of the batch in one statement on PostgreSQL (the sequence row stays locked
    // from `take_sequence` to the commit, so each round trip here is one no other batch of
    // that line can use).
    let rows: Vec<case::Model> = kept.iter().map(|&i| batch[i].row.clone()).collect();
    let decisions: Vec<routing_decision::Model> = kept.iter().map(|&i| batch[i].decision.clone()).collect();
    let events: Vec<case_event::Model> = kept.iter().map(|&i| batch[i].event.clone()).collect();
    let messages: Vec<outbox::Model> = kept
        .iter()
        .flat_map(|&i| {
            let p = &batch[i];
            p.notices.iter().map(|n| crate::notifications::row(&p.row, n.to.clone(), n.kind, n.detail.clone(), p.row.created_at))
        })
        .collect();
    let increments: Vec<Increment> = kept.iter().flat_map(|&i| batch[i].increments.clone()).collect();
    let mut inserts = vec![
        intake::new_cases(&rows),
        intake::new_decisions(&decisions),
        cases::new_events(events),
        hotline_store::outbox::new_messages(messages),
    ];
    inserts.extend(hotline_store::stats::additions(&increments));
    if recorded.is_none() {
        inserts.push(intake::new_answers(&records));
    }
    let answered = bulk::insert_together(&txn, inserts).await.map_err(statement)?;
    if recorded.is_none() && answered < records.len() as u64 {
        // Dropping the transaction rolls it back (the numbers go back); the repeat is now known.
        return Err(Failure::Raced);
    }
    for &i in &kept {
        if let Some((tenant, call)) = &batch[i].call {
            support::link_call(&txn, *tenant, call, batch[i].row.id).await.map_err(statement)?;
        }
    }
    if let Err(e) = txn.commit().await {
        tracing::error!(error = %e, intakes = batch.len(), "an intake batch did not commit");
        return Err(Failure::Commit);
    }

    Ok(batch
        .iter()
        .enumerate()
        .map(|(i, p)| match twin_of[i] {
            Some(first) => Written::Twin {
                receipt: kept.contains(&first).then(|| batch[first].receipt.clone()),
                request_hash: batch[first].key.as_ref().map(|(_, _, h)| h.clone()).unwrap_or_default(),
            },
            None if !kept.contains(&i) => Written::Twin { receipt: None, request_hash: String::new() },
            None => Written::Stored(p.receipt.clone()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_requests_with_a_key_already_in_the_batch_are_its_twins() {
        let keys = [Some(("s", "a")), None, Some(("s", "b")), Some(("s", "a")), None, Some(("t", "a")), Some(("s", "a"))];
        assert_eq!(twins(keys.into_iter()), vec![None, None, None, Some(0), None, None, Some(0)]);
    }

    #[tokio::test]
    async fn a_writer_whose_database_cannot_be_opened_fails_to_start_with_the_reason() {
        // A folder that cannot be created: the writer's own connection fails at once.
        let refused = IntakeWriter::start_dedicated("sqlite:///proc/hotline-none/h.db", hotline_store::PoolSettings::new(2)).await;
        let Err(CoreError::Unavailable(reason)) = refused else { panic!("the writer started without a database") };
        assert!(reason.contains("intake writer") && reason.contains("/proc/hotline-none"), "{reason}");
    }

    #[tokio::test]
    async fn a_writer_on_its_own_thread_starts_with_nothing_written() {
        let dir = std::env::temp_dir().join(format!("hotline-writer-{}", Uuid::now_v7()));
        let writer = IntakeWriter::start_dedicated(&format!("sqlite://{}/h.db", dir.display()), hotline_store::PoolSettings::new(2))
            .await
            .expect("starts");
        assert_eq!(writer.reading(), WriterReading { batches: 0, intakes: 0, busy_seconds: 0.0 });
        drop(writer);
        let _ = std::fs::remove_dir_all(dir);
    }
}

//! Supervision (督办): the deadline sweep that reminds units near their deadline (催办) and puts
//! overdue cases under supervision, exactly once per crossing.
//!
//! A sweep reads only the clock points in `(watermark, now]` through indexes on open cases, and
//! never updates an "overdue" flag (overdue is computed when reading). Each crossing is one row
//! in `deadline_crossings` under a unique key, written in the same transaction as the case
//! event it causes, so a repeated window (after a crash) or a second worker changes nothing.

mod hot_spots;
mod sweep;

pub use hot_spots::{HotSpotReport, HotSpotView};

/// The periodic jobs that keep a watermark: how far behind now it is, is the job's lag.
pub(crate) const WATERMARKS: [&str; 2] = [sweep::WATERMARK, hot_spots::WATERMARK];

use hotline_store::ConnectionTrait;
use uuid::Uuid;

use crate::{Core, CoreResult};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub reminders: u64,
    pub supervisions: u64,
    /// Crossings another sweep had already recorded.
    pub already_done: u64,
}

impl Core {
    /// The line's head for an escalation: the staff of the lead unit's superior, or, for a unit
    /// at the top, the line's administrators.
    pub(crate) async fn line_head_emails(&self, _db: &impl ConnectionTrait, lead: Uuid) -> CoreResult<Vec<String>> {
        // Another line's head may be told: read as the platform, from the pool (see
        // `notifications::recipients`).
        hotline_store::scope::platform(self.line_head_emails_now(lead)).await
    }

    async fn line_head_emails_now(&self, lead: Uuid) -> CoreResult<Vec<String>> {
        let db = &self.store.db;
        let Some(unit) = hotline_store::units::find_any(db, lead).await? else { return Ok(Vec::new()) };
        let parents = hotline_store::units::ancestors(db, unit.tenant_id, unit.id).await?;
        Ok(match parents.first() {
            Some(parent) => hotline_store::users::emails_of_unit(db, parent.id).await?,
            None => {
                let pattern = hotline_domain::RoleSet::storage_pattern(hotline_domain::Role::TenantAdmin);
                hotline_store::users::emails_with_role(db, unit.tenant_id, &pattern).await?
            }
        })
    }
}

/// The worker's loops running in this process (sweeps, relay, hot spots, digest, training).
pub struct Worker {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Worker {
    pub fn start(core: &Core, sweep_every: std::time::Duration, train_every: std::time::Duration) -> Worker {
        let (stop, rx) = tokio::sync::watch::channel(false);
        let tasks = vec![
            spawn_sweeper(core.clone(), sweep_every, rx.clone()),
            spawn_housekeeping(core.clone(), sweep_every, rx.clone()),
            crate::routing::spawn_trainer(core.clone(), train_every, rx),
        ];
        Worker { stop, tasks }
    }

    /// Asks the loops to stop and waits up to `grace` for the passes under way to finish
    /// (SIGTERM: a rolling restart loses no sweep). `false` when one had to be abandoned.
    pub async fn stop(self, grace: std::time::Duration) -> bool {
        let _ = self.stop.send(true);
        let all = futures_join(self.tasks);
        match tokio::time::timeout(grace, all).await {
            Ok(()) => true,
            Err(_) => {
                tracing::warn!(?grace, "the worker did not finish its pass in time; its transactions roll back");
                false
            }
        }
    }
}

async fn futures_join(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for t in tasks {
        if let Err(e) = t.await {
            tracing::error!(error = %e, "a worker loop ended abnormally");
        }
    }
}

/// Waits for the next tick; `false` when the worker is stopping instead.
async fn next_tick(ticks: &mut tokio::time::Interval, stop: &mut tokio::sync::watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = ticks.tick() => {}
        _ = stop.changed() => {}
    }
    !*stop.borrow()
}

fn ticker(every: std::time::Duration) -> tokio::time::Interval {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks
}

/// Sweeps deadlines every `every` until `stop` turns true (the worker's loop, embedded in the
/// API or run by `hotline-worker`). It has a loop of its own: 催办 and 督办 must not wait behind
/// a storm's hot-spot pass or a slow mail relay. A stop lets the pass under way finish: its
/// transactions commit or roll back whole, never cut off. A failed tick is logged; the next one
/// retries the same window, since the watermark moves only after a successful sweep.
pub fn spawn_sweeper(core: Core, every: std::time::Duration, mut stop: tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = ticker(every);
        while next_tick(&mut ticks, &mut stop).await {
            match core.sweep_deadlines().await {
                Ok(r) if r.reminders + r.supervisions > 0 => {
                    tracing::info!(reminders = r.reminders, supervisions = r.supervisions, already_done = r.already_done, "deadline sweep")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "deadline sweep failed; retrying next tick"),
            }
        }
        tracing::info!("deadline sweep loop stopped");
    })
}

/// The other periodic passes, in turn: outbox relay, daily digest, hot spots, knowledge-base
/// flags, audit retention. A stop abandons the hot-spot comparison under way (CPU work that
/// can take long after a storm, see `scan_hot_spots_until`), so SIGTERM is honoured quickly.
pub fn spawn_housekeeping(
    core: Core,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = ticker(every);
        while next_tick(&mut ticks, &mut stop).await {
            match core.relay_outbox().await {
                Ok(r) if r.sent + r.retried + r.dead > 0 => {
                    tracing::info!(sent = r.sent, retried = r.retried, dead = r.dead, "outbox relay")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox relay failed; retrying next tick"),
            }
            if let Err(e) = core.send_daily_digest().await {
                tracing::error!(error = %e, "daily digest failed; retrying next tick");
            }
            match core.scan_hot_spots_until(stop.clone()).await {
                Ok(r) if r.raised + r.joined > 0 => tracing::info!(raised = r.raised, joined = r.joined, "hot spots"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "hot-spot scan failed; retrying next tick"),
            }
            match core.flag_articles().await {
                Ok(n) if n > 0 => tracing::info!(flagged = n, "knowledge-base articles flagged to their owners"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "knowledge-base flag pass failed; retrying next tick"),
            }
            match core.prune_audit().await {
                Ok(n) if n > 0 => tracing::info!(pruned = n, "audit records past their retention removed"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "audit retention pass failed; retrying next tick"),
            }
        }
        tracing::info!("housekeeping loop stopped");
    })
}

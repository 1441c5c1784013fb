//! Operational counters of this process (the `/metrics` endpoint renders them) and the gauges
//! read from the database at scrape time. These are for operators: they carry no tenant data
//! beyond line codes, and they are not the statistics (those are `stat_counters`, per line and
//! day, in the database). Counters here count what this process did since it started;
//! Prometheus adds up the replicas.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use hotline_domain::case::Channel;

use crate::{Core, CoreResult};

/// Counters the use cases move. Cheap to bump: atomics, and a lock only for rule publishes
/// (rare, keyed by line).
#[derive(Debug)]
pub struct Telemetry {
    /// One counter per channel, in `Channel::ALL` order, so every channel is reported from the
    /// start (a series that appears only on its first event hides the first increase).
    intakes: Vec<AtomicU64>,
    rule_publishes: Mutex<BTreeMap<String, u64>>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Self { intakes: Channel::ALL.iter().map(|_| AtomicU64::new(0)).collect(), rule_publishes: Mutex::default() }
    }
}

impl Telemetry {
    /// An intake was stored and acknowledged (replays of an `Idempotency-Key` are not counted).
    pub fn intake_stored(&self, channel: &str) {
        // The channel was validated before the intake was stored; an unknown one counts as other.
        let i = Channel::ALL
            .iter()
            .position(|c| c.as_str() == channel)
            .unwrap_or_else(|| Channel::ALL.iter().position(|c| *c == Channel::Other).expect("Channel::Other exists"));
        self.intakes[i].fetch_add(1, Ordering::Relaxed);
    }

    /// A rule set version of line `tenant_code` was published (or a rollback made it active).
    pub fn rule_set_published(&self, tenant_code: &str) {
        let mut map = self.rule_publishes.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(tenant_code.to_owned()).or_default() += 1;
    }

    /// Intakes per channel since the process started.
    pub fn intakes(&self) -> Vec<(&'static str, u64)> {
        Channel::ALL.iter().zip(&self.intakes).map(|(c, n)| (c.as_str(), n.load(Ordering::Relaxed))).collect()
    }

    /// Rule-set publishes per line code since the process started.
    pub fn rule_publishes(&self) -> Vec<(String, u64)> {
        let map = self.rule_publishes.lock().unwrap_or_else(|p| p.into_inner());
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// What the database says at scrape time: each figure one indexed query.
#[derive(Debug, Clone, PartialEq)]
pub struct OpsGauges {
    pub outbox_pending: i64,
    pub outbox_dead: i64,
    /// Seconds since the oldest pending message was written (0 when none is pending).
    pub outbox_oldest_pending_seconds: f64,
    /// Per periodic job (`deadline_sweep`, `hot_spots`): seconds between now and the job's
    /// watermark, i.e. how far behind the worker is. Jobs that never ran are absent.
    pub worker_lag_seconds: Vec<(String, f64)>,
    pub pool: hotline_store::PoolStats,
}

fn seconds_since(now: DateTime<Utc>, then: DateTime<Utc>) -> f64 {
    ((now - then).num_milliseconds() as f64 / 1000.0).max(0.0)
}

impl Core {
    /// The gauges of `/metrics`, read now. Operational, not tenant data: no principal needed
    /// (the endpoint has its own access rule).
    pub async fn ops_gauges(&self) -> CoreResult<OpsGauges> {
        // Gauges over the whole platform: platform scope.
        hotline_store::scope::platform(async move {
            let db = &self.store.db;
            let now = self.now();
            let outbox = hotline_store::outbox::backlog(db).await?;
            let mut lag = Vec::new();
            for name in crate::supervision::WATERMARKS {
                if let Some(at) = hotline_store::sweep::watermark(db, name).await? {
                    lag.push((name.to_owned(), seconds_since(now, at)));
                }
            }
            Ok(OpsGauges {
                outbox_pending: outbox.pending,
                outbox_dead: outbox.dead,
                outbox_oldest_pending_seconds: outbox.oldest_pending.map(|t| seconds_since(now, t)).unwrap_or(0.0),
                worker_lag_seconds: lag,
                pool: self.store.pool_stats(),
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_is_reported_from_the_start_and_counts_apart() {
        let t = Telemetry::default();
        assert_eq!(t.intakes().len(), Channel::ALL.len());
        assert!(t.intakes().iter().all(|(_, n)| *n == 0));
        t.intake_stored("phone");
        t.intake_stored("phone");
        t.intake_stored("web");
        t.intake_stored("carrier pigeon");
        let got: BTreeMap<_, _> = t.intakes().into_iter().collect();
        assert_eq!((got["phone"], got["web"], got["other"], got["app"]), (2, 1, 1, 0));
    }

    #[test]
    fn rule_publishes_count_per_line() {
        let t = Telemetry::default();
        t.rule_set_published("12319");
        t.rule_set_published("12319");
        t.rule_set_published("12315");
        assert_eq!(t.rule_publishes(), vec![("12315".to_owned(), 1), ("12319".to_owned(), 2)]);
    }
}

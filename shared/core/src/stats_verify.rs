//! The drift check (issue 6): recounts the counters from the event log — every counted event
//! carries what it counted and in which lines — and from the CTI call events, and reports each
//! difference from the stored counters. Tests run it after their scenarios and require zero
//! drift.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use hotline_domain::stats::{Counter, Counts, Occurrence, call_occurrence, effect, local_day};
use hotline_store::stats::{self, Level, Scope, SumQuery};
use serde::Serialize;
use uuid::Uuid;

use crate::stats::LineShare;
use crate::{Core, CoreResult};

/// One counter of one tenant, scope and day that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// `platform` (each case once, under its receiving tenant) or `line` (each line taking part).
    pub scope: &'static str,
    pub tenant_id: Uuid,
    pub day: NaiveDate,
    /// A counter name, or `handling_bucket_<k>`.
    pub counter: String,
    /// Recounted from the event log.
    pub expected: i64,
    pub stored: i64,
}

type Key = (Scope, Uuid, NaiveDate);

/// The recount: counts per scope, tenant and local day.
struct Recount<'a> {
    core: &'a Core,
    from: NaiveDate,
    to: NaiveDate,
    tz_of: HashMap<Uuid, Tz>,
    counts: BTreeMap<Key, Counts>,
}

impl Recount<'_> {
    async fn add(&mut self, scope: Scope, tenant: Uuid, at: DateTime<Utc>, occurrences: &[Occurrence]) -> CoreResult<()> {
        let tz = match self.tz_of.get(&tenant) {
            Some(tz) => *tz,
            None => {
                let tz = self.core.tenant_tz(&self.core.store.db, tenant).await?;
                self.tz_of.insert(tenant, tz);
                tz
            }
        };
        let day = local_day(at, tz);
        if day < self.from || day > self.to {
            return Ok(());
        }
        let counts = self.counts.entry((scope, tenant, day)).or_default();
        for o in occurrences {
            counts.apply(&effect(o, at));
        }
        Ok(())
    }
}

impl Core {
    /// Recounts the counters of the local days `from ..= to` — the platform scope and every
    /// line's — from the event log and the call centre's call events, and lists every
    /// difference from the stored counters.
    pub async fn verify_counters(&self, from: NaiveDate, to: NaiveDate) -> CoreResult<Vec<Drift>> {
        // Recounts every line's counters from its cases: platform scope.
        hotline_store::scope::platform(async move {
            let db = &self.store.db;
            // Local days reach at most 14 hours either side of UTC.
            let start = from.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::hours(14);
            let end = to.and_hms_opt(0, 0, 0).expect("midnight").and_utc() + Duration::hours(38);
            let mut r = Recount { core: self, from, to, tz_of: HashMap::new(), counts: BTreeMap::new() };
            for (at, tenant, payload) in stats::counted_events(db, start, end).await? {
                let occurrences: Vec<Occurrence> =
                    payload.get("stats").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default();
                let lines: Vec<LineShare> = payload.get("lines").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default();
                r.add(Scope::Platform, tenant, at, &occurrences).await?;
                for l in lines {
                    r.add(Scope::Line, l.line, at, &l.occurrences(&occurrences)).await?;
                }
            }
            for call in hotline_store::support::calls_ended(db, start, end).await? {
                let Some(at) = call.ended else { continue };
                let o = [call_occurrence(call.rang, call.answered)];
                r.add(Scope::Platform, call.tenant_id, at, &o).await?;
                r.add(Scope::Line, call.tenant_id, at, &o).await?;
            }
            let expected = r.counts;
            let mut stored: BTreeMap<Key, Counts> = BTreeMap::new();
            for scope in [Scope::Platform, Scope::Line] {
                let q = |tenants, group_by| SumQuery { scope, level: Level::Line, tenants, from, to, group_by, unit: None };
                let mut tenants: Vec<Uuid> = expected.keys().filter(|k| k.0 == scope).map(|k| k.1).collect();
                for key in stats::sum(db, &q(None, Some("tenant_id"))).await?.keys() {
                    if let Ok(t) = key.parse() {
                        tenants.push(t);
                    }
                }
                tenants.sort();
                tenants.dedup();
                for t in tenants {
                    for (day, counts) in stats::sum(db, &q(Some(vec![t]), Some("day"))).await? {
                        if let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
                            stored.insert((scope, t, day), counts);
                        }
                    }
                }
            }
            let mut keys: Vec<Key> = expected.keys().chain(stored.keys()).copied().collect();
            keys.sort();
            keys.dedup();
            let empty = Counts::default();
            let mut drift = Vec::new();
            for key in keys {
                let (scope, tenant_id, day) = key;
                let (e, s) = (expected.get(&key).unwrap_or(&empty), stored.get(&key).unwrap_or(&empty));
                let differs = |counter: String, expected: i64, stored: i64| Drift {
                    scope: scope.as_str(),
                    tenant_id,
                    day,
                    counter,
                    expected,
                    stored,
                };
                for c in Counter::ALL {
                    if e.get(*c) != s.get(*c) {
                        drift.push(differs(c.as_str().to_owned(), e.get(*c), s.get(*c)));
                    }
                }
                let buckets = e.handling.len().max(s.handling.len());
                for b in 0..buckets {
                    let (x, y) = (e.handling.get(b).copied().unwrap_or(0), s.handling.get(b).copied().unwrap_or(0));
                    if x != y {
                        drift.push(differs(format!("handling_bucket_{b}"), x, y));
                    }
                }
            }
            Ok(drift)
        })
        .await
    }
}

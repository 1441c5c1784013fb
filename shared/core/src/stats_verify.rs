//! The drift check (issue 6): recounts the platform's counters from the event log — every
//! counted event carries what it counted — and reports each difference from the stored
//! counters. Tests run it after their scenarios and require zero drift.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use hotline_domain::stats::{Counter, Counts, Occurrence, effect, local_day};
use hotline_store::stats::{self, Level, Scope, SumQuery};
use serde::Serialize;
use uuid::Uuid;

use crate::{Core, CoreResult};

/// One counter of one line and day that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    pub tenant_id: Uuid,
    pub day: NaiveDate,
    /// A counter name, or `handling_bucket_<k>`.
    pub counter: String,
    /// Recounted from the event log.
    pub expected: i64,
    pub stored: i64,
}

impl Core {
    /// Recounts the platform scope (each case once, under its receiving tenant) for the local
    /// days `from ..= to` and lists every difference.
    pub async fn verify_counters(&self, from: NaiveDate, to: NaiveDate) -> CoreResult<Vec<Drift>> {
        let db = &self.store.db;
        // Local days reach at most 14 hours either side of UTC.
        let start = from.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::hours(14);
        let end = to.and_hms_opt(0, 0, 0).expect("midnight").and_utc() + Duration::hours(38);
        let mut expected: BTreeMap<(Uuid, NaiveDate), Counts> = BTreeMap::new();
        let mut tz_of = std::collections::HashMap::new();
        for (at, tenant, counted) in stats::counted_events(db, start, end).await? {
            let tz = match tz_of.get(&tenant) {
                Some(tz) => *tz,
                None => {
                    let tz = self.tenant_tz(db, tenant).await?;
                    tz_of.insert(tenant, tz);
                    tz
                }
            };
            let day = local_day(at, tz);
            if day < from || day > to {
                continue;
            }
            let occurrences: Vec<Occurrence> = serde_json::from_value(counted).unwrap_or_default();
            let counts = expected.entry((tenant, day)).or_default();
            for o in &occurrences {
                let e = effect(o, at);
                for (c, n) in e.counters {
                    counts.add(c, n);
                }
                if let Some(b) = e.handling_bucket {
                    counts.add_handling(b, 1);
                }
            }
        }
        let q = |tenants, group_by| SumQuery { scope: Scope::Platform, level: Level::Line, tenants, from, to, group_by, unit: None };
        let mut stored: BTreeMap<(Uuid, NaiveDate), Counts> = BTreeMap::new();
        let mut tenants: Vec<Uuid> = expected.keys().map(|(t, _)| *t).collect();
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
                    stored.insert((t, day), counts);
                }
            }
        }
        let mut keys: Vec<(Uuid, NaiveDate)> = expected.keys().chain(stored.keys()).copied().collect();
        keys.sort();
        keys.dedup();
        let empty = Counts::default();
        let mut drift = Vec::new();
        for (tenant, day) in keys {
            let (e, s) = (expected.get(&(tenant, day)).unwrap_or(&empty), stored.get(&(tenant, day)).unwrap_or(&empty));
            for c in Counter::ALL {
                if e.get(*c) != s.get(*c) {
                    drift.push(Drift { tenant_id: tenant, day, counter: c.as_str().to_owned(), expected: e.get(*c), stored: s.get(*c) });
                }
            }
            let buckets = e.handling.len().max(s.handling.len());
            for b in 0..buckets {
                let (x, y) = (e.handling.get(b).copied().unwrap_or(0), s.handling.get(b).copied().unwrap_or(0));
                if x != y {
                    drift.push(Drift { tenant_id: tenant, day, counter: format!("handling_bucket_{b}"), expected: x, stored: y });
                }
            }
        }
        Ok(drift)
    }
}

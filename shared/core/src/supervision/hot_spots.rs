//! Hot spots (热点, issue 8): many citizens reporting one issue in one place. Each sweep looks at
//! the cases received since its watermark; a case that is alike (`hotline_domain::duplicates`)
//! to enough cases of the day before it, across lines, makes a burst. A burst sharing no case
//! with a known hot spot raises a new one and alerts the city office (市热线办) once through the
//! outbox; a burst touching a known one makes it grow, without another alert. A case joins at
//! most one hot spot (the store's key), so a repeated window or a second worker changes nothing.

use chrono::{DateTime, Duration, Utc};
use hotline_domain::Role;
use hotline_domain::duplicates::{Contact, Prepared, Weights, hot_spot_prepared, prepare};
use hotline_notify::templates::Kind;
use hotline_store::cases::{self, CaseFilter, CaseScope};
use hotline_store::entities::{case, hot_spot};
use hotline_store::{PageRequest, hot_spots, sweep};
use uuid::Uuid;

use crate::cases::contact;
use crate::{Core, CoreError, CoreResult, Principal};

/// A burst: this many alike contacts (the newest included) …
pub const MIN_CASES: usize = 4;
/// … within this span of the newest …
pub const SPAN_HOURS: i64 = 24;
/// … each at least this alike to the newest (text, place and time together; higher than the
/// bar for showing a duplicate candidate, since an alert interrupts someone).
pub const MIN_SCORE: f64 = 0.6;
/// At most this many cases of a span are compared (newest first): bounds a storm's cost.
const COMPARED: u64 = 5000;
pub(crate) const WATERMARK: &str = "hot_spots";
/// Each pass looks this far behind its watermark again: a case stamped before the last pass
/// may commit after it read. Looking twice is harmless (a case joins one hot spot once).
const OVERLAP_MINUTES: i64 = 5;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HotSpotReport {
    pub raised: u64,
    /// Cases added to hot spots raised before.
    pub joined: u64,
}

/// A hot spot with its cases, for the supervision board.
#[derive(Debug, Clone)]
pub struct HotSpotView {
    pub spot: hot_spot::Model,
    pub cases: Vec<case::Model>,
}

/// Each new contact is compared with at most this many contacts before it (newest first): a
/// storm's burst is among its latest contacts, and the pass stays linear in the new cases.
const BEHIND: usize = 1000;

/// The bursts of the `fresh` contacts (indices into `contacts`, sorted by time), each with the
/// indices of the earlier contacts it is alike to. Ends early (with what it has) once `cancel`
/// is set.
fn find_bursts(contacts: &[Contact], fresh: &[usize], span: Duration, cancel: &std::sync::atomic::AtomicBool) -> Vec<(usize, Vec<usize>)> {
    let prepared: Vec<Prepared> = contacts.iter().map(prepare).collect();
    let weights = Weights::default();
    let mut out = Vec::new();
    for &i in fresh {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let start = i.saturating_sub(BEHIND);
        let burst = hot_spot_prepared(&prepared[i], &prepared[start..i], &weights, MIN_SCORE, MIN_CASES, span);
        if !burst.is_empty() {
            out.push((i, burst.into_iter().map(|j| j + start).collect()));
        }
    }
    out
}

impl Core {
    /// The worker's hot-spot pass over the cases received since the last one.
    pub async fn scan_hot_spots(&self) -> CoreResult<HotSpotReport> {
        let (_keep, never) = tokio::sync::watch::channel(false);
        self.scan_hot_spots_until(never).await
    }

    /// The hot-spot pass, abandoned when `stop` turns true during the comparison: nothing is
    /// written yet then and the watermark stays, so the next pass (here or in another worker)
    /// compares the same cases again. Recording a burst, once begun, is not cut off.
    pub async fn scan_hot_spots_until(&self, stop: tokio::sync::watch::Receiver<bool>) -> CoreResult<HotSpotReport> {
        // A worker pass over every line: platform scope.
        hotline_store::scope::platform(self.scan_hot_spots_scoped(stop)).await
    }

    async fn scan_hot_spots_scoped(&self, mut stop: tokio::sync::watch::Receiver<bool>) -> CoreResult<HotSpotReport> {
        let db = &self.store.db;
        let now = self.now();
        let span = Duration::hours(SPAN_HOURS);
        let from = sweep::watermark(db, WATERMARK).await?.map_or(now - span, |w| w - Duration::minutes(OVERLAP_MINUTES));
        let filter = CaseFilter { created_from: Some(from - span), created_to: Some(now), ..Default::default() };
        let mut rows = cases::list(db, CaseScope::All, &filter, PageRequest { after: None, limit: COMPARED }).await?.items;
        rows.sort_by_key(|c| (c.created_at, c.id));
        let contacts: Vec<Contact> = rows.iter().map(contact).collect();
        let fresh: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].created_at > from).collect();
        // Comparing is CPU work (quadratic in a storm): off the async threads, which serve requests.
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = cancel.clone();
        let comparing = tokio::task::spawn_blocking(move || find_bursts(&contacts, &fresh, span, &flag));
        let bursts = tokio::select! {
            biased; // a stop wins even when the comparison is done at the same poll
            _ = stop.wait_for(|s| *s) => {
                // The blocking thread sees the flag at its next contact and ends.
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                return Ok(HotSpotReport::default());
            }
            done = comparing => done.map_err(|e| CoreError::Internal(format!("hot-spot comparison: {e}")))?,
        };
        let mut report = HotSpotReport::default();
        for (i, burst) in bursts {
            let newest = &rows[i];
            let members: Vec<&case::Model> = burst.iter().map(|&j| &rows[j]).chain([newest]).collect();
            match self.record_burst(&members, now).await {
                Ok(r) => {
                    report.raised += r.raised;
                    report.joined += r.joined;
                }
                // Another worker recorded some of these cases first: its record stands.
                Err(CoreError::Conflict { code: "conflict", .. }) => {}
                Err(e) => return Err(e),
            }
        }
        sweep::advance_watermark(db, WATERMARK, now).await?;
        Ok(report)
    }

    /// Raises a new hot spot for a burst, or adds its new cases to the one it touches.
    async fn record_burst(&self, members: &[&case::Model], now: DateTime<Utc>) -> CoreResult<HotSpotReport> {
        let db = &self.store.db;
        let ids: Vec<Uuid> = members.iter().map(|c| c.id).collect();
        let known = hot_spots::membership(db, &ids).await?;
        let fresh: Vec<&case::Model> = members.iter().copied().filter(|c| !known.iter().any(|(k, _)| *k == c.id)).collect();
        if fresh.is_empty() {
            return Ok(HotSpotReport::default());
        }
        let fresh_ids: Vec<Uuid> = fresh.iter().map(|c| c.id).collect();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        let report = match known.first() {
            Some((_, spot_id)) => {
                let Some(mut spot) = hot_spots::find(&txn, *spot_id).await? else { return Ok(HotSpotReport::default()) };
                hot_spots::add_cases(&txn, spot.id, &fresh_ids, now).await?;
                spot.case_count += fresh.len() as i32;
                spot.last_at = fresh.iter().map(|c| c.created_at).max().unwrap_or(spot.last_at).max(spot.last_at);
                hot_spots::update(&txn, spot).await?;
                HotSpotReport { raised: 0, joined: fresh.len() as u64 }
            }
            None => {
                let first = members.iter().min_by_key(|c| (c.created_at, c.id)).copied().unwrap_or(members[0]);
                let newest = members.iter().max_by_key(|c| (c.created_at, c.id)).copied().unwrap_or(members[0]);
                let spot = hot_spot::Model {
                    id: Uuid::now_v7(),
                    tenant_id: first.tenant_id,
                    first_case_id: first.id,
                    title: first.title.chars().take(200).collect(),
                    district: newest.district.clone(),
                    address: newest.address.clone(),
                    lat: newest.lat,
                    long: newest.long,
                    case_count: members.len() as i32,
                    first_at: first.created_at,
                    last_at: newest.created_at,
                    raised_at: now,
                };
                hot_spots::insert(&txn, spot.clone()).await?;
                hot_spots::add_cases(&txn, spot.id, &ids, now).await?;
                let place = [newest.district.as_deref(), newest.address.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                let detail = format!(
                    "{} 件相似诉求 / alike cases since {}; 地点 / place: {}",
                    members.len(),
                    first.created_at.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M"),
                    if place.is_empty() { "-".to_owned() } else { place }
                );
                let alert = self.to_city_office(&txn, newest, Kind::HotSpot, Some(detail)).await?;
                hotline_store::outbox::insert(&txn, alert).await?;
                HotSpotReport { raised: 1, joined: 0 }
            }
        };
        txn.commit().await?;
        Ok(report)
    }

    /// `GET /supervision/hot-spots`: the hot spots active since `since` (default: 7 days), with
    /// their cases — for the city office and the platform's desks, who see every line.
    pub async fn hot_spots(&self, p: &Principal, since: Option<DateTime<Utc>>) -> CoreResult<Vec<HotSpotView>> {
        let allowed = p.has_any(&[Role::CitySupervisor, Role::Agent, Role::Dispatcher]) && p.on_platform();
        if !allowed {
            self.audit_denied(p, "supervision.hot_spots", "", "missing role").await;
            return Err(CoreError::forbidden("hot spots are for the city office and the platform's desks"));
        }
        let db = &self.store.db;
        let since = since.unwrap_or(self.now() - Duration::days(7));
        let spots = hot_spots::recent(db, since, 100).await?;
        let ids: Vec<Uuid> = spots.iter().map(|s| s.id).collect();
        let pairs = hot_spots::cases_of(db, &ids).await?;
        let mut views = Vec::with_capacity(spots.len());
        for spot in spots {
            let mut cases_of_spot = Vec::new();
            for (_, case_id) in pairs.iter().filter(|(s, _)| *s == spot.id) {
                if let Some(c) = cases::find(db, CaseScope::All, *case_id).await? {
                    cases_of_spot.push(c);
                }
            }
            views.push(HotSpotView { spot, cases: cases_of_spot });
        }
        Ok(views)
    }
}

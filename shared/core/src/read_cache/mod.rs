//! Case reads answered from memory, kept coherent across API processes by the database's own
//! change notices (PostgreSQL only).
//!
//! A case read through the pool costs three round trips (the scope statement, the query, the
//! ping sqlx sends on release) and a list page two such queries: about 500 µs of CPU on this
//! machine between the service and PostgreSQL, which held reads near 3,000/s. This cache keeps
//! what those queries returned and drops it when the database says it changed.
//!
//! **Keys: the same question, the same answer.** An entry is keyed by everything the query
//! depended on: the service's case scope ([`CaseScope`]), the row-level-security scope the
//! connection carried (`hotline.scope`), the case id, and for a page its filter and cursor.
//! An entry is therefore only ever served to a request that would have sent the very same
//! query under the very same scopes: both fences (the scoped repository and row-level
//! security) decided it, and masking by the reader's role still happens on every read. No
//! rule of visibility is repeated here.
//!
//! **Invalidation.** Triggers on `cases` and `case_participants` (migration 000053) announce
//! every committed change on the channel [`CHANNEL`]: `c<ids>` (these cases changed),
//! `t<tenant ids>` (these lines' lists changed) and `k<account or key ids>` (the lists of what
//! these creators brought in changed; migration 000054). Each process listens ([`listener`]) and drops
//! the entries. A notice is sent by the transaction that made the change, so no write path
//! can forget it, the worker's and a change made by hand in SQL included.
//!
//! **A read racing a change.** An entry is filled from a query that began at some instant. A
//! notice that arrives while the query runs may concern a row the query read before the
//! change: the fill carries a ticket taken before the query (a counter of notices), and is
//! refused if a notice for its shard (by id) or its line (pages) came after the ticket.
//!
//! **Reading one's own writes.** A request that began a write transaction reads the database
//! from then on (the console renders the case after a step inside the step's request), and
//! waits, before it answers, until this process's listener has taken in every notice
//! committed before its own end ([`ReadCache::sync`]: a `NOTIFY` of its own, which PostgreSQL
//! delivers after every notice of the transactions that committed before it). The intake writer's batches do not
//! wait: a new case only changes lists, and the intake marks its line's lists changed itself
//! before it answers ([`ReadCache::lists_changed`]).
//!
//! **What another process may still serve.** Between a commit and the arrival of its notice
//! (a few milliseconds on one machine, see docs/BENCHMARKS.md) another API process may answer
//! from its entry of before. A client that writes through one replica and reads through
//! another can see the old state for that long; a client that stays on one replica cannot.
//!
//! **What it costs the writers.** A transaction that changes a case now sends a NOTIFY, and
//! PostgreSQL commits such transactions one at a time, cluster-wide (a lock taken before the
//! commit and held through its WAL flush keeps the notice queue in commit order). An intake
//! batch was already alone in its commit (its line's sequence row), so the storm loses
//! nothing measurable (docs/BENCHMARKS.md); steps of different cases now queue at their commit
//! behind each other, at about one WAL flush each (this disk: about 1,700 a second, against the
//! tens a second a city's units take). A request that wrote pays one more statement and waits
//! for its notice: a step's time did not change measurably (`tests/load/staleness.py`: p50
//! 3.6–4.8 ms with the cache, 4.1–4.5 ms with it off, 4.3–5.2 ms before the triggers).
//!
//! **Without notices, no cache.** Until the listener is listening, and from the moment its
//! connection fails until it listens again, every read goes to the database and the cache is
//! emptied at both ends. SQLite (one process, no notices) runs without it.

pub mod listener;
mod notice;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hotline_store::PageRequest;
use hotline_store::cases::{CaseFilter, CaseScope};
use hotline_store::entities::{case, case_participant};
use uuid::Uuid;

pub use notice::Notice;

/// The PostgreSQL channel of the change notices (migration 000053).
pub const CHANNEL: &str = "hotline_cache";

/// How long a request waits for its own notice before it empties the cache instead.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(2);

/// By-id entries live in this many shards (each its own lock); a notice for one case makes a
/// fill in its shard retry, not every fill.
const SHARDS: usize = 64;

/// A case as a read returns it: the row and its participants, in the store's order.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRead {
    pub case: case::Model,
    pub parts: Vec<case_participant::Model>,
}

/// A list page as the store returned it, each case with its participants.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRead {
    pub items: Vec<CaseRead>,
    pub next: Option<Uuid>,
}

/// The two scopes a read ran under: the service's and the database's (`hotline.scope`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fence {
    pub scope: CaseScope,
    pub row_security: String,
}

/// Everything a list page's query depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub fence: Fence,
    pub filter: CaseFilter,
    pub page: PageRequest,
}

/// Whose notices make a page stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Tag {
    /// Any change: the page may show any case.
    Any,
    /// A change naming this line (`t`): the page shows only cases this line owns or takes part
    /// in, and a notice names every line of the case, before and after the change.
    Line(Uuid),
    /// A change naming this creator (`k`): the page shows only cases this account or key
    /// brought in.
    Creator(Uuid),
}

impl PageKey {
    fn tag(&self) -> Tag {
        match (self.fence.scope, self.filter.tenant_id) {
            (CaseScope::Tenant(t), _) => Tag::Line(t),
            (CaseScope::CreatedBy(k), _) => Tag::Creator(k),
            (_, Some(t)) => Tag::Line(t),
            _ => Tag::Any,
        }
    }

    /// Pages whose filter depends on the time of asking are not kept (the answer changes
    /// without any row changing).
    fn cacheable(&self) -> bool {
        self.filter.overdue_at.is_none() && self.filter.near_at.is_none()
    }
}

/// Taken before a query whose answer may be kept; see the module's "A read racing a change".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    epoch: u64,
    generation: u64,
}

/// The cache's size limits (entries); zero turns a part off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub cases: usize,
    pub pages: usize,
}

/// What `/metrics` shows of the cache.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheReading {
    pub case_hits: u64,
    pub case_misses: u64,
    pub page_hits: u64,
    pub page_misses: u64,
    /// Notices taken in (each `c` or `t` payload).
    pub notices: u64,
    /// Times the cache was emptied (listener lost or started, a sync that timed out).
    pub flushes: u64,
    /// Requests that waited for their own notice ([`ReadCache::sync`]).
    pub syncs: u64,
    pub live: bool,
    pub cases: usize,
    pub pages: usize,
}

#[derive(Default)]
struct CaseShard {
    /// Per case, one answer per fence that asked.
    entries: HashMap<Uuid, Vec<(Fence, Arc<CaseRead>)>>,
    /// The epoch of the last notice that dropped a case of this shard.
    invalidated_at: u64,
}

struct PageEntry {
    value: Arc<PageRead>,
    tag: Tag,
    generation: u64,
}

#[derive(Default)]
struct Generations {
    /// Bumped by every `t` notice (every change has one).
    any: u64,
    /// Bumped by the `t` notices naming the line.
    lines: HashMap<Uuid, u64>,
    /// Bumped by the `k` notices naming the creator.
    creators: HashMap<Uuid, u64>,
}

impl Generations {
    fn of(&self, tag: Tag) -> u64 {
        match tag {
            Tag::Any => self.any,
            Tag::Line(t) => self.lines.get(&t).copied().unwrap_or(0),
            Tag::Creator(k) => self.creators.get(&k).copied().unwrap_or(0),
        }
    }
}

#[derive(Default)]
struct Counters {
    case_hits: AtomicU64,
    case_misses: AtomicU64,
    page_hits: AtomicU64,
    page_misses: AtomicU64,
    notices: AtomicU64,
    flushes: AtomicU64,
    syncs: AtomicU64,
}

pub struct ReadCache {
    limits: Limits,
    /// True while the listener listens; false: every read goes to the database.
    live: AtomicBool,
    /// Counts case notices and flushes; tickets carry it (pages go by their tags' generations).
    epoch: AtomicU64,
    /// The epoch of the last flush: no ticket older than it may fill.
    flushed_at: AtomicU64,
    cases: Box<[Mutex<CaseShard>]>,
    pages: Mutex<HashMap<PageKey, PageEntry>>,
    generations: Mutex<Generations>,
    syncs: listener::Syncs,
    counters: Counters,
    /// Follows `live`, for those who wait for the listener (tests, start-up checks).
    live_watch: tokio::sync::watch::Sender<bool>,
    /// The listener takes in each notice under this gate: [`ReadCache::hold_notices`].
    gate: tokio::sync::RwLock<()>,
}

impl Default for ReadCache {
    /// A cache that keeps nothing (no limits): what the worker and SQLite run with.
    fn default() -> Self {
        Self::new(Limits { cases: 0, pages: 0 })
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl ReadCache {
    pub fn new(limits: Limits) -> Self {
        ReadCache {
            limits,
            live: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            flushed_at: AtomicU64::new(0),
            cases: (0..SHARDS).map(|_| Mutex::new(CaseShard::default())).collect(),
            pages: Mutex::new(HashMap::new()),
            generations: Mutex::new(Generations::default()),
            syncs: listener::Syncs::default(),
            counters: Counters::default(),
            live_watch: tokio::sync::watch::Sender::new(false),
            gate: tokio::sync::RwLock::new(()),
        }
    }

    /// Whether the limits let it keep anything (then it needs a listener).
    pub fn keeps_anything(&self) -> bool {
        self.limits.cases > 0 || self.limits.pages > 0
    }

    /// Whether anything may be kept now (limits set and the listener listening).
    pub fn is_live(&self) -> bool {
        self.keeps_anything() && self.live.load(Ordering::SeqCst)
    }

    /// The listener started or stopped listening. Either way what is kept goes: notices may
    /// have been missed while nobody listened.
    pub fn set_live(&self, live: bool) {
        self.flush();
        self.live.store(live, Ordering::SeqCst);
        // A fill that took its ticket before this point must not land either.
        self.flush();
        self.live_watch.send_replace(live);
    }

    /// Whether the listener listens, as it changes.
    pub fn live_changes(&self) -> tokio::sync::watch::Receiver<bool> {
        self.live_watch.subscribe()
    }

    /// Holds the notices back (queued, not lost) until the guard is dropped: what a process
    /// serves while its notices are late, made visible (the e2e tests show the window between
    /// another process's commit and this one's notice with it).
    pub async fn hold_notices(&self) -> tokio::sync::RwLockWriteGuard<'_, ()> {
        self.gate.write().await
    }

    /// Drops everything and refuses the fills of every ticket taken so far.
    pub fn flush(&self) {
        let at = self.epoch.fetch_add(1, Ordering::SeqCst) + 1;
        self.flushed_at.store(at, Ordering::SeqCst);
        for shard in self.cases.iter() {
            lock(shard).entries.clear();
        }
        lock(&self.pages).clear();
        self.counters.flushes.fetch_add(1, Ordering::Relaxed);
    }

    fn shard(&self, id: Uuid) -> &Mutex<CaseShard> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut h);
        &self.cases[(h.finish() as usize) % SHARDS]
    }

    /// A ticket for a query whose answer may be kept, or `None` when nothing may be kept.
    fn ticket(&self, limit: usize, tag: Option<Tag>) -> Option<Ticket> {
        if limit == 0 || !self.is_live() {
            return None;
        }
        let generation = tag.map(|t| lock(&self.generations).of(t)).unwrap_or(0);
        Some(Ticket { epoch: self.epoch.load(Ordering::SeqCst), generation })
    }

    /// The kept answer of this case to this fence, if any.
    pub fn case(&self, fence: &Fence, id: Uuid) -> Option<Arc<CaseRead>> {
        if self.limits.cases == 0 || !self.is_live() {
            return None;
        }
        let found = lock(self.shard(id)).entries.get(&id).and_then(|v| v.iter().find(|(f, _)| f == fence).map(|(_, c)| c.clone()));
        let counter = if found.is_some() { &self.counters.case_hits } else { &self.counters.case_misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Take before reading a case from the database.
    pub fn case_ticket(&self) -> Option<Ticket> {
        self.ticket(self.limits.cases, None)
    }

    /// Keeps a case read under `ticket`, unless a notice for its shard (or a flush) came since.
    pub fn keep_case(&self, ticket: Ticket, fence: Fence, value: Arc<CaseRead>) {
        let id = value.case.id;
        let mut shard = lock(self.shard(id));
        if ticket.epoch < shard.invalidated_at.max(self.flushed_at.load(Ordering::SeqCst)) || !self.is_live() {
            return;
        }
        let per_shard = self.limits.cases.div_ceil(SHARDS);
        if !shard.entries.contains_key(&id) && shard.entries.len() >= per_shard {
            // Full: an arbitrary case goes (a hash map's order is as good as random here).
            if let Some(evicted) = shard.entries.keys().next().copied() {
                shard.entries.remove(&evicted);
            }
        }
        let answers = shard.entries.entry(id).or_default();
        answers.retain(|(f, _)| f != &fence);
        answers.push((fence, value));
    }

    /// The kept page, if any and if no notice for its lines came since it was read.
    pub fn page(&self, key: &PageKey) -> Option<Arc<PageRead>> {
        if self.limits.pages == 0 || !key.cacheable() || !self.is_live() {
            return None;
        }
        let generations = lock(&self.generations);
        let pages = lock(&self.pages);
        let found = pages.get(key).filter(|e| e.generation == generations.of(e.tag)).map(|e| e.value.clone());
        let counter = if found.is_some() { &self.counters.page_hits } else { &self.counters.page_misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Take before reading a page from the database (`None`: do not keep its answer).
    pub fn page_ticket(&self, key: &PageKey) -> Option<Ticket> {
        if !key.cacheable() {
            return None;
        }
        self.ticket(self.limits.pages, Some(key.tag()))
    }

    /// Keeps a page read under `ticket`, unless a notice for its lines (or a flush) came since.
    pub fn keep_page(&self, ticket: Ticket, key: PageKey, value: Arc<PageRead>) {
        let tag = key.tag();
        let generations = lock(&self.generations);
        if ticket.generation != generations.of(tag) || ticket.epoch < self.flushed_at.load(Ordering::SeqCst) || !self.is_live() {
            return;
        }
        let mut pages = lock(&self.pages);
        if !pages.contains_key(&key) && pages.len() >= self.limits.pages {
            pages.retain(|_, e| e.generation == generations.of(e.tag));
            if pages.len() >= self.limits.pages
                && let Some(evicted) = pages.keys().next().cloned()
            {
                pages.remove(&evicted);
            }
        }
        pages.insert(key, PageEntry { value, tag, generation: ticket.generation });
    }

    /// These cases changed: their entries go, and fills in their shards begun before now are
    /// refused.
    pub fn cases_changed(&self, ids: &[Uuid]) {
        let at = self.epoch.fetch_add(1, Ordering::SeqCst) + 1;
        for id in ids {
            let mut shard = lock(self.shard(*id));
            shard.entries.remove(id);
            shard.invalidated_at = shard.invalidated_at.max(at);
        }
    }

    /// These lines' lists changed: their pages (and the pages of no line or creator) are stale.
    pub fn lists_changed(&self, lines: &[Uuid]) {
        let mut generations = lock(&self.generations);
        generations.any += 1;
        for t in lines {
            *generations.lines.entry(*t).or_insert(0) += 1;
        }
    }

    /// The cases these accounts or keys brought in changed: their own pages are stale. (The
    /// same change's `t` notice takes care of every other page.)
    pub fn creators_changed(&self, creators: &[Uuid]) {
        let mut generations = lock(&self.generations);
        for k in creators {
            *generations.creators.entry(*k).or_insert(0) += 1;
        }
    }

    /// Takes in one notice from the channel.
    pub fn apply(&self, payload: &str) {
        match Notice::parse(payload) {
            Ok(Notice::Cases(ids)) => {
                self.counters.notices.fetch_add(1, Ordering::Relaxed);
                self.cases_changed(&ids)
            }
            Ok(Notice::Lines(ids)) => {
                self.counters.notices.fetch_add(1, Ordering::Relaxed);
                self.lists_changed(&ids)
            }
            Ok(Notice::Creators(ids)) => {
                self.counters.notices.fetch_add(1, Ordering::Relaxed);
                self.creators_changed(&ids)
            }
            Ok(Notice::Sync { process, seq }) => self.syncs.arrived(process, seq),
            Err(e) => {
                // Not ours to read: keep nothing that it might have concerned.
                tracing::warn!(payload = %payload.chars().take(80).collect::<String>(), error = %e, "an unreadable cache notice; the read cache is emptied");
                self.flush();
            }
        }
    }

    pub fn reading(&self) -> CacheReading {
        let c = &self.counters;
        CacheReading {
            case_hits: c.case_hits.load(Ordering::Relaxed),
            case_misses: c.case_misses.load(Ordering::Relaxed),
            page_hits: c.page_hits.load(Ordering::Relaxed),
            page_misses: c.page_misses.load(Ordering::Relaxed),
            notices: c.notices.load(Ordering::Relaxed),
            flushes: c.flushes.load(Ordering::Relaxed),
            syncs: c.syncs.load(Ordering::Relaxed),
            live: self.is_live(),
            cases: self.cases.iter().map(|s| lock(s).entries.len()).sum(),
            pages: lock(&self.pages).len(),
        }
    }
}

#[cfg(test)]
mod tests;

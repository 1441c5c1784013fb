//! The tenant scope of the work at hand, for PostgreSQL row-level security (defence in depth
//! behind the scoped repositories, which stay the first fence and the only one on SQLite).
//!
//! The scope lives in a tokio task-local: the API opens an empty one per request and fills it
//! in once the caller is authenticated; the worker, the intake writer and the start-up tasks
//! run under [`Scope::Platform`]. Each connection taken from the PostgreSQL pool is told the
//! scope of the task taking it (`hotline.scope`, see `connect.rs`); the policies of migration
//! 000051 read it. No scope means no rows: work that forgot to say whose it is fails closed.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use uuid::Uuid;

/// Whose rows the work at hand may see and write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every tenant: the city office (12345) and platform officers, the worker's sweeps, the
    /// intake writer's batches, sign-in before the tenant is known, start-up and migrations.
    Platform,
    /// These tenants only (a line's staff and integrators: their own line), plus the cases
    /// they take part in (联办), which the policies add themselves.
    Tenants(Vec<Uuid>),
}

impl Scope {
    pub fn tenant(id: Uuid) -> Self {
        Scope::Tenants(vec![id])
    }

    /// The value of `hotline.scope` (see migration 000050).
    pub fn setting(&self) -> String {
        match self {
            Scope::Platform => "platform".to_owned(),
            Scope::Tenants(ids) => ids.iter().map(Uuid::to_string).collect::<Vec<_>>().join(","),
        }
    }
}

tokio::task_local! {
    static CURRENT: Arc<Mutex<Option<Scope>>>;
    /// Whether the request began a write transaction ([`crate::begin_write`]): its end then
    /// waits until this process's read cache has taken in what the database changed, so the
    /// caller reads its own writes (see hotline-core's `read_cache`).
    static WROTE: Arc<AtomicBool>;
}

/// Runs `work` under `scope` (an inner `run` replaces it for its own duration).
pub async fn run<F: Future>(scope: Scope, work: F) -> F::Output {
    CURRENT.scope(Arc::new(Mutex::new(Some(scope))), work).await
}

/// Runs `work` under [`Scope::Platform`].
pub async fn platform<F: Future>(work: F) -> F::Output {
    run(Scope::Platform, work).await
}

/// Runs `work` (a request) with no scope yet; [`set`] fills it in once the caller is known.
/// The request's write mark starts unset (see [`wrote`]).
pub async fn open<F: Future>(work: F) -> F::Output {
    CURRENT.scope(Arc::new(Mutex::new(None)), WROTE.scope(Arc::new(AtomicBool::new(false)), work)).await
}

/// Marks the enclosing request as one that wrote (no-op outside [`open`]).
pub(crate) fn mark_write() {
    let _ = WROTE.try_with(|w| w.store(true, Ordering::Relaxed));
}

/// Whether the enclosing request began a write transaction so far (false outside [`open`]).
pub fn wrote() -> bool {
    WROTE.try_with(|w| w.load(Ordering::Relaxed)).unwrap_or(false)
}

/// Sets the scope of the enclosing [`open`] or [`run`]; false outside any (nothing changes).
pub fn set(scope: Scope) -> bool {
    CURRENT.try_with(|cell| *cell.lock().unwrap_or_else(|p| p.into_inner()) = Some(scope)).is_ok()
}

/// The scope of the current task, if any.
pub fn current() -> Option<Scope> {
    CURRENT.try_with(|cell| cell.lock().unwrap_or_else(|p| p.into_inner()).clone()).ok().flatten()
}

/// `work` carrying the current scope along, for `tokio::spawn` (a spawned task starts with
/// none, and so would see nothing).
pub fn carried<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let scope = current();
    async move {
        match scope {
            Some(scope) => run(scope, work).await,
            None => work.await,
        }
    }
}

/// The `hotline.scope` value for the current task: empty (nothing visible) without a scope.
pub(crate) fn current_setting() -> String {
    current().map(|s| s.setting()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn scopes_nest_and_requests_fill_theirs_in() {
        assert_eq!(current(), None);
        assert!(!set(Scope::Platform), "no scope to set outside a task's");
        let a = Uuid::now_v7();
        open(async {
            assert_eq!(current_setting(), "");
            assert!(set(Scope::tenant(a)));
            assert_eq!(current_setting(), a.to_string());
            platform(async { assert_eq!(current_setting(), "platform") }).await;
            assert_eq!(current(), Some(Scope::tenant(a)));
            let carried = tokio::spawn(carried(async { current() })).await.unwrap();
            assert_eq!(carried, Some(Scope::tenant(a)));
            assert_eq!(tokio::spawn(async { current() }).await.unwrap(), None);
            assert!(!wrote(), "a request starts with nothing written");
            platform(async { mark_write() }).await;
            assert!(wrote(), "a write under an inner scope still marks the request");
        })
        .await;
        assert!(!wrote());
        mark_write();
        assert!(!wrote(), "outside a request there is nothing to mark");
        let b = Uuid::now_v7();
        assert_eq!(Scope::Tenants(vec![a, b]).setting(), format!("{a},{b}"));
    }
}

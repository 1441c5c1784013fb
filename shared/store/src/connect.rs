use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement};
use sea_orm_migration::MigratorTrait;

/// The database handle shared by the services.
#[derive(Debug, Clone)]
pub struct Store {
    pub db: DatabaseConnection,
}

impl Store {
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Applies pending migrations (idempotent). They see every tenant's rows (a data
    /// migration must), so they run under the platform scope.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        crate::scope::platform(hotline_migrations::Migrator::up(&self.db, None)).await
    }

    /// Names of the migrations already applied, in the code's order. Read from the history
    /// table directly: sea-orm-migration's own reader first creates that table if missing,
    /// which the service's role (it owns nothing, row-level security) may not do.
    pub async fn applied_migrations(&self) -> Result<Vec<String>, DbErr> {
        let rows = match self.db.query_all_raw(Statement::from_string(self.backend(), "SELECT version FROM seaql_migrations")).await {
            Ok(rows) => rows,
            // No history table yet: nothing applied.
            Err(_) if !self.has_migration_table().await? => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let done: std::collections::HashSet<String> = rows.iter().map(|r| r.try_get::<String>("", "version")).collect::<Result<_, _>>()?;
        Ok(hotline_migrations::Migrator::migrations().iter().map(|m| m.name().to_owned()).filter(|n| done.contains(n)).collect())
    }

    /// How many of the code's migrations this database has not applied.
    pub async fn pending_migrations(&self) -> Result<usize, DbErr> {
        Ok(hotline_migrations::Migrator::migrations().len() - self.applied_migrations().await?.len())
    }

    async fn has_migration_table(&self) -> Result<bool, DbErr> {
        let sql = match self.backend() {
            DbBackend::Postgres => "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'seaql_migrations'",
            _ => "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'",
        };
        let row = self.db.query_one_raw(Statement::from_string(self.backend(), sql)).await?;
        Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0) > 0)
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }

    /// The connection pool's state, for monitoring: connections open, idle among them, and
    /// the configured maximum. A pool that stays at its maximum with none idle makes requests
    /// wait for a connection (`acquire_timeout`).
    pub fn pool_stats(&self) -> PoolStats {
        match self.backend() {
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                PoolStats { open: pool.size(), idle: pool.num_idle() as u32, max: pool.options().get_max_connections() }
            }
            DbBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                PoolStats { open: pool.size(), idle: pool.num_idle() as u32, max: pool.options().get_max_connections() }
            }
            _ => PoolStats::default(),
        }
    }
}

/// See [`Store::pool_stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// Begins a transaction that writes: every transaction of the platform but the export's
/// snapshot (clippy's `disallowed-methods` refuses a bare `begin()`). On SQLite it is `BEGIN
/// IMMEDIATE`: a deferred transaction that has read cannot take the write lock once another
/// connection has committed since (SQLite answers "database is locked" at once, without
/// waiting, whatever the busy timeout), whereas an immediate one waits for the lock at its
/// start. PostgreSQL begins as usual; inside a transaction it is a savepoint. It marks the
/// request it runs in as one that wrote ([`crate::scope::wrote`]).
pub async fn begin_write<C>(db: &C) -> Result<C::Transaction, DbErr>
where
    C: ConnectionTrait + sea_orm::TransactionTrait,
{
    use sea_orm::{SqliteTransactionMode, TransactionOptions};
    crate::scope::mark_write();
    let mode = (db.get_database_backend() == DbBackend::Sqlite).then_some(SqliteTransactionMode::Immediate);
    db.begin_with_options(TransactionOptions { sqlite_transaction_mode: mode, ..Default::default() }).await
}

/// A pool's size, and how long a task waits for one of its connections (all busy, or the
/// database unreachable) before it fails with [`crate::StoreError::Unavailable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl PoolSettings {
    /// The acquire timeout when none is configured.
    pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

    pub fn new(max_connections: u32) -> Self {
        PoolSettings { max_connections, acquire_timeout: Self::DEFAULT_ACQUIRE_TIMEOUT }
    }
}

/// Connects to `sqlite:…` (creating the file and its folder, WAL journal) or `postgres://…`
/// (each connection taken is told the scope of the task taking it).
pub async fn connect(url: &str, max_connections: u32) -> Result<Store, DbErr> {
    connect_with(url, PoolSettings::new(max_connections)).await
}

/// [`connect`] with a pool configured in full.
pub async fn connect_with(url: &str, pool: PoolSettings) -> Result<Store, DbErr> {
    connect_as(url, pool, None).await
}

/// Connects a pool that serves one scope only, whatever the task taking a connection (the
/// intake writer's: the platform). On PostgreSQL its connections are told the scope once, when
/// they open, instead of on every acquire: that statement was one of the round trips of every
/// batch. Liveness, which the per-acquire statement also checked, comes from sqlx pinging each
/// connection as it is released (closing it if the ping fails) and from a ping before reusing
/// a connection that sat idle for [`STALE_AFTER`] or longer (the server may have restarted).
pub async fn connect_scoped(url: &str, pool: PoolSettings, scope: crate::scope::Scope) -> Result<Store, DbErr> {
    connect_as(url, pool, Some(scope)).await
}

/// See [`connect_scoped`]: idle this long, a connection is pinged before it is used again.
pub const STALE_AFTER: Duration = Duration::from_secs(1);

async fn connect_as(url: &str, pool: PoolSettings, fixed: Option<crate::scope::Scope>) -> Result<Store, DbErr> {
    let url = if url.starts_with("sqlite:") { prepare_sqlite(url)? } else { url.to_owned() };
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(pool.max_connections)
        .min_connections(1)
        .connect_timeout(pool.acquire_timeout)
        .acquire_timeout(pool.acquire_timeout)
        .sqlx_logging(false);
    if url.starts_with("postgres") {
        match fixed {
            None => tell_each_connection_its_scope(&mut opts),
            Some(scope) => keep_one_scope(&mut opts, scope.setting()),
        }
    }
    if url.starts_with("sqlite:") {
        // WAL lets readers run beside the single writer; FULL sync makes a commit durable
        // before we acknowledge it; the busy timeout queues writers instead of failing them.
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    }
    let db = Database::connect(opts).await?;
    Ok(Store { db })
}

/// Row-level security: every connection taken from the pool is first told the scope of the
/// task taking it (`hotline.scope`, read by the policies of migration 000051), so a connection
/// never carries a previous task's scope. The statement replaces the liveness ping sqlx would
/// otherwise send on each acquire (a broken connection fails it and is replaced), so the
/// scope costs no extra round trip: one statement per transaction or lone query, as before.
fn tell_each_connection_its_scope(opts: &mut ConnectOptions) {
    opts.test_before_acquire(false);
    opts.map_sqlx_postgres_pool_opts(|pool| {
        pool.after_connect(|conn, _| {
            let setting = crate::scope::current_setting();
            Box::pin(async move { set_scope(conn, setting).await })
        })
        .before_acquire(|conn, _| {
            let setting = crate::scope::current_setting();
            Box::pin(async move { set_scope(conn, setting).await.map(|()| true) })
        })
    });
}

/// See [`connect_scoped`].
fn keep_one_scope(opts: &mut ConnectOptions, setting: String) {
    opts.test_before_acquire(false);
    opts.map_sqlx_postgres_pool_opts(move |pool| {
        let setting = setting.clone();
        pool.after_connect(move |conn, _| {
            let setting = setting.clone();
            Box::pin(async move { set_scope(conn, setting).await })
        })
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                use sea_orm::sqlx::Connection;
                if meta.idle_for < STALE_AFTER {
                    return Ok(true);
                }
                conn.ping().await.map(|()| true)
            })
        })
    });
}

async fn set_scope(conn: &mut sea_orm::sqlx::PgConnection, setting: String) -> Result<(), sea_orm::sqlx::Error> {
    if setting.is_empty() {
        tracing::debug!("a database connection is taken outside any tenant scope: row-level security shows it nothing");
    }
    sea_orm::sqlx::query("SELECT set_config('hotline.scope', $1, false)").bind(setting).execute(conn).await.map(|_| ())
}

/// Makes sure the folder of a SQLite file exists and that the file is created on first start.
fn prepare_sqlite(url: &str) -> Result<String, DbErr> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.contains(":memory:") {
        // Each connection of a pool would open a database of its own (settings refuse it too).
        return Err(DbErr::Custom("an in-memory SQLite database is not shared between a pool's connections: name a file".into()));
    }
    let parent = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbErr::Custom(format!("cannot create the database folder {}: {e}", parent.display())))?;
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".into()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = std::env::temp_dir().join(format!("hotline-store-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}/sub/h.db", dir.display());
        let prepared = prepare_sqlite(&url).unwrap();
        assert!(prepared.ends_with("h.db?mode=rwc"), "{prepared}");
        assert!(dir.join("sub").is_dir());
        assert!(prepare_sqlite("sqlite::memory:").unwrap_err().to_string().contains("name a file"));
        assert!(prepare_sqlite("sqlite://x.db?mode=ro").unwrap().ends_with("mode=ro"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A second connection to a SQLite file that never waits for a lock (busy timeout 0): what
    /// it cannot get at once, it is refused.
    pub(crate) async fn impatient(path: &std::path::Path) -> sea_orm::sqlx::SqliteConnection {
        use sea_orm::sqlx::{Connection, sqlite::SqliteConnectOptions};
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true).busy_timeout(Duration::ZERO);
        sea_orm::sqlx::SqliteConnection::connect_with(&options).await.unwrap()
    }

    async fn sqlite_file(name: &str) -> (Store, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("hotline-store-{name}-{}", uuid::Uuid::now_v7()));
        let store = connect(&format!("sqlite://{}/h.db", dir.display()), 2).await.unwrap();
        store.db.execute_unprepared("CREATE TABLE t (n INTEGER)").await.unwrap();
        (store, dir)
    }

    async fn count(db: &impl ConnectionTrait) -> i64 {
        let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT count(*) AS n FROM t")).await.unwrap().unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    /// Why `begin_write` exists: a deferred SQLite transaction that has read cannot write once
    /// another connection has committed, and it fails at once, busy timeout or not.
    #[tokio::test]
    #[allow(clippy::disallowed_methods)]
    async fn a_deferred_sqlite_transaction_that_read_fails_to_write_after_another_commit() {
        use sea_orm::TransactionTrait;
        let (store, dir) = sqlite_file("deferred").await;
        let txn = store.db.begin().await.unwrap();
        assert_eq!(count(&txn).await, 0);
        store.db.execute_unprepared("INSERT INTO t VALUES (1)").await.expect("another connection commits beside the reader");
        let err = txn.execute_unprepared("INSERT INTO t VALUES (2)").await.expect_err("the stale reader cannot write");
        assert!(err.to_string().contains("locked"), "{err}");
        drop(txn);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// `begin_write` takes SQLite's write lock at its start: another writer (here one that
    /// would not wait at all) cannot get in between its read and its write, so it commits.
    #[tokio::test]
    async fn begin_write_holds_the_sqlite_write_lock_from_its_start() {
        use sea_orm::sqlx::{Connection, Executor};
        let (store, dir) = sqlite_file("immediate").await;
        let txn = begin_write(&store.db).await.unwrap();
        assert_eq!(count(&txn).await, 0);
        let mut other = impatient(&dir.join("h.db")).await;
        let refused = other.execute("BEGIN IMMEDIATE").await.expect_err("the write lock is taken");
        assert!(refused.to_string().contains("locked"), "{refused}");
        txn.execute_unprepared("INSERT INTO t VALUES (2)").await.unwrap();
        txn.commit().await.unwrap();
        other.execute("INSERT INTO t VALUES (1)").await.expect("free again after the commit");
        assert_eq!(count(&store.db).await, 2);
        other.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Inside a transaction it is a savepoint (audit appends rely on that).
    #[tokio::test]
    async fn begin_write_inside_a_transaction_is_a_savepoint() {
        let (store, dir) = sqlite_file("savepoint").await;
        let outer = begin_write(&store.db).await.unwrap();
        let inner = begin_write(&outer).await.unwrap();
        inner.execute_unprepared("INSERT INTO t VALUES (1)").await.unwrap();
        inner.rollback().await.unwrap();
        outer.execute_unprepared("INSERT INTO t VALUES (2)").await.unwrap();
        outer.commit().await.unwrap();
        assert_eq!(count(&store.db).await, 1, "the savepoint's row rolled back alone");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

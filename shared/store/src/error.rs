use sea_orm::{DbErr, RuntimeErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. a username or number already taken).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database cannot be reached or cannot take the work now (connection refused or
    /// lost, pool exhausted, server shutting down or recovering, SQLite locked past its busy
    /// timeout): nothing was done, and the same request may succeed later (503, not 500).
    #[error("database unavailable: {0}")]
    Unavailable(DbErr),
    #[error("database error: {0}")]
    Db(DbErr),
    /// A stored value no longer parses (a bug or manual edit); never shown to clients.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(msg)) = e.sql_err() {
            return StoreError::Conflict(msg);
        }
        if unavailable(&e) { StoreError::Unavailable(e) } else { StoreError::Db(e) }
    }
}

/// PostgreSQL error classes that say "not now" rather than "wrong": 08 connection exception,
/// 53 insufficient resources (too many connections, out of memory or disk), 57P01-57P03
/// (administrator or crash shutdown, cannot connect now: a server starting or recovering).
const PG_NOT_NOW: &[&str] = &["08", "53", "57P01", "57P02", "57P03"];
/// SQLite's SQLITE_BUSY and SQLITE_LOCKED with their extended codes (the primary code is the
/// low byte): the busy timeout ran out behind another writer.
const SQLITE_NOT_NOW: &[i64] = &[5, 6];

/// Whether `e` is the database being unavailable rather than the request or the code at fault.
pub fn unavailable(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error;
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx.as_ref() {
        Error::Io(_) | Error::Tls(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
        Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>().is_some() {
                code.parse::<i64>().is_ok_and(|n| SQLITE_NOT_NOW.contains(&(n & 0xff)))
            } else {
                PG_NOT_NOW.iter().any(|p| code.starts_with(p))
            }
        }
        _ => false,
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::sqlx::Executor;

    use super::*;
    use crate::connect::tests::impatient as open;

    fn as_store_error(e: sea_orm::sqlx::Error) -> StoreError {
        StoreError::from(DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e))))
    }

    /// Real SQLite errors: "locked" (another writer past the busy timeout) is the database
    /// being busy, so the request may be retried (503); a wrong statement is not; a unique
    /// violation is a conflict.
    #[tokio::test]
    async fn a_locked_sqlite_database_is_unavailable_a_wrong_statement_is_not() {
        let dir = std::env::temp_dir().join(format!("hotline-store-error-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.db");
        let mut holder = open(&path).await;
        holder.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)").await.unwrap();
        holder.execute("BEGIN IMMEDIATE").await.unwrap();
        let mut other = open(&path).await;

        let locked = other.execute("INSERT INTO t VALUES (1)").await.expect_err("the write lock is held");
        assert!(matches!(as_store_error(locked), StoreError::Unavailable(_)));
        let wrong = other.execute("INSERT INTO nowhere VALUES (1)").await.expect_err("no such table");
        assert!(matches!(as_store_error(wrong), StoreError::Db(_)));

        holder.execute("INSERT INTO t VALUES (1)").await.unwrap();
        holder.execute("COMMIT").await.unwrap();
        let twice = other.execute("INSERT INTO t VALUES (1)").await.expect_err("taken");
        assert!(matches!(as_store_error(twice), StoreError::Conflict(_)));
        assert!(matches!(StoreError::from(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)), StoreError::Unavailable(_)));
        std::fs::remove_dir_all(dir).unwrap();
    }
}

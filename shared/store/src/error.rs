use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. a username or number already taken).
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(DbErr),
    /// A stored value no longer parses (a bug or manual edit); never shown to clients.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(msg)) => StoreError::Conflict(msg),
            _ => StoreError::Db(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

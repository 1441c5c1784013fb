use std::sync::Arc;

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing worker stopped")]
    Join,
}

/// argon2id with the OWASP parameters (m = 19 MiB, t = 2, p = 1, the crate's defaults), run on
/// the blocking pool behind a semaphore: a login flood then queues instead of exhausting memory
/// and starving the async workers.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// A real hash of a random password, verified when the account does not exist so that
    /// "no such user" takes as long as "wrong password" (no user enumeration by timing).
    dummy: Arc<str>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Self {
        let dummy = hash_now("dummy-password-for-timing-only").expect("argon2 with default parameters works");
        Self { permits: Arc::new(Semaphore::new(concurrency.max(1))), dummy: dummy.into() }
    }

    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Join)?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_now(&password)).await.map_err(|_| PasswordError::Join)?
    }

    /// `true` when `password` matches `stored`. With `stored = None` (unknown account) a dummy
    /// hash is checked and `false` returned.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Join)?;
        let known = stored.is_some();
        let hash = stored.map(str::to_owned).unwrap_or_else(|| self.dummy.to_string());
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok())
            .await
            .map_err(|_| PasswordError::Join)?;
        Ok(known && matches)
    }
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| PasswordError::Hash(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hasher = PasswordHasher::new(2);
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse battery", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("wrong horse battery", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("correct horse battery", None).await.unwrap());
        assert!(!hasher.verify("x", Some("not a phc string")).await.unwrap());
    }

    #[tokio::test]
    async fn equal_passwords_get_different_salts() {
        let hasher = PasswordHasher::new(1);
        let a = hasher.hash("same password").await.unwrap();
        let b = hasher.hash("same password").await.unwrap();
        assert_ne!(a, b);
    }
}

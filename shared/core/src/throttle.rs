//! Login throttling that slows guessing without locking the real user out.
//!
//! Three counters of failed logins, each forgotten 15 minutes after its last failure:
//! - per (account, address): after 5 failures each further try waits 2^(n-5) s (≤ 15 min);
//! - per address: after 100 failures from one address (spraying many accounts), it waits;
//! - per account from addresses it never logged in from: after 20 such failures, unknown
//!   addresses wait 2^(n-20) s (≤ 15 min). An address where the account logged in before is
//!   exempt, so an attacker elsewhere cannot lock the owner out of their usual desk;
//! - per account, wrong second-factor codes: after 5, waits as for the pair.
//!
//! Counters live in the kv store (Redis with several replicas); times come from the core's
//! clock, so tests move time instead of sleeping.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Core, CoreError, CoreResult};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const KNOWN_ADDRESS_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
const PAIR_FREE: u32 = 5;
const ACCOUNT_FREE: u32 = 20;
const ADDRESS_FREE: u32 = 100;
const MAX_DELAY_SECS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Failures {
    n: u32,
    last: i64,
}

impl Failures {
    /// Seconds still to wait at `now`, given the number of free attempts.
    fn wait(&self, free: u32, now: DateTime<Utc>) -> i64 {
        if self.n < free {
            return 0;
        }
        let delay = 1i64.checked_shl(self.n - free).unwrap_or(i64::MAX).min(MAX_DELAY_SECS);
        (self.last + delay - now.timestamp()).max(0)
    }
}

fn pair_key(user: &str, ip: &str) -> String {
    format!("login:pair:{user}:{ip}")
}
fn account_key(user: &str) -> String {
    format!("login:acct:{user}")
}
fn address_key(ip: &str) -> String {
    format!("login:addr:{ip}")
}
fn known_key(user: &str, ip: &str) -> String {
    format!("login:known:{user}:{ip}")
}
fn mfa_key(user: uuid::Uuid) -> String {
    format!("login:mfa:{user}")
}

impl Core {
    async fn failures(&self, key: &str) -> CoreResult<Failures> {
        Ok(self.kv.get(key).await?.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default())
    }

    async fn bump(&self, key: &str) -> CoreResult<()> {
        let mut f = self.failures(key).await?;
        f.n = f.n.saturating_add(1);
        f.last = self.now().timestamp();
        let value = serde_json::to_string(&f).map_err(|e| CoreError::Internal(e.to_string()))?;
        self.kv.set(key, &value, WINDOW).await?;
        Ok(())
    }

    /// Refuses the attempt with the time to wait when a counter says so.
    pub(crate) async fn check_login_throttle(&self, user: &str, ip: &str) -> CoreResult<()> {
        let now = self.now();
        let mut wait = self.failures(&pair_key(user, ip)).await?.wait(PAIR_FREE, now);
        wait = wait.max(self.failures(&address_key(ip)).await?.wait(ADDRESS_FREE, now));
        if self.kv.get(&known_key(user, ip)).await?.is_none() {
            wait = wait.max(self.failures(&account_key(user)).await?.wait(ACCOUNT_FREE, now));
        }
        if wait > 0 {
            return Err(CoreError::Throttled { retry_after_secs: wait as u64 });
        }
        Ok(())
    }

    pub(crate) async fn record_login_failure(&self, user: &str, ip: &str) -> CoreResult<()> {
        self.bump(&pair_key(user, ip)).await?;
        self.bump(&address_key(ip)).await?;
        if self.kv.get(&known_key(user, ip)).await?.is_none() {
            self.bump(&account_key(user)).await?;
        }
        Ok(())
    }

    /// Second-factor codes: 5 free failures per account, then doubling waits (≤ 15 min), so
    /// the million codes cannot be tried, whatever the address.
    pub(crate) async fn check_mfa_throttle(&self, user: uuid::Uuid) -> CoreResult<()> {
        let wait = self.failures(&mfa_key(user)).await?.wait(PAIR_FREE, self.now());
        if wait > 0 {
            return Err(CoreError::Throttled { retry_after_secs: wait as u64 });
        }
        Ok(())
    }

    pub(crate) async fn record_mfa_failure(&self, user: uuid::Uuid) -> CoreResult<()> {
        self.bump(&mfa_key(user)).await
    }

    pub(crate) async fn clear_mfa_failures(&self, user: uuid::Uuid) -> CoreResult<()> {
        Ok(self.kv.delete(&mfa_key(user)).await?)
    }

    pub(crate) async fn record_login_success(&self, user: &str, ip: &str) -> CoreResult<()> {
        self.kv.delete(&pair_key(user, ip)).await?;
        self.kv.set(&known_key(user, ip), "1", KNOWN_ADDRESS_TTL).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ts: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(ts, 0).unwrap()
    }

    #[test]
    fn free_attempts_then_doubling_waits() {
        let f = |n| Failures { n, last: 1000 };
        assert_eq!(f(4).wait(5, at(1000)), 0);
        assert_eq!(f(5).wait(5, at(1000)), 1);
        assert_eq!(f(6).wait(5, at(1000)), 2);
        assert_eq!(f(8).wait(5, at(1000)), 8);
        assert_eq!(f(8).wait(5, at(1005)), 3);
        assert_eq!(f(8).wait(5, at(1010)), 0);
        assert_eq!(f(60).wait(5, at(1000)), MAX_DELAY_SECS);
        assert_eq!(f(u32::MAX).wait(5, at(1000)), MAX_DELAY_SECS);
    }
}

//! Request budgets: at most `limit` requests per fixed window, counted in the kv store so every
//! replica spends from the same budget.
//!
//! Windows are aligned to the epoch and numbered from the caller's clock (the core's, which
//! tests move instead of sleeping), so the window a request falls in does not depend on when
//! Redis happened to create the counter. A fixed window lets a client spend up to twice the
//! limit around a window's edge; that is accepted for its cost (one INCR per request).

use std::time::Duration;

use crate::{Kv, KvResult};

/// What spending one request from a budget found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    Within,
    /// The budget is spent; the window ends in this many seconds (at least 1).
    Exceeded {
        retry_after_secs: u64,
    },
}

/// Counts one request against `key`'s budget of `limit` per `window` at `now_unix` (seconds).
pub async fn spend(kv: &dyn Kv, key: &str, limit: u32, window: Duration, now_unix: i64) -> KvResult<Spend> {
    let secs = window.as_secs().max(1) as i64;
    let index = now_unix.div_euclid(secs);
    // The counter outlives its window a little, so a slow clock never finds it gone early.
    let n = kv.increment(&format!("rate:{key}:{secs}:{index}"), Duration::from_secs(secs as u64 + 60)).await?;
    if n <= i64::from(limit) {
        return Ok(Spend::Within);
    }
    let ends = (index + 1) * secs;
    Ok(Spend::Exceeded { retry_after_secs: (ends - now_unix).max(1) as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryKv;

    #[tokio::test]
    async fn a_budget_is_spent_then_renewed_in_the_next_window() {
        let kv = MemoryKv::default();
        let minute = Duration::from_secs(60);
        let t = 1_800_000_000; // a multiple of 60: the start of a window
        assert_eq!(spend(&kv, "a", 2, minute, t).await.unwrap(), Spend::Within);
        assert_eq!(spend(&kv, "a", 2, minute, t + 10).await.unwrap(), Spend::Within);
        assert_eq!(spend(&kv, "a", 2, minute, t + 15).await.unwrap(), Spend::Exceeded { retry_after_secs: 45 });
        // Another key has its own budget.
        assert_eq!(spend(&kv, "b", 2, minute, t + 15).await.unwrap(), Spend::Within);
        // The next window starts afresh.
        assert_eq!(spend(&kv, "a", 2, minute, t + 60).await.unwrap(), Spend::Within);
        assert_eq!(spend(&kv, "a", 2, minute, t + 119).await.unwrap(), Spend::Within);
        assert_eq!(spend(&kv, "a", 2, minute, t + 119).await.unwrap(), Spend::Exceeded { retry_after_secs: 1 });
    }
}

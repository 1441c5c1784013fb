//! Handling times as a histogram, so percentiles come from summed counters too: bucket `k`
//! holds times up to `60 s × 1.1^k` (10 % wide), from one minute to a year; longer times fall
//! in the last bucket. A percentile is the upper bound of the bucket it falls in: at most 10 %
//! above the exact value.

use std::sync::LazyLock;

/// Upper bounds in seconds, ascending.
pub static HANDLING_BUCKETS: LazyLock<Vec<i64>> = LazyLock::new(|| {
    let mut bounds = Vec::new();
    let mut b = 60.0_f64;
    while b < 366.0 * 86_400.0 {
        bounds.push(b.round() as i64);
        b *= 1.1;
    }
    bounds.push(b.round() as i64);
    bounds
});

/// The bucket of a handling time (negative times, from clock corrections, count as zero).
pub fn handling_bucket(seconds: i64) -> usize {
    let bounds = &*HANDLING_BUCKETS;
    bounds.partition_point(|&b| b < seconds.max(0)).min(bounds.len() - 1)
}

/// The `p`-th percentile (nearest rank) of a histogram, as its bucket's upper bound; `None`
/// when the histogram is empty.
pub fn percentile(histogram: &[i64], p: u8) -> Option<i64> {
    let total: i64 = histogram.iter().sum();
    if total <= 0 {
        return None;
    }
    // Nearest rank: the smallest value with at least p % of the values at or below it.
    let rank = ((f64::from(p.min(100)) / 100.0) * total as f64).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (i, n) in histogram.iter().enumerate() {
        seen += n;
        if seen >= rank {
            return HANDLING_BUCKETS.get(i).copied();
        }
    }
    HANDLING_BUCKETS.last().copied()
}

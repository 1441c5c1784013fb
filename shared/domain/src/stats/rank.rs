//! League tables: ranked by one figure, with a minimum sample so a unit with two cases does not
//! top the table, and stable ties (equal values share a place; order among them by key).

use super::{Counts, Metric, Value};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ranked {
    /// 1-based; equal values share the place of the first of them ("1, 2, 2, 4").
    pub place: usize,
    pub key: String,
    pub value: Option<f64>,
    /// The sample the figure rests on (its denominator, or the count itself).
    pub sample: i64,
}

/// Ranks `entries` by `metric`, best first. Entries whose sample is below `min_sample`, or whose
/// figure is undefined, are left out (the caller may list them apart as "too few cases").
pub fn rank(entries: &[(String, Counts)], metric: Metric, min_sample: i64) -> Vec<Ranked> {
    let mut rows: Vec<(String, f64, i64)> = entries
        .iter()
        .filter_map(|(key, counts)| {
            let sample = counts.get(metric.sample());
            let value = match metric.value(counts) {
                Value::Count(n) => Some(n as f64),
                Value::Ratio(v) => v,
            }?;
            (sample >= min_sample).then(|| (key.clone(), value, sample))
        })
        .collect();
    let better = metric.higher_is_better();
    rows.sort_by(|a, b| {
        let by_value = if better { b.1.total_cmp(&a.1) } else { a.1.total_cmp(&b.1) };
        by_value.then_with(|| a.0.cmp(&b.0))
    });
    let mut out: Vec<Ranked> = Vec::with_capacity(rows.len());
    for (i, (key, value, sample)) in rows.into_iter().enumerate() {
        let place = match out.last() {
            Some(prev) if prev.value == Some(value) => prev.place,
            _ => i + 1,
        };
        out.push(Ranked { place, key, value: Some(value), sample });
    }
    out
}

//! Request counts and latency per method, route pattern and status class. The route is the
//! pattern that matched (`/api/v1/cases/{id}`), never the raw path, so ids do not multiply
//! the series; methods outside the standard set and unmatched paths share one label each, so
//! a scanner cannot create series either.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::http::Method;

use super::exposition::{Exposition, Kind};

/// Upper bounds of the latency buckets, in seconds.
const BOUNDS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The route label of a request no resource matched (404 from the default service).
pub const UNMATCHED: &str = "unmatched";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    method: &'static str,
    route: String,
    status: &'static str,
}

#[derive(Debug, Default)]
struct Series {
    /// Per bucket (not cumulative: each observation touches one atomic).
    buckets: [AtomicU64; BOUNDS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// Shared by the server's workers; a read lock on the hot path, a write lock only when a
/// series is seen for the first time.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    series: RwLock<HashMap<Key, Arc<Series>>>,
}

fn labels(k: &Key) -> [(&'static str, &str); 3] {
    [("method", k.method), ("route", k.route.as_str()), ("status", k.status)]
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

impl HttpMetrics {
    /// Records one answered request. `route` is the matched pattern (`None`: nothing matched).
    pub fn observe(&self, method: &Method, route: Option<String>, status: u16, elapsed: Duration) {
        let key = Key { method: method_label(method), route: route.unwrap_or_else(|| UNMATCHED.into()), status: status_class(status) };
        let known = self.series.read().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
        let series = match known {
            Some(s) => s,
            None => self.series.write().unwrap_or_else(|p| p.into_inner()).entry(key).or_default().clone(),
        };
        let secs = elapsed.as_secs_f64();
        if let Some(i) = BOUNDS.iter().position(|b| secs <= *b) {
            series.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        series.count.fetch_add(1, Ordering::Relaxed);
        series.sum_micros.fetch_add(elapsed.as_micros().min(u64::MAX as u128) as u64, Ordering::Relaxed);
    }

    pub fn render(&self, e: &mut Exposition) {
        let mut all: Vec<(Key, Arc<Series>)> =
            self.series.read().unwrap_or_else(|p| p.into_inner()).iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(mut f) = e.family(
            "hotline_http_requests_total",
            Kind::Counter,
            "HTTP requests answered, by method, matched route pattern and status class.",
            !all.is_empty(),
        ) {
            for (k, s) in &all {
                f.sample(&labels(k), s.count.load(Ordering::Relaxed) as f64);
            }
        }
        if let Some(mut f) = e.family(
            "hotline_http_request_duration_seconds",
            Kind::Histogram,
            "Time from receiving a request to its response head, by method, matched route pattern and status class.",
            !all.is_empty(),
        ) {
            for (k, s) in &all {
                let mut running = 0;
                let cumulative: Vec<u64> = s
                    .buckets
                    .iter()
                    .map(|b| {
                        running += b.load(Ordering::Relaxed);
                        running
                    })
                    .collect();
                // Read the count after the buckets: a concurrent request may show in `count`
                // and not yet in a bucket, never the other way round (+Inf ≥ every bucket).
                let count = s.count.load(Ordering::Relaxed).max(running);
                let sum = s.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
                f.histogram(&labels(k), &BOUNDS, &cumulative, sum, count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_group_by_pattern_method_and_status_class() {
        let m = HttpMetrics::default();
        let case = || Some("/api/v1/cases/{id}".to_owned());
        m.observe(&Method::GET, case(), 200, Duration::from_millis(3));
        m.observe(&Method::GET, case(), 204, Duration::from_millis(300));
        m.observe(&Method::GET, case(), 404, Duration::from_millis(1));
        m.observe(&Method::from_bytes(b"BREW").unwrap(), None, 404, Duration::from_secs(60));
        let mut e = Exposition::default();
        m.render(&mut e);
        let text = e.finish();
        let ok = "method=\"GET\",route=\"/api/v1/cases/{id}\",status=\"2xx\"";
        assert!(text.contains(&format!("hotline_http_requests_total{{{ok}}} 2\n")), "{text}");
        assert!(text.contains(&format!("hotline_http_request_duration_seconds_bucket{{{ok},le=\"0.005\"}} 1\n")), "{text}");
        assert!(text.contains(&format!("hotline_http_request_duration_seconds_bucket{{{ok},le=\"0.25\"}} 1\n")), "{text}");
        assert!(text.contains(&format!("hotline_http_request_duration_seconds_bucket{{{ok},le=\"0.5\"}} 2\n")), "{text}");
        assert!(text.contains(&format!("hotline_http_request_duration_seconds_sum{{{ok}}} 0.303\n")), "{text}");
        assert!(text.contains("hotline_http_requests_total{method=\"GET\",route=\"/api/v1/cases/{id}\",status=\"4xx\"} 1\n"));
        // Past the last bucket: only +Inf holds it.
        let odd = "method=\"other\",route=\"unmatched\",status=\"4xx\"";
        assert!(text.contains(&format!("hotline_http_request_duration_seconds_bucket{{{odd},le=\"30\"}} 0\n")), "{text}");
        assert!(text.contains(&format!("hotline_http_request_duration_seconds_bucket{{{odd},le=\"+Inf\"}} 1\n")), "{text}");
    }
}

//! `GET /metrics`: Prometheus text format for operators (docs/OPERATIONS.md, "Metrics").
//!
//! Access: off unless `metrics_token` is configured (then a 404 like any unknown path, so a
//! public deployment exposes nothing by accident); with it, the scraper sends
//! `Authorization: Bearer <metrics_token>`. Not part of the REST API, so not in the OpenAPI
//! document. Process counters are this replica's; the database gauges are read at scrape time
//! (each one indexed query) and are the same on every replica.

pub mod exposition;
mod http;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use self::exposition::{Exposition, Kind};
pub use self::http::{HttpMetrics, UNMATCHED};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn scrape(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let Some(token) = &state.settings.metrics_token else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no endpoint at {} {}", req.method(), req.path())));
    };
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().as_bytes())
        .unwrap_or_default();
    if !bool::from(presented.ct_eq(token.expose_secret().as_bytes())) {
        return Err(ApiError::unauthenticated("metrics_unauthorized", "send Authorization: Bearer <metrics_token>"));
    }
    Ok(HttpResponse::Ok().content_type(exposition::CONTENT_TYPE).body(render(&state).await))
}

async fn render(state: &AppState) -> String {
    let mut e = Exposition::default();
    if let Some(mut f) = e.family("hotline_build_info", Kind::Gauge, "The running version (always 1).", true) {
        f.sample(&[("version", env!("CARGO_PKG_VERSION"))], 1.0);
    }
    state.http.render(&mut e);
    let t = &state.core.telemetry;
    if let Some(mut f) = e.family(
        "hotline_intakes_total",
        Kind::Counter,
        "Contacts taken in and stored by this process, by channel (replayed Idempotency-Keys not counted).",
        true,
    ) {
        for (channel, n) in t.intakes() {
            f.sample(&[("channel", channel)], n as f64);
        }
    }
    let writer = state.core.intake_writer.reading();
    let counter = |e: &mut Exposition, name: &'static str, help: &str, value: f64| {
        if let Some(mut f) = e.family(name, Kind::Counter, help, true) {
            f.sample(&[], value);
        }
    };
    counter(
        &mut e,
        "hotline_intake_batches_total",
        "Group commits of the intake writer (one transaction each): intakes per batch = rate of hotline_intake_batched_total / rate of this.",
        writer.batches as f64,
    );
    counter(&mut e, "hotline_intake_batched_total", "Intakes the intake writer's batches held.", writer.intakes as f64);
    counter(
        &mut e,
        "hotline_intake_writer_busy_seconds_total",
        "Time the intake writer spent writing batches; a rate near 1 means group commit is the intake's limit.",
        writer.busy_seconds,
    );
    let publishes = t.rule_publishes();
    if let Some(mut f) = e.family(
        "hotline_rule_set_publishes_total",
        Kind::Counter,
        "Rule-set versions published (rollbacks included) through this process, by line code.",
        !publishes.is_empty(),
    ) {
        for (tenant, n) in &publishes {
            f.sample(&[("tenant", tenant)], *n as f64);
        }
    }
    let gauges = state.core.ops_gauges().await;
    if let Err(err) = &gauges {
        tracing::warn!(error = %err, "metrics: the database gauges could not be read");
    }
    if let Some(mut f) = e.family("hotline_database_up", Kind::Gauge, "1 when the database answered this scrape's queries.", true) {
        f.sample(&[], if gauges.is_ok() { 1.0 } else { 0.0 });
    }
    let Ok(g) = gauges else { return e.finish() };
    let gauge = |e: &mut Exposition, name: &'static str, help: &str, labels: &[(&str, &str)], value: f64| {
        if let Some(mut f) = e.family(name, Kind::Gauge, help, true) {
            f.sample(labels, value);
        }
    };
    gauge(
        &mut e,
        "hotline_outbox_pending_messages",
        "Notifications waiting to be sent (the relay's backlog).",
        &[],
        g.outbox_pending as f64,
    );
    gauge(
        &mut e,
        "hotline_outbox_oldest_pending_age_seconds",
        "Age of the oldest notification still waiting (0 when none is).",
        &[],
        g.outbox_oldest_pending_seconds,
    );
    gauge(&mut e, "hotline_outbox_dead_messages", "Notifications dead-lettered after their last retry.", &[], g.outbox_dead as f64);
    if let Some(mut f) = e.family(
        "hotline_worker_lag_seconds",
        Kind::Gauge,
        "Now minus the watermark of a periodic worker job: how far behind the deadline sweep (deadline_sweep) or the hot-spot scan (hot_spots) is.",
        !g.worker_lag_seconds.is_empty(),
    ) {
        for (job, lag) in &g.worker_lag_seconds {
            f.sample(&[("job", job)], *lag);
        }
    }
    if let Some(mut f) =
        e.family("hotline_db_pool_connections", Kind::Gauge, "Database connections of this process's pool, by state.", true)
    {
        f.sample(&[("state", "in_use")], g.pool.open.saturating_sub(g.pool.idle) as f64);
        f.sample(&[("state", "idle")], g.pool.idle as f64);
    }
    gauge(&mut e, "hotline_db_pool_max_connections", "The pool's configured size (database_max_connections).", &[], g.pool.max as f64);
    read_cache(&mut e, &state.core.read_cache.reading());
    e.finish()
}

/// The read cache's families (hotline_core::read_cache): hit rate = hits / (hits + misses).
fn read_cache(e: &mut Exposition, r: &hotline_core::read_cache::CacheReading) {
    let by_kind = |e: &mut Exposition, name: &'static str, kind: Kind, help: &str, case: f64, page: f64| {
        if let Some(mut f) = e.family(name, kind, help, true) {
            f.sample(&[("kind", "case")], case);
            f.sample(&[("kind", "page")], page);
        }
    };
    by_kind(
        e,
        "hotline_read_cache_hits_total",
        Kind::Counter,
        "Reads answered from this process's read cache.",
        r.case_hits as f64,
        r.page_hits as f64,
    );
    by_kind(
        e,
        "hotline_read_cache_misses_total",
        Kind::Counter,
        "Reads the read cache could not answer (they went to the database).",
        r.case_misses as f64,
        r.page_misses as f64,
    );
    by_kind(e, "hotline_read_cache_entries", Kind::Gauge, "Cases and list pages the read cache holds.", r.cases as f64, r.pages as f64);
    let one = |e: &mut Exposition, name: &'static str, kind: Kind, help: &str, value: f64| {
        if let Some(mut f) = e.family(name, kind, help, true) {
            f.sample(&[], value);
        }
    };
    one(e, "hotline_read_cache_notices_total", Kind::Counter, "Change notices from the database taken in.", r.notices as f64);
    one(
        e,
        "hotline_read_cache_flushes_total",
        Kind::Counter,
        "Times the read cache was emptied (its listener connected or was lost, a sync notice failed).",
        r.flushes as f64,
    );
    one(
        e,
        "hotline_read_cache_live",
        Kind::Gauge,
        "1 while the read cache listens for changes and may answer; 0 otherwise.",
        if r.live { 1.0 } else { 0.0 },
    );
}

//! `GET /metrics` (issue 12): Prometheus text format read back with a real exposition-format
//! parser; counters move by exactly what the test did, database gauges follow the injected
//! clock, and the endpoint answers only with its token (off without one).

use std::collections::BTreeMap;

use chrono::Duration;
use hotline_store::entities::outbox;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::case_kit::complaint;
use crate::helpers::TestApp;

const TOKEN: &str = "e2e-metrics-token-0123456789";

/// Every sample of a scrape: (name with its `_bucket`/`_sum`/`_count` suffix, labels) → value.
struct Scrape(BTreeMap<(String, BTreeMap<String, String>), f64>);

impl Scrape {
    fn parse(text: &str) -> Self {
        use prom_text_format_parser::{Type, ValueType};
        let parsed = prom_text_format_parser::Scrape::parse(text).unwrap_or_else(|e| panic!("not Prometheus text format: {e:?}\n{text}"));
        let mut out = BTreeMap::new();
        for metric in parsed.metrics {
            for s in metric.samples {
                let suffix = match (metric.kind, s.value.value_type) {
                    (Type::Histogram, ValueType::Sample) => "_bucket",
                    (_, ValueType::Sum) => "_sum",
                    (_, ValueType::Count) => "_count",
                    _ => "",
                };
                let labels = s.labels.iter().map(|l| (l.key.clone(), l.value.clone())).collect();
                out.insert((format!("{}{suffix}", metric.name), labels), s.value.value.as_f64());
            }
        }
        Scrape(out)
    }

    /// The value of one series (0 when absent: a counter not yet seen).
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let labels: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.0.get(&(name.to_owned(), labels)).copied().unwrap_or(0.0)
    }

    fn routes(&self) -> Vec<String> {
        self.0.keys().filter_map(|(_, l)| l.get("route").cloned()).collect()
    }
}

impl TestApp {
    async fn scrape_as(&self, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(self.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    async fn scrape(&self) -> Scrape {
        let res = self.scrape_as(Some(TOKEN)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
        Scrape::parse(&res.text().await.unwrap())
    }
}

fn message(id: Uuid, status: &str, created_at: chrono::DateTime<chrono::Utc>) -> outbox::Model {
    outbox::Model {
        id,
        tenant_id: None,
        channel: "email".into(),
        recipient: "duty@example.org".into(),
        subject: "s".into(),
        body: "b".into(),
        status: status.into(),
        attempts: 0,
        next_attempt_at: created_at,
        last_error: None,
        created_at,
        sent_at: None,
    }
}

#[tokio::test]
async fn counters_move_by_what_was_done_and_gauges_read_the_database() {
    let app = TestApp::spawn_with(&[("HOTLINE_METRICS_TOKEN", TOKEN)]).await;
    let agent = app.token("agent").await;
    let admin = app.token("admin_12319").await;
    let before = app.scrape().await;

    // Three phone intakes and one by web; a replayed Idempotency-Key counts once.
    let mut cases = Vec::new();
    for text in ["路灯不亮。", "井盖缺失。", "占道经营。"] {
        cases.push(app.intake(&agent, complaint(text)).await["case_id"].as_str().unwrap().to_owned());
    }
    let mut web = complaint("网上反映垃圾清运。");
    web["channel"] = "web".into();
    for _ in 0..2 {
        let res = app
            .client
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&agent)
            .header("Idempotency-Key", "metrics-web-1")
            .json(&web)
            .send()
            .await;
        assert_eq!(res.unwrap().status(), StatusCode::CREATED);
    }
    // Two reads of two different cases are one route; an unknown path is "unmatched".
    for id in &cases[..2] {
        assert_eq!(app.get(&format!("/api/v1/cases/{id}"), &agent).await.0, StatusCode::OK);
    }
    assert_eq!(app.get("/no/such/place", &agent).await.0, StatusCode::NOT_FOUND);
    // A rule-set publish of line 12319.
    let base = "/api/v1/tenants/12319/rule-sets";
    let (status, draft) = app.call(Method::POST, base, &admin, Some(json!({"rules": [], "note": "空规则试行"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let (status, _) = app.call(Method::POST, &format!("{base}/{}/publish", draft["id"].as_str().unwrap()), &admin, None).await;
    assert_eq!(status, StatusCode::OK);

    let after = app.scrape().await;
    let moved = |name: &str, labels: &[(&str, &str)]| after.get(name, labels) - before.get(name, labels);
    assert_eq!(moved("hotline_intakes_total", &[("channel", "phone")]), 3.0);
    assert_eq!(moved("hotline_intakes_total", &[("channel", "web")]), 1.0);
    assert_eq!(after.get("hotline_intakes_total", &[("channel", "fax")]), 0.0, "every channel is reported");
    let read = [("method", "GET"), ("route", "/api/v1/cases/{id}"), ("status", "2xx")];
    assert_eq!(moved("hotline_http_requests_total", &read), 2.0);
    assert_eq!(moved("hotline_http_request_duration_seconds_count", &read), 2.0);
    let inf: Vec<(&str, &str)> = read.iter().copied().chain([("le", "+Inf")]).collect();
    assert_eq!(moved("hotline_http_request_duration_seconds_bucket", &inf), 2.0);
    let intake = [("method", "POST"), ("route", "/api/v1/cases"), ("status", "2xx")];
    assert_eq!(moved("hotline_http_requests_total", &intake), 5.0, "the replay is a request too");
    // One after the other, each intake is a batch of its own (the replay too: it is found
    // in the writer's transaction).
    assert_eq!(moved("hotline_intake_batches_total", &[]), 5.0);
    assert_eq!(moved("hotline_intake_batched_total", &[]), 5.0);
    assert!(moved("hotline_intake_writer_busy_seconds_total", &[]) > 0.0, "the writer's time is counted");
    assert_eq!(moved("hotline_http_requests_total", &[("method", "GET"), ("route", "unmatched"), ("status", "4xx")]), 1.0);
    assert!(after.routes().iter().all(|r| !cases.iter().any(|id| r.contains(id.as_str()))), "raw ids never become labels");
    assert_eq!(after.get("hotline_rule_set_publishes_total", &[("tenant", "12319")]), 1.0);
    assert_eq!(after.get("hotline_database_up", &[]), 1.0);
    assert_eq!(after.get("hotline_db_pool_max_connections", &[]), 4.0, "the test's pool size");
    let open =
        after.get("hotline_db_pool_connections", &[("state", "in_use")]) + after.get("hotline_db_pool_connections", &[("state", "idle")]);
    assert!((1.0..=4.0).contains(&open), "{open}");
}

#[tokio::test]
async fn outbox_backlog_and_sweep_lag_follow_the_database_and_the_clock() {
    let app = TestApp::spawn_with(&[("HOTLINE_METRICS_TOKEN", TOKEN)]).await;
    let db = &app.raw_db().await;
    let pending_before = hotline_store::outbox::all(db).await.unwrap().iter().filter(|m| m.status == "pending").count() as f64;
    assert_eq!(pending_before, 0.0, "a fresh platform queues nothing");
    let now = app.core.now();
    let rows = vec![
        message(Uuid::now_v7(), "pending", now - Duration::minutes(10)),
        message(Uuid::now_v7(), "pending", now - Duration::minutes(2)),
        message(Uuid::now_v7(), "dead", now - Duration::hours(5)),
        message(Uuid::now_v7(), "sent", now - Duration::hours(6)),
    ];
    hotline_store::outbox::insert(db, rows).await.unwrap();
    // The sweep runs now; its watermark is then 90 s behind when the clock moves on.
    app.core.sweep_deadlines().await.unwrap();
    app.clock.advance(Duration::seconds(90));

    let s = app.scrape().await;
    assert_eq!(s.get("hotline_outbox_pending_messages", &[]), 2.0);
    assert_eq!(s.get("hotline_outbox_dead_messages", &[]), 1.0);
    assert_eq!(s.get("hotline_outbox_oldest_pending_age_seconds", &[]), 690.0, "10 minutes plus the 90 s the clock moved");
    assert_eq!(s.get("hotline_worker_lag_seconds", &[("job", "deadline_sweep")]), 90.0);
}

#[tokio::test]
async fn metrics_need_their_token_and_are_off_without_one() {
    let app = TestApp::spawn_with(&[("HOTLINE_METRICS_TOKEN", TOKEN)]).await;
    for token in [None, Some("wrong-token-0123456789"), Some(&TOKEN[..TOKEN.len() - 1])] {
        let res = app.scrape_as(token).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "metrics_unauthorized");
    }
    // A user's access token is no scraper credential either.
    let admin = app.token("city_admin").await;
    assert_eq!(app.scrape_as(Some(&admin)).await.status(), StatusCode::UNAUTHORIZED);
    // Not part of the REST API's description.
    let spec: Value = app.client.get(app.url("/api-docs/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(spec["paths"].get("/metrics").is_none());

    let closed = TestApp::spawn().await;
    let res = closed.scrape_as(Some(TOKEN)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "not_found");
}

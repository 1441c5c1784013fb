//! A deadline sweep tick over 1,000,000 open cases, with ≈5,000 crossings per tick, on
//! PostgreSQL (goal: p99 ≤ 50 ms). Run: `cargo bench -p hotline-worker --bench sweep`.
//!
//! The bench creates its own database (dropped at the end) on the server named by
//! `HOTLINE_BENCH_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`), seeds
//! the demo city, then 1,000,000 open cases with one lead participant each, whose feedback
//! deadlines lie one second apart. Every case has a reminder point two days before its
//! deadline and a long-overdue point three days after it, so a tick whose window spans
//! 1,667 seconds crosses 1,667 reminder points, 1,667 deadlines and 1,667 escalations: 5,001
//! crossings, each written with its case event and the e-mail to the unit's staff.
//! `HOTLINE_BENCH_CASES` and `HOTLINE_BENCH_TICKS` shrink it for a quick look.

#[path = "common/mod.rs"]
mod common;

use common::{admin_url, env_or, listing, settings, with_db};
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};
use hotline_domain::clock::ManualClock;
use hotline_store::ConnectionTrait;

const WINDOW_SECONDS: i64 = 1_667;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if listing() {
        return Ok(());
    }
    let admin_url = admin_url();
    let cases = env_or("HOTLINE_BENCH_CASES", 1_000_000) as i64;
    let ticks = env_or("HOTLINE_BENCH_TICKS", 50) as usize;
    let name = format!("hotline_bench_sweep_{}_{}", std::process::id(), Utc::now().timestamp());
    let admin = hotline_store::connect(&admin_url, 2).await?;
    admin.db.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
    let result = run(&with_db(&admin_url, &name), cases, ticks).await;
    admin.db.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await?;
    result
}

async fn run(url: &str, cases: i64, ticks: usize) -> anyhow::Result<()> {
    let settings = settings(url)?;
    let t0 = Utc::now();
    let clock = ManualClock::new(t0);
    let core = hotline_api::build_core(&settings, Arc::new(clock.clone())).await?;
    core.bootstrap(Some("a long bench passphrase")).await?;
    core.seed_demo("a long bench passphrase").await?;
    let db = &core.store.db;
    // Every demo user gets an address, so crossings produce real outbox rows.
    db.execute_unprepared("UPDATE users SET email = username || '@bench.example.cn'").await?;

    let seeding = Instant::now();
    let base = t0.to_rfc3339();
    db.execute_unprepared(&format!(
        "WITH u AS (SELECT array_agg(id ORDER BY id) AS ids FROM units WHERE status = 'active' AND tenant_id = \
           (SELECT tenant_id FROM units WHERE status = 'active' GROUP BY tenant_id ORDER BY count(*) DESC LIMIT 1)) \
         INSERT INTO cases (id, tenant_id, tracking_number, channel, contact_type, urgency, title, description, anonymous, status, \
           lead_unit_id, no_return_visit, return_count, reopen_count, problem, feedback_due_at, feedback_near_at, created_via, version, \
           created_at, updated_at) \
         SELECT gen_random_uuid(), (SELECT tenant_id FROM units WHERE id = u.ids[1]), 'BENCH' || lpad(i::text, 8, '0'), 'phone', \
           'complaint', 'general', '路灯不亮', '小区门口路灯连续三晚不亮。', false, \
           (ARRAY['signed', 'in_progress', 'in_progress'])[1 + i % 3], u.ids[1 + i % array_length(u.ids, 1)], false, 0, 0, false, \
           '{base}'::timestamptz + make_interval(secs => i), '{base}'::timestamptz + make_interval(secs => i) - interval '2 days', \
           'staff', 1, '{base}'::timestamptz - interval '7 days', '{base}'::timestamptz - interval '7 days' \
         FROM generate_series(1, {cases}) AS i, u"
    ))
    .await?;
    db.execute_unprepared(
        "INSERT INTO case_participants (id, case_id, tenant_id, unit_id, role, status, created_at) \
         SELECT gen_random_uuid(), id, tenant_id, lead_unit_id, 'lead', 'signed', created_at FROM cases WHERE tracking_number LIKE 'BENCH%'",
    )
    .await?;
    db.execute_unprepared("ANALYZE").await?;
    println!("seeded {cases} open cases in {:.1} s", seeding.elapsed().as_secs_f64());

    // Idle ticks first, three days before any clock point (reminders start two days before
    // the first deadline): the cost of a tick that finds nothing among the million open cases.
    // Then ticks four days in, where reminder points, deadlines and escalations all fall.
    let phases = [
        ("idle (no crossings)", t0 - Duration::days(3), 60, ticks),
        ("≈500 crossings per tick", t0 + Duration::days(4), WINDOW_SECONDS / 10, ticks),
        ("≈5,000 crossings per tick", t0 + Duration::days(5), WINDOW_SECONDS, ticks),
    ];
    for (label, start, window, ticks) in phases {
        hotline_store::sweep::advance_watermark(db, "deadline_sweep", start).await?;
        let mut times = Vec::with_capacity(ticks);
        let mut crossings = 0;
        for k in 1..=ticks {
            clock.set(start + Duration::seconds(window * k as i64));
            let began = Instant::now();
            let r = core.sweep_deadlines().await?;
            times.push(began.elapsed().as_secs_f64() * 1000.0);
            crossings += r.reminders + r.supervisions;
        }
        times.sort_by(|a, b| a.total_cmp(b));
        let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
        println!(
            "{label}: {ticks} ticks, {:.0} crossings per tick: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            crossings as f64 / ticks as f64,
            pct(0.50),
            pct(0.99),
            times[times.len() - 1]
        );
    }
    let outbox: i64 = db
        .query_one_raw(hotline_store::sea_orm::Statement::from_string(db.get_database_backend(), "SELECT count(*) AS n FROM outbox"))
        .await?
        .map(|r| r.try_get("", "n"))
        .transpose()?
        .unwrap_or(0);
    println!("outbox rows written: {outbox}");
    Ok(())
}

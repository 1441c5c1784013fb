//! The city office's dashboard queries over 10,000,000 generated cases, on PostgreSQL (issue 6;
//! goal: p95 ≤ 20 ms). Run: `cargo bench -p hotline-worker --bench stats`.
//!
//! The bench creates its own database (dropped at the end) on the server named by
//! `HOTLINE_BENCH_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) and
//! seeds the demo city. The dashboards read the counter tables (`stat_counters`,
//! `stat_handling`), and "overdue now" reads the open cases; the closed history of the cases
//! is not written. A seeded generator makes a year of cases (the 365 local days up to
//! yesterday, Asia/Shanghai) and the occurrences the platform counts for each — intake, direct
//! answers, dispatch, returns and re-dispatch, signing and feedback against their clocks (or
//! the sweep finding them passed), extensions, ratings, reopening, closure with its handling
//! time, and the calls of phone cases — and writes them through the real write path: each
//! occurrence becomes its increments at its grain as `Core::count_all` makes them (the
//! platform scope under the receiving tenant; the line scope under the lead unit's line, which
//! also counts the case received when it first reaches that line; joint cases are not
//! generated), on its local day, and `stats::add` upserts a day's worth at a time.
//! Occurrences after "now" are not counted; the cases still waiting for their lead then
//! (dispatched or in progress) are written to `cases` as the open backlog.
//!
//! Then, after warm-up, each dashboard query is timed through `hotline_core::Core` as the API
//! calls it (all figures), for the city supervisor: the platform's and a line's summary for the
//! last full calendar month, the comparison by line for that month, and the monthly time
//! series of the twelve months up to today for the platform and for a line. The bench fails
//! when a p95 is above 20 ms.
//!
//! Overrides for a quick look: `HOTLINE_BENCH_CASES` (default 10,000,000),
//! `HOTLINE_BENCH_QUERIES` (timed calls per query, default 200), `HOTLINE_BENCH_WRITERS` (days
//! written side by side, default 2), `HOTLINE_BENCH_CHUNK` (increments per `stats::add` call,
//! default 0: a whole day in one call), `HOTLINE_BENCH_KEEP=1` keeps the database for
//! `EXPLAIN ANALYZE` (its name is printed; drop it by hand), and `HOTLINE_BENCH_REUSE=<name>`
//! measures such a kept database again without seeding (same case count, same day).

#[path = "common/mod.rs"]
mod common;

use common::{admin_url, env_or, listing, settings, with_db};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use hotline_core::stats_read::{CompareQuery, SeriesQuery, SummaryQuery};
use hotline_core::{Core, Principal};
use hotline_domain::case::Rating;
use hotline_domain::clock::ManualClock;
use hotline_domain::stats::{Counter, Occurrence, effect, local_day};
use hotline_store::ConnectionTrait;
use hotline_store::bulk::{self, Col};
use hotline_store::sea_orm::Statement;
use hotline_store::sea_orm::prelude::Uuid;
use hotline_store::stats::{self, Grain, Increment, Scope};

const GOAL_P95_MS: f64 = 20.0;
const SEED: u64 = 0x1234_5678_9abc_def0;
const PASSWORD: &str = "a long bench passphrase";
/// The line whose figures are read in (b) and (e): the busiest.
const LINE: &str = "12319";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if listing() {
        return Ok(());
    }
    let admin_url = admin_url();
    let opts = Options {
        cases: env_or("HOTLINE_BENCH_CASES", 10_000_000),
        queries: env_or("HOTLINE_BENCH_QUERIES", 200).max(1) as usize,
        writers: env_or("HOTLINE_BENCH_WRITERS", 2).max(1) as usize,
        chunk: env_or("HOTLINE_BENCH_CHUNK", 0) as usize,
    };
    let keep = std::env::var("HOTLINE_BENCH_KEEP").is_ok_and(|v| v == "1");
    // A database kept by an earlier run (same case count, same day) is measured again as is.
    let reuse = std::env::var("HOTLINE_BENCH_REUSE").ok().filter(|v| !v.is_empty());
    let name = reuse.clone().unwrap_or_else(|| format!("hotline_bench_stats_{}_{}", std::process::id(), Utc::now().timestamp()));
    let admin = hotline_store::connect(&admin_url, 2).await?;
    if reuse.is_none() {
        admin.db.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
    }
    let result = run(&with_db(&admin_url, &name), &opts, reuse.is_none()).await;
    if keep || reuse.is_some() {
        println!("database kept: {name} (DROP DATABASE {name} WITH (FORCE) when done)");
    } else {
        admin.db.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await?;
    }
    result
}

struct Options {
    cases: u64,
    queries: usize,
    writers: usize,
    chunk: usize,
}

async fn run(url: &str, opts: &Options, fresh: bool) -> anyhow::Result<()> {
    let settings = settings(url)?;
    let now = Utc::now();
    let clock = ManualClock::new(now);
    let core = hotline_api::build_core(&settings, Arc::new(clock.clone())).await?;
    if fresh {
        core.bootstrap(Some(PASSWORD)).await?;
        core.seed_demo(PASSWORD).await?;
    }
    let city = Arc::new(City::load(&core).await?);

    // The 365 local days up to yesterday; the dashboards read the last full calendar month and
    // the twelve months up to today's (the first of them from its first day).
    let today = local_day(now, Shanghai);
    let (first, last) = (today - Duration::days(365), today - Duration::days(1));
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("first of month");
    let month = (months_before(this_month, 1), this_month - Duration::days(1));
    let year = (months_before(this_month, 11), today);

    let db = &core.store.db;
    if fresh {
        let seeding = Instant::now();
        let written = seed(&core, &city, opts, first, last, now).await?;
        let seeded_in = seeding.elapsed().as_secs_f64();
        let vacuuming = Instant::now();
        db.execute_unprepared("VACUUM (ANALYZE) stat_counters").await?;
        db.execute_unprepared("VACUUM (ANALYZE) stat_handling").await?;
        db.execute_unprepared("VACUUM (ANALYZE) cases").await?;
        let vacuumed_in = vacuuming.elapsed().as_secs_f64();
        println!(
            "seeded {} cases ({first} to {last}: {} occurrences, {} increments; {} cases open now) in {seeded_in:.1} s; \
             VACUUM ANALYZE {vacuumed_in:.1} s",
            opts.cases, written.occurrences, written.increments, written.open
        );
    }
    for table in ["stat_counters", "stat_handling"] {
        let rows = scalar(db, &format!("SELECT count(*) AS n FROM {table}")).await?;
        let size = scalar(db, &format!("SELECT pg_total_relation_size('{table}') / 1048576 AS n")).await?;
        let levels = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT level || '/' || scope AS k, count(*) AS n FROM {table} GROUP BY 1 ORDER BY 1"),
            ))
            .await?
            .iter()
            .map(|r| Ok(format!("{} {}", r.try_get::<String>("", "k")?, r.try_get::<i64>("", "n")?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        println!("{table}: {rows} rows, {size} MiB with indexes ({})", levels.join(", "));
    }

    let open = scalar(db, "SELECT count(*) AS n FROM cases").await?;
    let overdue = scalar(db, &format!("SELECT count(*) AS n FROM cases WHERE feedback_due_at < '{}'", Utc::now().to_rfc3339())).await?;
    println!("cases: {open} rows, the open backlog ({overdue} of them past their feedback deadline)");

    // Seeding takes long: the clock moves on, so the access token is not born expired.
    clock.set(Utc::now());
    let client = hotline_core::auth::ClientInfo { ip: "127.0.0.1".into(), user_agent: None };
    let hotline_core::auth::LoginOutcome::Signed(login) = core.login("city_supervisor", PASSWORD, &client).await? else {
        anyhow::bail!("city_supervisor needs no second factor here");
    };
    let p = core.authenticate_token(&login.access_token).await?;
    let month = (Some(month.0.to_string()), Some(month.1.to_string()));
    let year = (Some(year.0.to_string()), Some(year.1.to_string()));
    let line = || Some(LINE.to_owned());

    // What was counted, read back: every generated case is received inside the 365 days.
    let all =
        SummaryQuery { from: Some(first.to_string()), to: Some(last.to_string()), metrics: Some("received".into()), ..Default::default() };
    let received = core.stats_summary(&p, all).await?.current.figures[0].value.unwrap_or(0.0);
    println!("platform summary of the 365 days: {received} received (generated {})", opts.cases);
    anyhow::ensure!(received as u64 == opts.cases, "the counters hold {received} received cases, not {}", opts.cases);

    let queries: Vec<(&str, Query)> = vec![
        (
            "(a) summary, platform, one month",
            Query::Summary(SummaryQuery { from: month.0.clone(), to: month.1.clone(), ..Default::default() }),
        ),
        (
            "(b) summary, line 12319, one month",
            Query::Summary(SummaryQuery { tenant: line(), from: month.0.clone(), to: month.1.clone(), ..Default::default() }),
        ),
        (
            "(c) compare by line, one month",
            Query::Compare(CompareQuery { dimension: "line".into(), from: month.0.clone(), to: month.1.clone(), ..Default::default() }),
        ),
        (
            "(d) time series by month, platform, 12 months",
            Query::Series(SeriesQuery { bucket: Some("month".into()), from: year.0.clone(), to: year.1.clone(), ..Default::default() }),
        ),
        (
            "(e) time series by month, line 12319, 12 months",
            Query::Series(SeriesQuery {
                bucket: Some("month".into()),
                tenant: line(),
                from: year.0.clone(),
                to: year.1.clone(),
                ..Default::default()
            }),
        ),
    ];
    println!(
        "{} timed calls per query after 5 warm-up calls, all figures; month {} to {}, series {} to {}; goal p95 ≤ {GOAL_P95_MS} ms",
        opts.queries,
        month.0.as_deref().unwrap_or_default(),
        month.1.as_deref().unwrap_or_default(),
        year.0.as_deref().unwrap_or_default(),
        year.1.as_deref().unwrap_or_default()
    );
    println!("| query | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    let mut missed = Vec::new();
    for (label, q) in &queries {
        for _ in 0..5 {
            q.call(&core, &p).await?;
        }
        let mut times = Vec::with_capacity(opts.queries);
        for _ in 0..opts.queries {
            let began = Instant::now();
            q.call(&core, &p).await?;
            times.push(began.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
        println!("| {label} | {:.2} | {:.2} | {:.2} | {:.2} |", pct(0.50), pct(0.95), pct(0.99), times[times.len() - 1]);
        if pct(0.95) > GOAL_P95_MS {
            missed.push(format!("{label}: p95 {:.2} ms", pct(0.95)));
        }
    }
    if !missed.is_empty() {
        anyhow::bail!("p95 above {GOAL_P95_MS} ms: {}", missed.join("; "));
    }
    Ok(())
}

/// One dashboard query, called as the API's route calls it.
enum Query {
    Summary(SummaryQuery),
    Compare(CompareQuery),
    Series(SeriesQuery),
}

impl Query {
    async fn call(&self, core: &Core, p: &Principal) -> anyhow::Result<()> {
        match self {
            Query::Summary(q) => _ = std::hint::black_box(core.stats_summary(p, q.clone()).await?),
            Query::Compare(q) => _ = std::hint::black_box(core.stats_compare(p, q.clone()).await?),
            Query::Series(q) => _ = std::hint::black_box(core.stats_timeseries(p, q.clone()).await?),
        }
        Ok(())
    }
}

async fn scalar(db: &hotline_store::DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
}

fn months_before(first_of_month: NaiveDate, n: u32) -> NaiveDate {
    let m = first_of_month.year() * 12 + first_of_month.month0() as i32 - n as i32;
    NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).expect("first of month")
}

// ---------------------------------------------------------------------------------------------
// The generator: a small xorshift64* generator, seeded per day, so the data does not depend on
// how the days are written. Distributions are fitted loosely to ../shared/data (see
// docs/BENCHMARKS.md): contact types, urgency, channels, lines and handling times.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 of the seed, never zero
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// An index drawn by weight.
    fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// Log-normal with the given median (seconds) and shape.
    fn lognormal(&mut self, median: f64, sigma: f64) -> Duration {
        let (u1, u2) = (self.unit().max(1e-12), self.unit());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        Duration::seconds((median * (sigma * z).exp()).round().max(1.0) as i64)
    }
}

const CONTACT_TYPES: [&str; 7] = ["consultation", "complaint", "report", "suggestion", "help", "praise", "other"];
const CONTACT_WEIGHTS: [f64; 7] = [36.0, 30.0, 8.0, 6.0, 15.0, 2.0, 3.0];
const URGENCIES: [&str; 4] = ["emergency", "utilities", "general", "complex"];
const URGENCY_WEIGHTS: [f64; 4] = [2.0, 7.0, 86.0, 5.0];
const CHANNELS: [&str; 10] = ["phone", "wechat", "web", "app", "sms", "email", "letter", "fax", "visit", "other"];
const CHANNEL_WEIGHTS: [f64; 10] = [60.0, 12.0, 11.0, 9.0, 3.0, 1.5, 0.5, 0.2, 1.5, 1.3];
const PHONE: u8 = 0;
const DISTRICTS: [&str; 16] = [
    "鼓楼区",
    "台江区",
    "仓山区",
    "晋安区",
    "马尾区",
    "长乐区",
    "福清市",
    "闽侯县",
    "连江县",
    "罗源县",
    "闽清县",
    "永泰县",
    "平潭县",
    "高新区",
    "滨海新城",
    "经开区",
];
const DISTRICT_WEIGHTS: [f64; 16] = [16.0, 13.0, 15.0, 12.0, 5.0, 6.0, 8.0, 7.0, 4.0, 2.0, 2.0, 2.0, 3.0, 2.0, 2.0, 1.0];
/// Per line: its code, its share of dispatched cases, and its categories (most frequent first).
const LINES: [(&str, f64, &[&str]); 8] = [
    ("12319", 28.0, &["市容环卫", "市政设施", "园林绿化", "违法建设", "噪音扰民", "占道经营", "燃气", "供水", "停车管理"]),
    ("12333", 17.0, &["拖欠农民工工资", "社保缴纳", "劳动关系", "医保报销", "就业培训", "退休待遇"]),
    ("12315", 15.0, &["消费纠纷", "食品安全", "预付卡", "产品质量", "网络购物", "虚假宣传"]),
    ("12320", 10.0, &["医政监管", "公共卫生", "医患纠纷", "疫苗接种", "人口计生"]),
    ("12369", 8.0, &["餐饮油烟", "噪声污染", "大气污染", "水污染", "固体废物"]),
    ("12366", 9.0, &["个税汇算", "发票", "社保费缴纳", "税务登记"]),
    ("12398", 8.0, &["停电", "电费", "供电质量", "电力安全"]),
    ("12358", 5.0, &["乱收费", "明码标价", "价格欺诈"]),
];
/// What the front door answers itself (consultations on matters of no line).
const FRONT_DOOR_CATEGORIES: [&str; 6] = ["政策咨询", "办事指南", "交通运输", "教育文体", "户籍证件", "其他"];
const NONE: u8 = u8::MAX;

struct Line {
    tenant: Uuid,
    weight: f64,
    /// Lines with their own number (双号并行) also receive cases themselves.
    parallel: bool,
    units: Vec<(Uuid, Option<u8>)>,
    unit_weights: Vec<f64>,
    /// Indexes into `City::categories`.
    categories: Vec<u16>,
    category_weights: Vec<f64>,
}

struct City {
    platform: Uuid,
    lines: Vec<Line>,
    line_weights: Vec<f64>,
    categories: Vec<&'static str>,
    front_door: Vec<u16>,
}

fn zipf(n: usize) -> Vec<f64> {
    (0..n).map(|i| 1.0 / (i as f64 + 1.0)).collect()
}

impl City {
    async fn load(core: &Core) -> anyhow::Result<City> {
        let db = &core.store.db;
        let platform = hotline_store::tenants::find_by_code(db, "12345").await?.ok_or_else(|| anyhow::anyhow!("no platform"))?.id;
        let mut categories: Vec<&'static str> = Vec::new();
        let mut index = |names: &[&'static str]| -> Vec<u16> {
            names
                .iter()
                .map(|n| {
                    categories.push(*n);
                    (categories.len() - 1) as u16
                })
                .collect()
        };
        let front_door = index(&FRONT_DOOR_CATEGORIES);
        let mut lines = Vec::new();
        for (code, weight, cats) in LINES {
            let t = hotline_store::tenants::find_by_code(db, code).await?.ok_or_else(|| anyhow::anyhow!("no line {code}"))?;
            let rows = db
                .query_all_raw(Statement::from_sql_and_values(
                    db.get_database_backend(),
                    "SELECT id, district FROM units WHERE tenant_id = $1 AND status = 'active' ORDER BY id",
                    [t.id.into()],
                ))
                .await?;
            let mut units = Vec::new();
            for r in rows {
                let district: Option<String> = r.try_get("", "district")?;
                let d = district.and_then(|d| DISTRICTS.iter().position(|x| *x == d)).map(|i| i as u8);
                units.push((r.try_get::<Uuid>("", "id")?, d));
            }
            anyhow::ensure!(!units.is_empty(), "line {code} has no units");
            let categories = index(cats);
            lines.push(Line {
                tenant: t.id,
                weight,
                parallel: t.merge_mode.as_deref() == Some("parallel"),
                unit_weights: zipf(units.len()),
                units,
                category_weights: zipf(categories.len()),
                categories,
            });
        }
        let line_weights = lines.iter().map(|l| l.weight).collect();
        Ok(City { platform, lines, line_weights, categories, front_door })
    }

    fn tenant(&self, t: u8) -> Uuid {
        if t == NONE { self.platform } else { self.lines[t as usize].tenant }
    }
}

/// A case's dimensions, as indexes (`NONE`: blank, or the platform for `received_by`).
#[derive(Debug, Clone, Copy)]
struct Subject {
    received_by: u8,
    category: u16,
    contact_type: u8,
    urgency: u8,
    channel: u8,
    district: u8,
}

/// One counted occurrence: what, when, of which case, and who had the case then.
#[derive(Debug, Clone)]
struct Event {
    at: DateTime<Utc>,
    subject: Subject,
    /// The lead (line, unit) when the occurrence happened; none before dispatch.
    lead: Option<(u8, u8)>,
    /// The case reached the lead's line with this occurrence (its line counts it received).
    joined: bool,
    what: Occurrence,
}

/// The clocks of an urgency class (DOMAIN.md): dispatch, sign-for and feedback limits, and the
/// median times actually taken to dispatch, sign and give feedback.
fn clocks(urgency: u8) -> [(Duration, f64); 3] {
    let (h, d) = (3600.0, 86_400.0);
    match urgency {
        0 => [(Duration::hours(1), 0.15 * h), (Duration::minutes(15), 300.0), (Duration::hours(2), 1.0 * h)],
        1 => [(Duration::hours(2), 0.3 * h), (Duration::minutes(30), 600.0), (Duration::hours(24), 8.0 * h)],
        2 => [(Duration::hours(24), 1.0 * h), (Duration::hours(24), 3.0 * h), (Duration::days(7), 2.5 * d)],
        _ => [(Duration::hours(24), 2.0 * h), (Duration::hours(24), 4.0 * h), (Duration::days(15), 7.0 * d)],
    }
}

/// A case still open at "now" between dispatch and feedback: the backlog "overdue now" reads.
#[derive(Debug, Clone)]
struct Open {
    subject: Subject,
    lead: (u8, u8),
    status: &'static str,
    received_at: DateTime<Utc>,
    sign_due: DateTime<Utc>,
    feedback_due: DateTime<Utc>,
}

/// The occurrences of one case received at `t0` (and the calls of a phone case); calls before
/// the case are kept on its day (`day_start`: local midnight). Returns the case when it is
/// open at `now` between dispatch and feedback.
fn generate_case(
    rng: &mut Rng,
    city: &City,
    day_start: DateTime<Utc>,
    t0: DateTime<Utc>,
    now: DateTime<Utc>,
    out: &mut Vec<Event>,
) -> Option<Open> {
    let contact_type = rng.pick(&CONTACT_WEIGHTS) as u8;
    let urgency = rng.pick(&URGENCY_WEIGHTS) as u8;
    let channel = rng.pick(&CHANNEL_WEIGHTS) as u8;
    let mut district = rng.pick(&DISTRICT_WEIGHTS) as u8;
    let line = rng.pick(&city.line_weights);
    let l = &city.lines[line];
    // Consultations are mostly answered at the first contact from the knowledge base.
    let answered = if contact_type == 0 { rng.chance(0.7) } else { rng.chance(0.03) };
    let category = if answered && rng.chance(0.4) {
        city.front_door[rng.below(city.front_door.len() as u64) as usize]
    } else {
        l.categories[rng.pick(&l.category_weights)]
    };
    let unit = rng.pick(&l.unit_weights) as u8;
    if let Some(d) = l.units[unit as usize].1 {
        district = d; // a district government handles its own district
    }
    let received_by = if l.parallel && rng.chance(if answered { 0.1 } else { 0.3 }) { line as u8 } else { NONE };
    let subject = Subject { received_by, category, contact_type, urgency, channel, district };
    if channel == PHONE {
        // The call that brought the case, sometimes an earlier abandoned one or a repeat call.
        let call = Subject { received_by, category: u16::MAX, contact_type: NONE, urgency: NONE, channel: PHONE, district: NONE };
        let mut call_at = |at: DateTime<Utc>, answered_after: Option<i64>| {
            out.push(Event {
                at,
                subject: call,
                lead: None,
                joined: false,
                what: Occurrence::Call { answered_after_seconds: answered_after },
            });
        };
        let wait = (rng.lognormal(6.0, 0.8).num_seconds()).min(300);
        call_at((t0 - Duration::seconds(wait + 120)).max(day_start), Some(wait));
        if rng.chance(0.08) {
            call_at((t0 - Duration::seconds(600)).max(day_start), None);
        }
        if rng.chance(0.25) {
            call_at(t0 + rng.lognormal(86_400.0, 1.0), Some(rng.lognormal(8.0, 0.8).num_seconds().min(300)));
        }
    }
    let mut push = |at: DateTime<Utc>, lead: Option<(u8, u8)>, joined: bool, what: Occurrence| {
        out.push(Event { at, subject, lead, joined, what });
    };
    push(t0, None, false, Occurrence::Received { answered_directly: false });
    if answered {
        let t = t0 + Duration::seconds(60 + rng.below(840) as i64);
        push(t, None, false, Occurrence::AnsweredDirectly);
        push(t, None, false, Occurrence::Closed { received_at: t0 });
        return None;
    }
    // Where the case stands at `now`, if it is waiting for its lead (dispatched or in progress).
    let mut open = None;
    let mut phase = |from: DateTime<Utc>, to: DateTime<Utc>, status: &'static str, lead, sign_due, feedback_due| {
        if from <= now && now < to {
            open = Some(Open { subject, lead, status, received_at: t0, sign_due, feedback_due });
        }
    };

    let [(dispatch_limit, dispatch_median), (sign_limit, sign_median), (feedback_limit, feedback_median)] = clocks(urgency);
    let mut lead = (line as u8, unit);
    let mut reached = vec![received_by, lead.0];
    let mut t = t0 + rng.lognormal(dispatch_median, 1.0);
    push(t, Some(lead), received_by != lead.0, Occurrence::Dispatched { due: Some(t0 + dispatch_limit) });
    let mut dispatched_at = t;
    // Returns (退单): the unit sends the case back, the front door re-dispatches it.
    let mut returns = 0;
    while rng.chance(if returns == 0 { 0.05 } else { 0.25 }) && returns < 3 {
        t += rng.lognormal(4.0 * 3600.0, 1.0);
        phase(dispatched_at, t, "dispatched", lead, dispatched_at + sign_limit, dispatched_at + feedback_limit);
        push(t, Some(lead), false, Occurrence::Returned);
        returns += 1;
        if returns == 3 {
            push(t, Some(lead), false, Occurrence::BecameProblem);
        }
        let other = if rng.chance(0.3) { rng.pick(&city.line_weights) } else { lead.0 as usize };
        lead = (other as u8, rng.pick(&city.lines[other].unit_weights) as u8);
        t += rng.lognormal(3600.0, 1.0);
        let joined = !reached.contains(&lead.0);
        reached.push(lead.0);
        push(t, Some(lead), joined, Occurrence::Dispatched { due: None });
        dispatched_at = t;
    }
    let mut sign_due = dispatched_at + sign_limit;
    let mut feedback_due = dispatched_at + feedback_limit;
    let mut reopened = 0;
    loop {
        // Signing, or the sweep finding the sign-for deadline passed first.
        let waiting = t;
        t += rng.lognormal(sign_median, 1.2);
        phase(waiting, t, "dispatched", lead, sign_due, feedback_due);
        if t > sign_due {
            push(sign_due, Some(lead), false, Occurrence::SignDeadlinePassed { decides: true });
            push(t, Some(lead), false, Occurrence::Signed { due: Some(sign_due), decides: false });
        } else {
            push(t, Some(lead), false, Occurrence::Signed { due: Some(sign_due), decides: true });
        }
        let handling = rng.lognormal(feedback_median, 1.1);
        if urgency >= 2 && rng.chance(0.04) {
            let approved = rng.chance(0.8);
            push(t + handling / 2, Some(lead), false, Occurrence::ExtensionDecided { approved });
            if approved {
                feedback_due += Duration::days(7);
            }
        }
        // Feedback, or the sweep finding the feedback deadline passed first.
        phase(t, t + handling, "in_progress", lead, sign_due, feedback_due);
        t += handling;
        let resolved = rng.chance(0.88);
        if t > feedback_due {
            push(feedback_due, Some(lead), false, Occurrence::FeedbackDeadlinePassed { decides: true });
            push(t, Some(lead), false, Occurrence::FeedbackGiven { due: Some(feedback_due), resolved, decides: false });
        } else {
            push(t, Some(lead), false, Occurrence::FeedbackGiven { due: Some(feedback_due), resolved, decides: true });
        }
        // The return visit: rated (and closed) by most citizens, or closed unrated.
        if !rng.chance(0.65) {
            t += rng.lognormal(30.0 * 3600.0, 0.6);
            push(t, Some(lead), false, Occurrence::Closed { received_at: t0 });
            return open;
        }
        t += rng.lognormal(20.0 * 3600.0, 0.8);
        let rating = [Rating::VerySatisfied, Rating::Satisfied, Rating::Neutral, Rating::Dissatisfied, Rating::VeryDissatisfied]
            [rng.pick(&[45.0, 35.0, 10.0, 7.0, 3.0])];
        push(t, Some(lead), false, Occurrence::Rated { rating });
        if !rating.is_dissatisfied() || reopened == 2 {
            push(t, Some(lead), false, Occurrence::Closed { received_at: t0 });
            return open;
        }
        // 二次派单: back to the unit with new clocks.
        push(t, Some(lead), false, Occurrence::Reopened);
        reopened += 1;
        sign_due = t + sign_limit;
        feedback_due = t + feedback_limit;
    }
}

/// The increments of one occurrence, as `Core::count_all` makes them: the platform scope under
/// the receiving tenant, the line scope under the lead's line (the receiving tenant before any
/// dispatch), both on the local day of the occurrence with the lead unit as unit.
fn increments(city: &City, e: &Event, out: &mut Vec<Increment>) {
    let effect = effect(&e.what, e.at);
    if effect.counters.is_empty() && !e.joined {
        return;
    }
    let s = &e.subject;
    let text = |i: u8, names: &[&str]| if i == NONE { String::new() } else { names[i as usize].to_owned() };
    let grain = Grain {
        scope: Scope::Platform,
        tenant_id: city.tenant(s.received_by),
        day: local_day(e.at, Shanghai),
        unit_id: e.lead.map(|(l, u)| city.lines[l as usize].units[u as usize].0).unwrap_or_else(Uuid::nil),
        category: city.categories.get(s.category as usize).map(|c| c.to_string()).unwrap_or_default(),
        contact_type: text(s.contact_type, &CONTACT_TYPES),
        urgency: text(s.urgency, &URGENCIES),
        channel: text(s.channel, &CHANNELS),
        district: text(s.district, &DISTRICTS),
    };
    let line = Grain { scope: Scope::Line, tenant_id: city.tenant(e.lead.map(|(l, _)| l).unwrap_or(s.received_by)), ..grain.clone() };
    let mut line_counters = effect.counters.clone();
    if e.joined {
        line_counters.push((Counter::Received, 1));
    }
    if !effect.counters.is_empty() {
        out.push(Increment { grain, counters: effect.counters, handling_bucket: effect.handling_bucket });
    }
    out.push(Increment { grain: line, counters: line_counters, handling_bucket: effect.handling_bucket });
}

struct Written {
    occurrences: u64,
    increments: u64,
    open: u64,
}

/// Generates the year day by day (cases received that local day) and writes each local day's
/// occurrences once no later case can add to it.
async fn seed(
    core: &Core,
    city: &Arc<City>,
    opts: &Options,
    first: NaiveDate,
    last: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<Written> {
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    // Fewer cases at weekends, more in summer (heat, power, water), a little noise.
    let mut noise = Rng::new(SEED);
    let weights: Vec<f64> = days
        .iter()
        .map(|d| {
            let weekday = match d.weekday().num_days_from_monday() {
                5 => 0.75,
                6 => 0.7,
                _ => 1.0,
            };
            let season = 1.0 + 0.12 * ((d.ordinal() as f64 - 200.0) / 366.0 * std::f64::consts::TAU).cos();
            weekday * season * (0.9 + 0.2 * noise.unit())
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let mut counts: Vec<u64> = weights.iter().map(|w| (opts.cases as f64 * w / total).floor() as u64).collect();
    let short = opts.cases - counts.iter().sum::<u64>();
    for i in 0..short as usize {
        counts[i % days.len()] += 1;
    }
    const HOURS: [f64; 24] =
        [1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 3.0, 7.0, 10.0, 10.0, 9.0, 7.0, 7.5, 9.0, 9.0, 8.0, 7.0, 5.0, 4.5, 4.0, 3.5, 2.5, 1.5];

    let semaphore = Arc::new(tokio::sync::Semaphore::new(opts.writers));
    let mut tasks = tokio::task::JoinSet::new();
    let mut pending: BTreeMap<NaiveDate, Vec<Event>> = BTreeMap::new();
    let mut written = Written { occurrences: 0, increments: 0, open: 0 };
    let mut backlog = Vec::new();
    let mut events = Vec::new();
    let started = Instant::now();
    for (i, (day, n)) in days.iter().zip(&counts).enumerate() {
        let mut rng = Rng::new(SEED ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let midnight = Shanghai.from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight")).single().expect("no DST in Shanghai");
        let midnight = midnight.with_timezone(&Utc);
        for _ in 0..*n {
            let t0 = midnight + Duration::hours(rng.pick(&HOURS) as i64) + Duration::seconds(rng.below(3600) as i64);
            backlog.extend(generate_case(&mut rng, city, midnight, t0, now, &mut events));
            for e in events.drain(..) {
                if e.at <= now {
                    pending.entry(local_day(e.at, Shanghai)).or_default().push(e);
                }
            }
        }
        // Every later case is received after this day: the days up to it are complete.
        while let Some(entry) = pending.first_entry()
            && entry.key() <= day
        {
            let evs = entry.remove();
            spawn_write(core, city, opts.chunk, &semaphore, &mut tasks, evs, &mut written).await?;
        }
        if (i + 1) % 30 == 0 {
            println!("… {} of {} days generated, {:.0} s", i + 1, days.len(), started.elapsed().as_secs_f64());
        }
    }
    while let Some((_, evs)) = pending.pop_first() {
        spawn_write(core, city, opts.chunk, &semaphore, &mut tasks, evs, &mut written).await?;
    }
    while let Some(r) = tasks.join_next().await {
        written.increments += r??;
    }
    written.open = backlog.len() as u64;
    write_backlog(core, city, &backlog).await?;
    Ok(written)
}

static CASE_COLS: [(&str, Col); 23] = [
    ("id", Col::Uuid),
    ("tenant_id", Col::Uuid),
    ("tracking_number", Col::Text),
    ("channel", Col::Text),
    ("contact_type", Col::Text),
    ("category", Col::Text),
    ("urgency", Col::Text),
    ("title", Col::Text),
    ("description", Col::Text),
    ("district", Col::Text),
    ("anonymous", Col::Bool),
    ("status", Col::Text),
    ("lead_unit_id", Col::Uuid),
    ("no_return_visit", Col::Bool),
    ("return_count", Col::Int),
    ("reopen_count", Col::Int),
    ("problem", Col::Bool),
    ("sign_due_at", Col::Time),
    ("feedback_due_at", Col::Time),
    ("created_via", Col::Text),
    ("version", Col::Int),
    ("created_at", Col::Time),
    ("updated_at", Col::Time),
];

/// The open cases at "now", as rows of `cases` (what "overdue now" reads; the closed history
/// is not written: the statistics never read it).
async fn write_backlog(core: &Core, city: &City, backlog: &[Open]) -> anyhow::Result<()> {
    let table = bulk::Table { name: "cases", cols: &CASE_COLS };
    let rows: Vec<bulk::Row> = backlog
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let s = &o.subject;
            let (line, unit) = o.lead;
            vec![
                bulk::uuid(Uuid::now_v7()),
                bulk::uuid(city.tenant(s.received_by)),
                format!("BENCH{i:08}").into(),
                CHANNELS[s.channel as usize].into(),
                CONTACT_TYPES[s.contact_type as usize].into(),
                city.categories[s.category as usize].into(),
                URGENCIES[s.urgency as usize].into(),
                "路灯不亮".into(),
                "小区门口路灯连续三晚不亮。".into(),
                DISTRICTS[s.district as usize].into(),
                false.into(),
                o.status.into(),
                bulk::uuid(city.lines[line as usize].units[unit as usize].0),
                false.into(),
                0.into(),
                0.into(),
                false.into(),
                bulk::time(o.sign_due),
                bulk::time(o.feedback_due),
                "staff".into(),
                1.into(),
                bulk::time(o.received_at),
                bulk::time(o.received_at),
            ]
        })
        .collect();
    for part in rows.chunks(10_000) {
        bulk::insert(&core.store.db, &table, part.to_vec(), "").await?;
    }
    Ok(())
}

/// Writes one local day's occurrences in a task of its own, at most `writers` at once.
async fn spawn_write(
    core: &Core,
    city: &Arc<City>,
    chunk: usize,
    semaphore: &Arc<tokio::sync::Semaphore>,
    tasks: &mut tokio::task::JoinSet<anyhow::Result<u64>>,
    evs: Vec<Event>,
    written: &mut Written,
) -> anyhow::Result<()> {
    written.occurrences += evs.len() as u64;
    let permit = semaphore.clone().acquire_owned().await?;
    // Collect finished writes as we go, so errors surface early.
    while let Some(r) = tasks.try_join_next() {
        written.increments += r??;
    }
    let (db, city) = (core.store.db.clone(), city.clone());
    tasks.spawn(async move {
        let _permit = permit;
        let mut incs = Vec::with_capacity(evs.len() * 2);
        for e in &evs {
            increments(&city, e, &mut incs);
        }
        let size = if chunk == 0 { incs.len().max(1) } else { chunk };
        for part in incs.chunks(size) {
            stats::add(&db, part).await?;
        }
        Ok(incs.len() as u64)
    });
    Ok(())
}

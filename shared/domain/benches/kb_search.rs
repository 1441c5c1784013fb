//! Knowledge-base search at 100,000 articles (goal: a search well under 50 ms).
//!
//! Articles are recombined from real citizen messages and official replies (TipDM 2020,
//! `../shared/data/cn_gov_messages/`): article i takes the title of message i and, as its body,
//! the text of message or reply (i · 7919 mod n), cycling through the rows; its tag is one of
//! the seven first-level classes and its tenant one of eight. 1,000 queries are drawn from the
//! message titles (slices of 2–8 characters and whole short titles), each filtered to one
//! tenant (about 1/8 of the articles) and asking for the best 10. Prints a small table.
//!
//! Run: `cargo bench -p hotline-domain --bench kb_search`; `HOTLINE_BENCH_ARTICLES=N` changes
//! the count. Without the data folder it says so and exits successfully.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use hotline_domain::kb_search::{Doc, Index};
use uuid::Uuid;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cn_gov_messages/");
const TENANTS: u8 = 8;
const QUERIES: usize = 1000;
const LIMIT: usize = 10;
const CLASSES: [&str; 7] = ["城乡建设", "环境保护", "交通运输", "商贸旅游", "卫生计生", "劳动和社会保障", "教育文体"];

fn main() {
    run();
}

/// The whole benchmark; `main` only calls it.
pub fn run() {
    let articles = std::env::var("HOTLINE_BENCH_ARTICLES").ok().and_then(|v| v.parse::<usize>().ok()).unwrap_or(100_000);
    let Some((titles, bodies)) = load(Path::new(DATA)) else {
        println!("kb_search bench: no data at {DATA} (see shared/data/README.md); skipped");
        return;
    };
    if titles.is_empty() || bodies.is_empty() {
        println!("kb_search bench: the data files hold no rows; skipped");
        return;
    }
    println!("kb_search bench: {articles} articles from {} titles and {} bodies", titles.len(), bodies.len());

    let mut tenant_of: HashMap<Uuid, u8> = HashMap::with_capacity(articles);
    let docs: Vec<Doc> = (0..articles)
        .map(|i| {
            let id = Uuid::from_u128(mix(i as u64 + 1) as u128);
            tenant_of.insert(id, (i % TENANTS as usize) as u8);
            Doc {
                id,
                title: titles[i % titles.len()].clone(),
                body: bodies[i.wrapping_mul(7919) % bodies.len()].clone(),
                tags: vec![CLASSES[i % CLASSES.len()].to_string()],
            }
        })
        .collect();
    let chars: usize = docs.iter().map(|d| d.title.chars().count() + d.body.chars().count()).sum();

    let started = Instant::now();
    let mut index = Index::new();
    for d in docs.iter().cloned() {
        index.upsert(d);
    }
    let build = started.elapsed();
    let stats = index.stats();

    let queries = queries(&titles);
    let mut times = Vec::with_capacity(queries.len());
    let mut found = 0usize;
    for (q, query) in queries.iter().enumerate() {
        let tenant = (q % TENANTS as usize) as u8;
        let started = Instant::now();
        let hits = index.search(query, |id| tenant_of.get(&id) == Some(&tenant), LIMIT);
        times.push(started.elapsed());
        found += usize::from(!hits.is_empty());
        black_box(hits);
    }
    times.sort_unstable();

    // Incremental maintenance: replace 1,000 articles in place, then remove them.
    let mut upserts = Vec::with_capacity(1000);
    for d in docs.iter().step_by((articles / 1000).max(1)).take(1000) {
        let mut d = d.clone();
        d.body.push_str("（已更新）");
        let started = Instant::now();
        index.upsert(d);
        upserts.push(started.elapsed());
    }
    let mut removes = Vec::with_capacity(1000);
    for d in docs.iter().step_by((articles / 1000).max(1)).take(1000) {
        let started = Instant::now();
        black_box(index.remove(d.id));
        removes.push(started.elapsed());
    }
    upserts.sort_unstable();
    removes.sort_unstable();

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pct = |v: &[Duration], p: f64| v.get(((v.len() as f64 - 1.0) * p).round() as usize).copied().map_or(0.0, ms);
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!("| articles (characters) | {articles} ({:.1} M) |", chars as f64 / 1e6);
    println!("| build | {:.2} s ({:.1} µs per article) |", build.as_secs_f64(), build.as_secs_f64() * 1e6 / articles.max(1) as f64);
    println!("| terms / postings | {} / {:.1} M |", stats.terms, stats.postings as f64 / 1e6);
    println!("| index memory (estimate) | {:.0} MiB |", stats.bytes as f64 / (1024.0 * 1024.0));
    println!(
        "| search p50 / p95 / p99 / max | {:.2} / {:.2} / {:.2} / {:.2} ms |",
        pct(&times, 0.5),
        pct(&times, 0.95),
        pct(&times, 0.99),
        pct(&times, 1.0)
    );
    println!(
        "| searches with hits (1 of {TENANTS} tenants, top {LIMIT}) | {:.1} % of {} |",
        100.0 * found as f64 / queries.len().max(1) as f64,
        queries.len()
    );
    println!(
        "| upsert (replace) p50 / p99 / max | {:.3} / {:.3} / {:.3} ms |",
        pct(&upserts, 0.5),
        pct(&upserts, 0.99),
        pct(&upserts, 1.0)
    );
    println!("| remove p50 / p99 / max | {:.3} / {:.3} / {:.3} ms |", pct(&removes, 0.5), pct(&removes, 0.99), pct(&removes, 1.0));
}

/// Message titles, and bodies (message texts and official replies), from the three files.
fn load(dir: &Path) -> Option<(Vec<String>, Vec<String>)> {
    let mut titles = Vec::new();
    let mut bodies = Vec::new();
    let files = ["tipdm2020_fujian3_unlabeled.csv", "tipdm2020_fujian2_labeled_dev.csv", "tipdm2020_fujian4_replies_sample120.csv"];
    for file in files {
        let text = std::fs::read_to_string(dir.join(file)).ok()?;
        let mut rows = parse_csv(&text).into_iter();
        let header = rows.next()?;
        let col = |name: &str| header.iter().position(|h| h == name);
        let (title, body, reply) = (col("留言主题")?, col("留言详情")?, col("答复意见"));
        for row in rows {
            let cell = |i: usize| row.get(i).map(|s| s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
            titles.extend(cell(title));
            bodies.extend(cell(body));
            bodies.extend(reply.and_then(cell));
        }
    }
    Some((titles, bodies))
}

/// A small RFC 4180 reader: comma-separated, fields optionally quoted, `""` inside quotes is a
/// quote, and commas and line breaks inside quotes belong to the field.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// 1,000 queries from the titles, stepping through them with a stride so they come from all
/// over the file: a quarter whole titles (when short), the rest slices of 2, 4 or 6–8 characters.
fn queries(titles: &[String]) -> Vec<String> {
    (0..QUERIES)
        .map(|q| {
            let title: Vec<char> = titles[(q * 104_729 + 13) % titles.len()].chars().collect();
            let r = mix(q as u64) as usize;
            let len = match q % 4 {
                0 if title.len() <= 16 => title.len(),
                0 | 3 => 6 + r % 3,
                1 => 2,
                _ => 4,
            };
            let start = (r >> 8) % (title.len().saturating_sub(len) + 1);
            title.iter().skip(start).take(len).collect()
        })
        .collect()
}

/// splitmix64: spreads ids and offsets deterministically.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49eb_1331_11eb);
    z ^ (z >> 31)
}

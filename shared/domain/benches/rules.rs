//! One routing evaluation against 1,000 rules in a tenant (issue: p99 ≤ 10 µs, no I/O).
//!
//! Rules are generated with a fixed seed: each has a keyword condition of 3–6 words drawn
//! from 3,000 distinct two-character Chinese words (messages are written with 3,000 others), a third also test the district,
//! and each routes to one of eight lines. The case text (150 words, ~450 characters) holds 9
//! keywords taken from rules. Run: `cargo bench -p hotline-domain --bench rules`. Besides criterion's estimate,
//! the bench times 50,000 single evaluations and prints p50/p99/max.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use hotline_domain::rules::{CompiledRuleSet, Facts, RuleEvent, parse_rules};
use serde_json::{Value, json};

/// A tiny deterministic generator (xorshift), so every run sees the same rules.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn vocabulary() -> Vec<String> {
    // Pairs of CJK ideographs (U+4E00..U+9FA5) stand in for words; distinct pairs, so a
    // keyword occurs only where it was put.
    let mut rng = Rng(7);
    let mut seen = std::collections::HashSet::new();
    let mut words = Vec::new();
    while words.len() < 6000 {
        let a = char::from_u32(0x4E00 + rng.below(20_900) as u32).unwrap();
        let b = char::from_u32(0x4E00 + rng.below(20_900) as u32).unwrap();
        let w = format!("{a}{b}");
        if seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words
}

fn rules(words: &[String]) -> Value {
    let mut rng = Rng(42);
    let lines = ["12319", "12315", "12369", "12398", "12320", "12333", "12366", "12358"];
    let districts = ["鼓楼区", "台江区", "仓山区", "晋安区"];
    let list: Vec<Value> = (0..1000)
        .map(|i| {
            let n = 3 + rng.below(4);
            let kws: Vec<&String> = (0..n).map(|_| &words[rng.below(words.len())]).collect();
            let kw = json!({"kw": kws});
            let conditions = if i % 3 == 0 { json!({"and": [kw, {"==": [{"var": "district"}, districts[rng.below(4)]]}]}) } else { kw };
            json!({
                "name": format!("rule-{i}"),
                "event": "case_received",
                "priority": rng.below(100),
                "conditions": conditions,
                "actions": [{"type": "route_to_line", "line": lines[rng.below(lines.len())]}]
            })
        })
        .collect();
    Value::Array(list)
}

fn case_text(words: &[String], set: &Value) -> String {
    // Filler words plus eight keywords taken from rules, so ~8 rules are candidates.
    let mut rng = Rng(99);
    let mut text = String::new();
    for i in 0..150 {
        if i % 18 == 0 {
            let rule = &set[rng.below(1000)];
            let kw = rule["conditions"]["kw"].as_array().or_else(|| rule["conditions"]["and"][0]["kw"].as_array()).unwrap();
            text.push_str(kw[0].as_str().unwrap());
        } else {
            text.push_str(&words[rng.below(words.len())]);
        }
        // Clauses as in real messages; also keeps words from fusing into other keywords.
        text.push(if i % 6 == 5 { '。' } else { '，' });
    }
    text
}

fn setup() -> (CompiledRuleSet, Facts) {
    // The first 3,000 words are rule keywords, the other 3,000 the filler of messages.
    let all = vocabulary();
    let (keywords, filler) = all.split_at(3000);
    let set = rules(keywords);
    let compiled = CompiledRuleSet::compile(1, parse_rules(&set).unwrap()).unwrap();
    let facts = Facts {
        contact_type: "complaint".into(),
        urgency: "general".into(),
        channel: "phone".into(),
        district: Some("鼓楼区".into()),
        title: "市民反映".into(),
        description: case_text(filler, &set),
        ..Default::default()
    };
    (compiled, facts)
}

fn bench(c: &mut Criterion) {
    let (compiled, facts) = setup();
    let e = compiled.evaluate(RuleEvent::CaseReceived, &facts);
    eprintln!(
        "setup: {} rules, text {} chars, {} keywords found, {} rules evaluated, {} skipped, {} matched",
        compiled.len(),
        facts.description.chars().count(),
        e.keywords_found.len(),
        e.evaluated.len(),
        e.skipped,
        e.matched().count()
    );
    c.bench_function("evaluate one case against 1,000 rules", |b| {
        b.iter(|| black_box(compiled.evaluate(RuleEvent::CaseReceived, black_box(&facts))))
    });
}

fn percentiles() {
    let (compiled, facts) = setup();
    // How much of one evaluation is the keyword scan alone (same automaton settings).
    let all = vocabulary();
    for kind in
        [aho_corasick::AhoCorasickKind::NoncontiguousNFA, aho_corasick::AhoCorasickKind::ContiguousNFA, aho_corasick::AhoCorasickKind::DFA]
    {
        let ac = aho_corasick::AhoCorasick::builder().kind(Some(kind)).build(&all[..3000]).unwrap();
        let t = Instant::now();
        for _ in 0..10_000 {
            black_box(ac.find_overlapping_iter(black_box(facts.description.as_str())).count());
        }
        println!("keyword scan alone ({kind:?}): {:.2} µs per case", t.elapsed().as_nanos() as f64 / 10_000.0 / 1000.0);
    }
    for _ in 0..5_000 {
        black_box(compiled.evaluate(RuleEvent::CaseReceived, &facts));
    }
    let mut times: Vec<u128> = (0..50_000)
        .map(|_| {
            let t = Instant::now();
            black_box(compiled.evaluate(RuleEvent::CaseReceived, black_box(&facts)));
            t.elapsed().as_nanos()
        })
        .collect();
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)] as f64 / 1000.0;
    println!(
        "single evaluations (n = 50000): p50 {:.2} µs, p90 {:.2} µs, p99 {:.2} µs, max {:.2} µs",
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    percentiles();
    Criterion::default().configure_from_args().final_summary();
}

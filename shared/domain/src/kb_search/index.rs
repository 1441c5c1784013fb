//! The inverted index: vocabulary, postings, stored articles, and the search itself.

use std::collections::{HashMap, HashSet};
use std::mem::size_of;

use uuid::Uuid;

use super::highlight;
use super::tokens::{TokenKind, for_each_token, tokens};
use super::{Doc, Hit};

const K1: f32 = 1.2;
const B: f32 = 0.75;
/// BM25F field weights, applied to term frequency and length alike.
const TITLE: u32 = 3;
const TAGS: u32 = 2;
const BODY: u32 = 1;
/// Single characters only break ties (see the module documentation).
const UNIGRAM_WEIGHT: f32 = 0.3;
/// Tombstones are swept once there are at least this many and more than live articles, so a
/// sweep (linear in the postings) is paid for by as many removals as there are articles.
const COMPACT_AFTER: usize = 1024;

#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    /// Weighted term frequency: 3 per occurrence in the title, 2 in a tag, 1 in the body.
    tf: f32,
}

#[derive(Debug, Clone, Default)]
struct Term {
    /// Sorted by slot, since slots only grow and a sweep keeps their order. May hold
    /// tombstoned slots until the next sweep.
    postings: Vec<Posting>,
    /// Live articles holding the term (tombstones excluded), for idf.
    df: u32,
}

#[derive(Debug, Clone)]
struct Stored {
    doc: Doc,
    /// Weighted length: one position per CJK character or word, times the field weight.
    len: u32,
}

/// An in-memory search index of knowledge articles. `Send + Sync`: share it behind a lock
/// (searches take `&self`, so a read lock serves them concurrently).
#[derive(Debug, Clone, Default)]
pub struct Index {
    vocab: Vocab,
    terms: Vec<Term>,
    /// By slot; `None` is a removed or replaced version waiting for the sweep.
    docs: Vec<Option<Stored>>,
    /// Weighted length by slot, dense beside `docs` so the scoring loop stays in cache.
    lens: Vec<f32>,
    slots: HashMap<Uuid, u32>,
    total_len: u64,
    dead: usize,
}

/// Size figures of an index; `bytes` is an estimate of the heap it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub docs: usize,
    /// Live articles plus tombstones not yet swept.
    pub slots: usize,
    pub terms: usize,
    pub postings: usize,
    pub bytes: usize,
}

/// Term → id. Terms of up to 7 bytes (every CJK bigram of the basic planes, most words) are
/// packed into a `u64` key: looking one up then compares integers instead of chasing a pointer
/// to a heap string, which was half the cost of indexing. Longer terms keep a string key.
#[derive(Debug, Clone, Default)]
struct Vocab {
    short: HashMap<u64, u32>,
    long: HashMap<String, u32>,
}

impl Vocab {
    /// The bytes with their length in the top byte, so keys of different lengths differ.
    fn short_key(term: &str) -> Option<u64> {
        let bytes = term.as_bytes();
        (bytes.len() <= 7).then(|| bytes.iter().enumerate().fold((bytes.len() as u64) << 56, |k, (i, &b)| k | u64::from(b) << (8 * i)))
    }

    fn get(&self, term: &str) -> Option<u32> {
        match Self::short_key(term) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(term).copied(),
        }
    }

    fn get_or_insert(&mut self, term: &str, new: impl FnOnce() -> u32) -> u32 {
        match Self::short_key(term) {
            Some(key) => *self.short.entry(key).or_insert_with(new),
            None => match self.long.get(term) {
                Some(&id) => id,
                None => *self.long.entry(term.to_owned()).or_insert_with(new),
            },
        }
    }

    /// Keeps the terms for which `f` (which may renumber the id) returns true.
    fn retain(&mut self, mut f: impl FnMut(&mut u32) -> bool) {
        self.short.retain(|_, id| f(id));
        self.long.retain(|_, id| f(id));
    }

    /// Heap estimate: a hash map entry costs its key and value plus a control byte and slack.
    fn bytes(&self) -> usize {
        self.short.capacity() * (size_of::<(u64, u32)>() + 2)
            + self.long.capacity() * (size_of::<(String, u32)>() + 2)
            + self.long.keys().map(String::capacity).sum::<usize>()
    }
}

/// A parsed query.
struct Query {
    /// Distinct terms, bigrams and words before single characters.
    terms: Vec<(String, TokenKind)>,
    /// Whether the query has a bigram or a word, which a hit must then match.
    strong: bool,
    /// Terms to highlight → their index: bigrams and words, and single characters only where
    /// the query has a one-character run (else every 水 in a body would light up for 停水).
    marks: HashMap<String, usize>,
}

impl Query {
    fn parse(text: &str) -> Query {
        let toks = tokens(text);
        let mut seen = HashSet::new();
        let mut terms: Vec<(String, TokenKind)> =
            toks.iter().filter(|t| seen.insert(t.term.as_str())).map(|t| (t.term.clone(), t.kind)).collect();
        terms.sort_by_key(|(_, kind)| *kind == TokenKind::Unigram);
        let strong = terms.iter().any(|(_, kind)| *kind != TokenKind::Unigram);
        // Tokens come as 停, 停水, 水, 水了, 了: a character is alone in its run exactly when
        // no bigram ends just before it in the list or starts just after it.
        let is_pair_at = |i: Option<usize>, at: usize, end: bool| {
            i.and_then(|i| toks.get(i)).is_some_and(|b| b.kind == TokenKind::Bigram && if end { b.end == at } else { b.start == at })
        };
        let mut marks = HashMap::new();
        for (i, t) in toks.iter().enumerate() {
            let lone =
                t.kind == TokenKind::Unigram && !is_pair_at(i.checked_sub(1), t.end, true) && !is_pair_at(Some(i + 1), t.start, false);
            if t.kind != TokenKind::Unigram || lone {
                let next = marks.len();
                marks.entry(t.term.clone()).or_insert(next);
            }
        }
        Query { terms, strong, marks }
    }
}

impl Index {
    pub fn new() -> Self {
        Self::default()
    }

    /// Live articles.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether an article with this id is indexed.
    pub fn contains(&self, id: Uuid) -> bool {
        self.slots.contains_key(&id)
    }

    /// Adds or replaces (same id) a document; incremental, O(size of doc) — no full rebuild.
    pub fn upsert(&mut self, doc: Doc) {
        self.remove(doc.id);
        // Slots are u32 to halve the postings; four billion articles do not fit in memory anyway.
        let slot = self.docs.len() as u32;
        let mut tf: Vec<(u32, u32)> = Vec::new();
        let mut len = self.collect(&doc.title, TITLE, &mut tf);
        for tag in &doc.tags {
            len = len.saturating_add(self.collect(tag, TAGS, &mut tf));
        }
        len = len.saturating_add(self.collect(&doc.body, BODY, &mut tf));
        tf.sort_unstable_by_key(|&(term, _)| term);
        for run in tf.chunk_by(|a, b| a.0 == b.0) {
            let sum = run.iter().fold(0u32, |s, &(_, w)| s.saturating_add(w));
            if let Some(term) = run.first().and_then(|&(t, _)| self.terms.get_mut(t as usize)) {
                term.postings.push(Posting { slot, tf: sum as f32 });
                term.df += 1;
            }
        }
        self.total_len += u64::from(len);
        self.lens.push(len as f32);
        self.slots.insert(doc.id, slot);
        self.docs.push(Some(Stored { doc, len }));
    }

    /// Pushes (term id, field weight) for each token of `text`, creating terms as needed, and
    /// returns the weighted length. Bigrams add no length: a CJK character is one position.
    fn collect(&mut self, text: &str, weight: u32, out: &mut Vec<(u32, u32)>) -> u32 {
        let (vocab, terms) = (&mut self.vocab, &mut self.terms);
        let mut len = 0u32;
        for_each_token(text, |term, kind, _, _| {
            let id = vocab.get_or_insert(term, || {
                terms.push(Term::default());
                terms.len() as u32 - 1
            });
            out.push((id, weight));
            if kind != TokenKind::Bigram {
                len = len.saturating_add(weight);
            }
        });
        len
    }

    /// Removes the article; false when it was not indexed.
    pub fn remove(&mut self, id: Uuid) -> bool {
        let Some(slot) = self.slots.remove(&id) else {
            return false;
        };
        let Some(stored) = self.docs.get_mut(slot as usize).and_then(Option::take) else {
            return false;
        };
        // Its terms are found again by tokenising the stored text, which costs less than
        // keeping a term list beside every article.
        let mut ids = Vec::new();
        let vocab = &self.vocab;
        let mut note = |text: &str| {
            for_each_token(text, |term, _, _, _| {
                if let Some(t) = vocab.get(term) {
                    ids.push(t);
                }
            })
        };
        note(&stored.doc.title);
        stored.doc.tags.iter().for_each(|tag| note(tag));
        note(&stored.doc.body);
        ids.sort_unstable();
        ids.dedup();
        for t in ids {
            if let Some(term) = self.terms.get_mut(t as usize) {
                term.df = term.df.saturating_sub(1);
            }
        }
        self.total_len = self.total_len.saturating_sub(u64::from(stored.len));
        if let Some(l) = self.lens.get_mut(slot as usize) {
            *l = 0.0;
        }
        self.dead += 1;
        if self.dead >= COMPACT_AFTER && self.dead > self.slots.len() {
            self.compact();
        }
        true
    }

    /// Drops tombstoned slots from every postings list and renumbers the slots, and drops
    /// terms no live article holds, so churn cannot grow the vocabulary forever.
    fn compact(&mut self) {
        const GONE: u32 = u32::MAX;
        let mut remap = vec![GONE; self.docs.len()];
        let mut next = 0u32;
        for (old, d) in self.docs.iter().enumerate() {
            if d.is_some() {
                remap[old] = next;
                next += 1;
            }
        }
        let mut term_map = vec![GONE; self.terms.len()];
        let mut kept = Vec::new();
        for (old, mut term) in std::mem::take(&mut self.terms).into_iter().enumerate() {
            term.postings.retain_mut(|p| match remap.get(p.slot as usize) {
                Some(&n) if n != GONE => {
                    p.slot = n;
                    true
                }
                _ => false,
            });
            if term.postings.is_empty() {
                continue;
            }
            if term.postings.capacity() > 2 * term.postings.len() {
                term.postings.shrink_to_fit();
            }
            term_map[old] = kept.len() as u32;
            kept.push(term);
        }
        self.vocab.retain(|id| match term_map.get(*id as usize) {
            Some(&n) if n != GONE => {
                *id = n;
                true
            }
            _ => false,
        });
        self.terms = kept;
        self.docs.retain(Option::is_some);
        self.lens = self.docs.iter().map(|d| d.as_ref().map_or(0.0, |s| s.len as f32)).collect();
        for slot in self.slots.values_mut() {
            *slot = remap.get(*slot as usize).copied().unwrap_or(GONE);
        }
        self.dead = 0;
    }

    /// Ranked hits among documents for which `keep(id)` is true, best first, at most `limit`.
    /// An empty or all-punctuation query returns no hits. Equal scores are ordered by id.
    pub fn search(&self, query: &str, keep: impl Fn(Uuid) -> bool, limit: usize) -> Vec<Hit> {
        let q = Query::parse(query);
        if limit == 0 || q.terms.is_empty() || self.slots.is_empty() {
            return Vec::new();
        }
        let n = self.slots.len() as f32;
        let avg = (self.total_len as f32 / n).max(1.0);
        let mut acc = vec![0f32; self.docs.len()];
        let mut seen = vec![false; self.docs.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (text, kind) in &q.terms {
            let Some(term) = self.vocab.get(text).and_then(|t| self.terms.get(t as usize)) else {
                continue;
            };
            if term.df == 0 {
                continue;
            }
            let df = term.df as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            let unigram = *kind == TokenKind::Unigram;
            let weight = if unigram { idf * UNIGRAM_WEIGHT } else { idf };
            // Strong terms come first, so by now `seen` marks the articles that qualify.
            let only_seen = unigram && q.strong;
            for p in &term.postings {
                let s = p.slot as usize;
                let (Some(a), Some(was), Some(&dl)) = (acc.get_mut(s), seen.get_mut(s), self.lens.get(s)) else {
                    continue;
                };
                if only_seen && !*was {
                    continue;
                }
                *a += weight * p.tf * (K1 + 1.0) / (p.tf + K1 * (1.0 - B + B * dl / avg));
                if !*was {
                    *was = true;
                    touched.push(p.slot);
                }
            }
        }
        // Tombstoned slots were scored too (cheaper than testing each posting); they drop here.
        let mut found: Vec<(f32, Uuid, &Doc)> = touched
            .iter()
            .filter_map(|&s| {
                let doc = &self.docs.get(s as usize)?.as_ref()?.doc;
                keep(doc.id).then(|| (acc.get(s as usize).copied().unwrap_or(0.0), doc.id, doc))
            })
            .collect();
        let order = |a: &(f32, Uuid, &Doc), b: &(f32, Uuid, &Doc)| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1));
        if found.len() > limit {
            found.select_nth_unstable_by(limit - 1, order);
            found.truncate(limit);
        }
        found.sort_unstable_by(order);
        found
            .into_iter()
            .map(|(score, id, doc)| Hit {
                id,
                score,
                title: highlight::segments(&doc.title, &q.marks),
                snippet: highlight::snippet(&doc.body, &q.marks),
            })
            .collect()
    }

    /// Size figures, for capacity planning and the benchmark.
    pub fn stats(&self) -> Stats {
        let postings: usize = self.terms.iter().map(|t| t.postings.len()).sum();
        let postings_cap: usize = self.terms.iter().map(|t| t.postings.capacity()).sum();
        let vocab = self.vocab.bytes();
        let text: usize = self
            .docs
            .iter()
            .flatten()
            .map(|s| {
                s.doc.title.capacity()
                    + s.doc.body.capacity()
                    + s.doc.tags.capacity() * size_of::<String>()
                    + s.doc.tags.iter().map(String::capacity).sum::<usize>()
            })
            .sum();
        let bytes = vocab
            + self.terms.capacity() * size_of::<Term>()
            + postings_cap * size_of::<Posting>()
            + self.docs.capacity() * size_of::<Option<Stored>>()
            + text
            + self.lens.capacity() * size_of::<f32>()
            + self.slots.capacity() * (size_of::<(Uuid, u32)>() + 2);
        Stats { docs: self.slots.len(), slots: self.docs.len(), terms: self.terms.len(), postings, bytes }
    }
}

//! Full-text search over knowledge-base articles (知识库), Chinese first, in memory and pure Rust.
//!
//! # Terms: overlapping character n-grams, not a dictionary segmenter
//! Chinese has no spaces, so splitting on whitespace finds no words. A dictionary segmenter
//! (jieba and the like) needs a large dictionary, is wrong on exactly the words a hotline cares
//! about (place names, estate names, new policy terms) and segments a query and an article
//! differently when their context differs. We take the CJK bigram approach of Lucene's
//! `CJKAnalyzer` instead: a run of CJK characters yields every overlapping pair ("停水了" →
//! 停水, 水了) plus every single character. Any two-character word is then a term by itself,
//! longer words are matched by their pairs, and word order in the query does not matter
//! ("公积金怎么取" finds "住房公积金提取条件" through 公积 and 积金). Single characters weigh
//! ×0.3: they break ties, and they rescue one-character queries ("水"), which would otherwise
//! have no term at all. Letters and digits yield lowercase, accent-folded words with a light
//! English plural fold ("lights" ≈ "light"); full-width ASCII is folded to half-width
//! ("１２３１５" = "12315"); punctuation, spaces and symbols separate.
//!
//! # What is a hit
//! A document must match at least one bigram or word of the query; matches on single
//! characters only count when the query has nothing else (it is made of one-character runs).
//! Without this rule every article containing 民 or 证 would answer "火星移民签证"; with it, a
//! query the knowledge base cannot answer returns nothing, which is what the "search gaps"
//! report (keyed by [`normalise_query`]) needs to see.
//!
//! # Ranking: BM25 over one weighted virtual document
//! Okapi BM25 (k1 = 1.2, b = 0.75) with the BM25F field weights folded into the term frequency:
//! a term counts 3 in the title, 2 in a tag and 1 in the body, and a document's length is the
//! same weighted sum (one position per CJK character or word). That is BM25 over a virtual
//! document in which the title is written three times and the tags twice. We chose one
//! combined length over per-field length normalisation because it keeps a posting at 8 bytes
//! (slot, weighted tf) and lets the average length be applied at query time, so adding or
//! removing an article never rewrites anyone else's postings; the cost, a long body diluting a
//! title match a little, is what the title weight is there to outweigh. Saturation in tf makes
//! an article matching more distinct query pairs outrank one repeating a single pair. idf is
//! Lucene's `ln(1 + (N − df + 0.5) / (df + 0.5))`, from the current document frequencies.
//!
//! # Index
//! Integer term ids, one postings list `(slot, weighted tf)` per term, a dense length per slot,
//! and the stored article for highlighting. Upsert appends a new slot (O(size of the article));
//! remove and replace tombstone the old slot and lower the document frequencies at once, so a
//! removed or replaced version can never be returned; stale postings are dropped in one
//! compaction pass once tombstones outnumber live articles (amortised O(size of an article)).
//! A search scores into a dense accumulator and selects the best `limit` with a partial sort.

mod highlight;
mod index;
mod tokens;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use index::{Index, Stats};
pub use tokens::{Token, TokenKind, tokens};

/// A knowledge article as indexed: the caller keeps the full record, this is what is searched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
}

/// One ranked result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: Uuid,
    pub score: f32,
    /// The whole title, matched parts marked.
    pub title: Vec<Segment>,
    /// About 120 characters of the body around its densest cluster of matches ("…" where cut).
    pub snippet: Vec<Segment>,
}

/// Text pieces in order; `hit` marks the parts matching the query, so a UI renders highlights
/// without parsing markup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// A query as the key of the "search gaps" report: trimmed, lowercased, full-width folded and
/// inner whitespace collapsed, so "  停水 ＡＰＰ" and "停水 app" count as one gap.
pub fn normalise_query(q: &str) -> String {
    let folded: String = q.chars().map(tokens::fold_width).flat_map(char::to_lowercase).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

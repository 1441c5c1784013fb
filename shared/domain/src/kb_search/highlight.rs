//! Highlighting: which parts of a title or body the query matched, as plain segments, and the
//! body window worth showing under a hit.

use std::collections::HashMap;

use super::Segment;
use super::tokens::for_each_token;

/// How many characters of body a snippet shows (plus the "…" marks where it was cut).
pub(crate) const SNIPPET_CHARS: usize = 120;

const ELLIPSIS: &str = "…";

/// A matched token: byte range in the text and which query term it matched.
#[derive(Debug, Clone, Copy)]
struct Mark {
    start: usize,
    end: usize,
    term: usize,
}

/// The tokens of `text` whose term is one of `marks` (query term → its index), in order.
fn find(text: &str, marks: &HashMap<String, usize>) -> Vec<Mark> {
    let mut out = Vec::new();
    for_each_token(text, |term, _, start, end| {
        if let Some(&t) = marks.get(term) {
            out.push(Mark { start, end, term: t });
        }
    });
    out
}

/// The whole `text` as segments, the matched parts marked.
pub(crate) fn segments(text: &str, marks: &HashMap<String, usize>) -> Vec<Segment> {
    let found = find(text, marks);
    let mut out = Vec::new();
    cut(text, 0, text.len(), &found, &mut out);
    out
}

/// Appends the segments of `text[from..to]` to `out`; `found` is sorted by start and its
/// ranges lie on char boundaries, so every slice here does too.
fn cut(text: &str, from: usize, to: usize, found: &[Mark], out: &mut Vec<Segment>) {
    let mut at = from;
    for m in found {
        // Overlapping bigrams ("停水" and "水了") extend one another into one marked run.
        let (start, end) = (m.start.max(at), m.end.min(to));
        if start >= end {
            continue;
        }
        push(out, text.get(at..start).unwrap_or(""), false);
        push(out, text.get(start..end).unwrap_or(""), true);
        at = end;
    }
    push(out, text.get(at..to).unwrap_or(""), false);
}

/// Appends a piece, merged into the last segment when both are (or are not) hits.
fn push(out: &mut Vec<Segment>, text: &str, hit: bool) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(last) if last.hit == hit => last.text.push_str(text),
        _ => out.push(Segment { text: text.to_owned(), hit }),
    }
}

/// About `SNIPPET_CHARS` characters of `body` around its densest cluster of matches: the
/// window holding the most distinct query terms, then the most matches. The whole body when
/// it is short enough; the start of the body when nothing in it matched.
pub(crate) fn snippet(body: &str, marks: &HashMap<String, usize>) -> Vec<Segment> {
    // Byte offset of every char, plus the end, so char windows map to byte slices.
    let offsets: Vec<usize> = body.char_indices().map(|(i, _)| i).chain(std::iter::once(body.len())).collect();
    let chars = offsets.len() - 1;
    let found = find(body, marks);
    if chars <= SNIPPET_CHARS {
        let mut out = Vec::new();
        cut(body, 0, body.len(), &found, &mut out);
        return out;
    }
    let char_at = |byte: usize| offsets.partition_point(|&o| o < byte);
    let (from, to) = match densest(&found, marks.len(), char_at) {
        Some((first, last)) => {
            let (start, end) = (char_at(found[first].start), char_at(found[last].end));
            // Centre the cluster in the window, then keep the window inside the body.
            let slack = SNIPPET_CHARS.saturating_sub(end - start);
            let to = (start.saturating_sub(slack / 2) + SNIPPET_CHARS).min(chars);
            (to.saturating_sub(SNIPPET_CHARS), to)
        }
        None => (0, SNIPPET_CHARS),
    };
    let mut out = Vec::new();
    if from > 0 {
        push(&mut out, ELLIPSIS, false);
    }
    cut(body, offsets[from], offsets[to], &found, &mut out);
    if to < chars {
        push(&mut out, ELLIPSIS, false);
    }
    out
}

/// The first and last index into `found` of the best window of at most `SNIPPET_CHARS`
/// characters, by a two-pointer sweep (linear, however long the body).
fn densest(found: &[Mark], terms: usize, char_at: impl Fn(usize) -> usize) -> Option<(usize, usize)> {
    let mut count = vec![0usize; terms];
    let mut distinct = 0;
    let mut best: Option<((usize, usize), (usize, usize))> = None;
    let mut left = 0;
    for (right, m) in found.iter().enumerate() {
        if let Some(c) = count.get_mut(m.term) {
            distinct += usize::from(*c == 0);
            *c += 1;
        }
        while left < right && char_at(m.end).saturating_sub(char_at(found[left].start)) > SNIPPET_CHARS {
            if let Some(c) = count.get_mut(found[left].term) {
                *c -= 1;
                distinct -= usize::from(*c == 0);
            }
            left += 1;
        }
        let score = (distinct, right + 1 - left);
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, (left, right)));
        }
    }
    best.map(|(_, window)| window)
}

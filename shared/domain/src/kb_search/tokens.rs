//! The tokeniser shared by indexing, querying and highlighting, so the three can never disagree
//! about what a term is.
//!
//! Text is read one base character at a time (combining marks ride on the character before
//! them, so "é" written as `e` + U+0301 stays one letter and a highlight never splits it).
//! Full-width ASCII is folded to half-width first, so "Ａ１" and "a1" are the same term.
//! A run of CJK characters yields each character (unigram) and each overlapping pair (bigram);
//! letters and digits yield lowercase, accent-folded words; everything else separates.

/// What a token is; it decides the token's weight and whether it counts as a real match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A run of letters and digits (Latin, Cyrillic, …), lowercased and accent-folded.
    Word,
    /// Two adjacent CJK characters.
    Bigram,
    /// One CJK character: it only breaks ties, unless the query is a single character.
    Unigram,
}

/// One token with the byte range it came from in the original text (always on char boundaries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub term: String,
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// Longer words are cut here: a pasted hash or base64 blob must not grow the vocabulary without
/// bound, and cutting the query the same way keeps such words matching.
const MAX_WORD_BYTES: usize = 64;

/// The tokens of `text` in order of appearance.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for_each_token(text, |term, kind, start, end| out.push(Token { term: term.to_owned(), kind, start, end }));
    out
}

/// Calls `f(term, kind, start, end)` for each token without allocating per token, since
/// indexing 100,000 articles tokenises tens of millions of them.
pub(crate) fn for_each_token(text: &str, mut f: impl FnMut(&str, TokenKind, usize, usize)) {
    // The previous CJK character of the current run and where it starts.
    let mut prev: Option<(char, usize)> = None;
    let mut word = String::new();
    let mut word_span = (0, 0);
    let mut pair = String::with_capacity(8);
    let mut unit = [0u8; 4];
    let mut chars = text.char_indices().peekable();
    while let Some((start, raw)) = chars.next() {
        let mut end = start + raw.len_utf8();
        while let Some(&(at, next)) = chars.peek() {
            if !is_mark(next) {
                break;
            }
            end = at + next.len_utf8();
            chars.next();
        }
        let c = fold_width(raw);
        if is_cjk(c) {
            flush_word(&mut word, word_span, &mut f);
            if let Some((p, p_start)) = prev {
                pair.clear();
                pair.push(p);
                pair.push(c);
                f(&pair, TokenKind::Bigram, p_start, end);
            }
            f(c.encode_utf8(&mut unit), TokenKind::Unigram, start, end);
            prev = Some((c, start));
        } else if c.is_alphanumeric() {
            prev = None;
            if word.is_empty() {
                word_span.0 = start;
            }
            word_span.1 = end;
            for l in c.to_lowercase() {
                match fold_accent(l) {
                    Some(ascii) if word.len() + ascii.len() <= MAX_WORD_BYTES => word.push_str(ascii),
                    None if word.len() + l.len_utf8() <= MAX_WORD_BYTES => word.push(l),
                    _ => {}
                }
            }
        } else {
            prev = None;
            flush_word(&mut word, word_span, &mut f);
        }
    }
    flush_word(&mut word, word_span, &mut f);
}

fn flush_word(word: &mut String, (start, end): (usize, usize), f: &mut impl FnMut(&str, TokenKind, usize, usize)) {
    if word.is_empty() {
        return;
    }
    // A light English plural fold ("lights" ≈ "light"); "ss" endings (address, glass) are not
    // plurals, and words of three letters or fewer (bus, gas) are left alone.
    let b = word.as_bytes();
    let n = b.len();
    if n > 3 && b[n - 1] == b's' && b[n - 2] != b's' && b[n - 2].is_ascii_alphabetic() && word.is_ascii() {
        word.pop();
    }
    f(word, TokenKind::Word, start, end);
    word.clear();
}

/// Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to their half-width forms, as
/// Chinese input methods produce both.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Han ideographs (with extensions and compatibility forms), kana and Hangul: scripts written
/// without spaces, where n-grams stand in for words.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}' | '\u{30000}'..='\u{3134F}'
        | '\u{3040}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' | '\u{AC00}'..='\u{D7AF}')
}

/// Combining marks and variation selectors: they belong to the character before them.
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE00}'..='\u{FE0F}' | '\u{FE20}'..='\u{FE2F}')
}

/// Accented Latin letters (including pinyin tone marks) to plain ASCII, so "café" and "cafe",
/// "Lǜ" and "lu" match. Precomposed forms only; decomposed marks are already dropped.
fn fold_accent(c: char) -> Option<&'static str> {
    let s = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => "i",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' => "o",
        'œ' => "oe",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ł' => "l",
        _ => return None,
    };
    Some(s)
}

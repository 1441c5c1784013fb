//! Chinese first, English on request: every label the console shows goes through [`Lang::t`],
//! whose tables are in `messages/`. A unit test reads the console's sources and fails on a key the
//! table lacks, so a label cannot ship untranslated.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;

use super::messages;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

static TABLE: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| messages::all().map(|(k, zh, en)| (*k, (*zh, *en))).collect());

impl Lang {
    /// From the `hl_lang` cookie's value: `en` chooses English, anything else Chinese.
    pub fn from_cookie(value: Option<&str>) -> Self {
        if value == Some("en") { Lang::En } else { Lang::Zh }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The label for `key`; the key itself when the table lacks it (the source test prevents
    /// that for literal keys; dynamic ones such as `status.<value>` fall back to the value).
    pub fn t(self, key: &str) -> &str {
        match TABLE.get(key) {
            Some((zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => key.rsplit_once('.').map_or(key, |(_, last)| last),
        }
    }

    /// The label of one value of a vocabulary (`status`, `channel`, `type`, …).
    pub fn term<'a>(self, vocabulary: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
        match TABLE.get(format!("{vocabulary}.{value}").as_str()) {
            Some((zh, en)) => std::borrow::Cow::Borrowed(if self == Lang::Zh { zh } else { en }),
            None => std::borrow::Cow::Borrowed(value),
        }
    }

    /// Whether the table has `key` (error codes are looked up before falling back to the
    /// API's own message).
    pub fn has(key: &str) -> bool {
        TABLE.contains_key(key)
    }
}

/// A moment as the city reads it: Beijing time, to the minute.
pub fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string()
}

/// A day as the city reads it.
pub fn day(at: DateTime<Utc>) -> String {
    at.with_timezone(&Shanghai).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal_keys(source: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for marker in [".t(\""] {
            let mut rest = source;
            while let Some(at) = rest.find(marker) {
                rest = &rest[at + marker.len()..];
                if let Some(end) = rest.find('"') {
                    keys.push(rest[..end].to_owned());
                }
            }
        }
        keys
    }

    #[test]
    fn every_literal_label_is_translated() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console");
        let mut missing = Vec::new();
        let mut files = vec![dir.clone()];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                for key in literal_keys(&source) {
                    if !TABLE.contains_key(key.as_str()) && !key.ends_with('.') {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "labels without a translation:\n{}", missing.join("\n"));
    }

    #[test]
    fn the_table_has_no_duplicate_or_empty_entries() {
        let mut seen = std::collections::HashSet::new();
        for (key, zh, en) in messages::all() {
            assert!(seen.insert(key), "{key} twice");
            assert!(!zh.is_empty() && !en.is_empty(), "{key} has an empty label");
        }
    }

    #[test]
    fn dates_are_in_beijing_time() {
        let at = "2026-11-23T16:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(when(at), "2026-11-24 00:30");
        assert_eq!(day(at), "2026-11-24");
    }

    #[test]
    fn vocabulary_terms_fall_back_to_the_value() {
        assert_eq!(Lang::Zh.term("status", "closed"), "已办结");
        assert_eq!(Lang::En.term("status", "closed"), "Closed");
        assert_eq!(Lang::Zh.term("status", "no_such"), "no_such");
        assert_eq!(Lang::from_cookie(Some("en")), Lang::En);
        assert_eq!(Lang::from_cookie(Some("fr")), Lang::Zh);
    }
}

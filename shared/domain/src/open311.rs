//! Open311 GeoReport v2 (and mySociety's request updates) as the platform speaks it: the pure
//! rules behind `/open311/v2/` — service codes of the dispatch catalogue (派单目录), the
//! open/closed mapping of our states, the date window and paging of list queries, and the
//! scrubbing of personal data from text that public GETs return.

use chrono::{DateTime, Duration, FixedOffset, Utc};

use crate::ValidationError;
use crate::case::{CaseStatus, ContactType};

/// The longest window `start_date`..`end_date` a list query may span (the spec's 90 days).
pub const MAX_WINDOW_DAYS: i64 = 90;
/// Page size when the client gives none, and the most one page may hold.
pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 200;
/// The catch-all service every jurisdiction offers (其他): cases whose category is not in the
/// catalogue are listed under it, and a request filed under it waits for an agent to classify.
pub const OTHER: &str = "other";

/// A category code inside one line's catalogue: 1 to 32 lowercase ASCII letters, digits, `_`
/// or `-`, starting with a letter or digit. The service code is `<line code>-<category code>`.
pub fn check_category_code(input: &str) -> Result<String, ValidationError> {
    let ok_len = (1..=32).contains(&input.len());
    let ok_first = input.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok_chars = input.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !(ok_len && ok_first && ok_chars) {
        return Err(ValidationError::new(
            "code",
            "invalid_category_code",
            "a category code has 1 to 32 lowercase letters, digits, '_' or '-' and starts with a letter or digit (e.g. sanitation)",
        ));
    }
    if input == OTHER {
        return Err(ValidationError::new("code", "reserved_code", "'other' is the catch-all service every line has already"));
    }
    Ok(input.to_owned())
}

/// The service code integrators see for a line's category.
pub fn service_code(line: &str, category_code: &str) -> String {
    format!("{line}-{category_code}")
}

/// A `media_url`: an absolute http(s) URL of visible ASCII (what `format: uri` promises the
/// clients that read it back), at most 2,048 characters, with a host name.
pub fn check_media_url(input: &str) -> Result<String, ValidationError> {
    let url = input.trim();
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let authority = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default()).unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    let host_ok = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && port.chars().all(|c| c.is_ascii_digit());
    let chars_ok = url.chars().all(|c| c.is_ascii_graphic()) && !url.contains(['<', '>', '"', '{', '}', '|', '\\', '^', '`', '[', ']']);
    if url.len() <= 2048 && host_ok && chars_ok && !has_bad_escape(url) {
        Ok(url.to_owned())
    } else {
        Err(ValidationError::new(
            "media_url",
            "invalid_url",
            "media_url is an absolute http(s) URL with a host name (at most 2,048 characters)",
        ))
    }
}

/// A `%` not followed by two hex digits, or an escaped control character (`%00`–`%1F`, `%7F`).
fn has_bad_escape(url: &str) -> bool {
    let b = url.as_bytes();
    (0..b.len()).filter(|&i| b[i] == b'%').any(|i| {
        let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        hex.is_none_or(|v| v < 0x20 || v == 0x7f)
    })
}

/// `open` or `closed`: the only two states GeoReport v2 knows.
pub fn public_status(status: CaseStatus) -> &'static str {
    if status == CaseStatus::Closed { "closed" } else { "open" }
}

/// `status_notes`: where the case stands in our finer states, in Chinese and English.
pub fn status_note(status: CaseStatus, closure: Option<&str>) -> String {
    let stage = match status {
        CaseStatus::Received => "已接收 received",
        CaseStatus::Accepted => "已受理 accepted",
        CaseStatus::Dispatched => "已派单，待签收 dispatched, waiting for the unit to sign for it",
        CaseStatus::Signed => "已签收 signed for by the handling unit",
        CaseStatus::InProgress => "办理中 in progress",
        CaseStatus::Returned => "退单审核中 returned by the unit, being re-dispatched",
        CaseStatus::FeedbackGiven => "已答复，待回访 answered, waiting for the return visit",
        CaseStatus::Closed => "已办结 closed",
    };
    let how = match closure {
        Some("answered") => Some("直接答复 answered at first contact"),
        Some("referred") => Some("告知正确渠道 referred to the right service"),
        Some("transferred") => Some("转紧急热线 transferred to an emergency line"),
        Some("linked") => Some("并单 linked to an open case about the same issue"),
        Some("resolved") => Some("已处理 handled"),
        _ => None,
    };
    match (status, how) {
        (CaseStatus::Closed, Some(how)) => format!("{stage}: {how}"),
        _ => stage.to_owned(),
    }
}

/// Which contacts a public GET may show at all: never a report (举报), whose reporter the
/// regulations protect, and whose subject is often a person or a unit.
pub fn publicly_listed(contact_type: &str) -> bool {
    contact_type != ContactType::Report.as_str()
}

/// The options of the `contact_type` attribute (诉求类型), in the catalogue's order, with the
/// name shown to citizens.
pub fn contact_type_options() -> Vec<(&'static str, &'static str)> {
    ContactType::ALL
        .iter()
        .map(|t| {
            let name = match t {
                ContactType::Consultation => "咨询 consultation",
                ContactType::Complaint => "投诉 complaint",
                ContactType::Report => "举报 report (your identity is protected)",
                ContactType::Suggestion => "建议 suggestion",
                ContactType::Help => "求助 help request",
                ContactType::Praise => "表扬 praise",
                ContactType::Other => "其他 other",
            };
            (t.as_str(), name)
        })
        .collect()
}

/// A W3C date-time with its zone (`2026-11-01T00:00:00+08:00` or `…Z`), as the spec requires.
pub fn parse_w3c(field: &str, input: &str) -> Result<DateTime<Utc>, ValidationError> {
    DateTime::<FixedOffset>::parse_from_rfc3339(input.trim()).map(|d| d.with_timezone(&Utc)).map_err(|_| {
        ValidationError::new(field, "invalid_datetime", format!("{field} is a W3C date-time with a zone, e.g. 2026-11-01T00:00:00+08:00"))
    })
}

/// The window of a list query. None given: the last 90 days; one given: 90 days from it (or up
/// to it); both: as given, at most 90 days apart and in order.
pub fn window(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ValidationError> {
    let span = Duration::days(MAX_WINDOW_DAYS);
    let (from, to) = match (start, end) {
        (None, None) => (now - span, now),
        (Some(s), None) => (s, s + span),
        (None, Some(e)) => (e - span, e),
        (Some(s), Some(e)) => (s, e),
    };
    if to < from {
        return Err(ValidationError::new("end_date", "reversed_range", "end_date is before start_date"));
    }
    if to - from > span {
        return Err(ValidationError::new("end_date", "range_too_long", "start_date and end_date may be at most 90 days apart"));
    }
    Ok((from, to))
}

/// The window of `start_date` and `end_date` as given in a query (blank: not given).
pub fn window_of(start: Option<&str>, end: Option<&str>, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>), ValidationError> {
    let parse = |field: &str, v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(|s| parse_w3c(field, s)).transpose();
    window(parse("start_date", start)?, parse("end_date", end)?, now)
}

/// `page` (from 1) and `page_size` as offset and limit.
pub fn paging(page: Option<&str>, page_size: Option<&str>) -> Result<(u64, u64), ValidationError> {
    let number = |field: &str, v: Option<&str>, default: u64, max: u64| -> Result<u64, ValidationError> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| ValidationError::new(field, "out_of_range", format!("{field} is a whole number from 1 to {max}"))),
        }
    };
    let size = number("page_size", page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let page = number("page", page, 1, 1_000_000)?;
    Ok(((page - 1) * size, size))
}

/// Removes personal data from free text that a public GET returns: mobile and landline
/// numbers, resident ID numbers and e-mail addresses become `[已隐去]` (removed). Descriptions
/// are written by citizens, who often put their number in them.
pub fn scrub(text: &str) -> String {
    const MARK: &str = "[已隐去]";
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = email_at(&chars, i) {
            // Drop the local part already copied.
            while out.ends_with(|c: char| is_email_local(c)) {
                out.pop();
            }
            out.push_str(MARK);
            i = end;
            continue;
        }
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            // A run of digits with the separators people type inside numbers.
            let mut j = i;
            let mut groups = vec![0usize];
            while j < chars.len() && (chars[j].is_ascii_digit() || matches!(chars[j], '-' | ' ')) {
                if chars[j].is_ascii_digit() {
                    *groups.last_mut().unwrap_or(&mut 0) += 1;
                } else if groups.last() == Some(&0) {
                    break;
                } else {
                    groups.push(0);
                }
                j += 1;
            }
            let digits: usize = groups.iter().sum();
            let id_check = j < chars.len() && matches!(chars[j], 'X' | 'x') && digits == 17;
            if id_check {
                j += 1;
            }
            // Trailing separators are not part of the number.
            while j > i && matches!(chars[j - 1], '-' | ' ') {
                j -= 1;
            }
            // A date (2026-11-01) is when the issue happened, not a number to hide.
            let date = matches!(groups.as_slice(), [4, 1..=2, 1..=2] | [4, 1..=2, 1..=2, 0]);
            if (digits >= 7 && !date) || id_check {
                out.push_str(MARK);
            } else {
                out.extend(&chars[i..j]);
            }
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// At an `@` with a local part before it and a dotted domain after it: the end of the address.
fn email_at(chars: &[char], i: usize) -> Option<usize> {
    if chars[i] != '@' || i == 0 || !is_email_local(chars[i - 1]) {
        return None;
    }
    let mut j = i + 1;
    while j < chars.len() && (chars[j].is_ascii_alphanumeric() || matches!(chars[j], '.' | '-')) {
        j += 1;
    }
    let domain: String = chars[i + 1..j].iter().collect();
    let domain = domain.trim_end_matches('.');
    (domain.contains('.') && !domain.starts_with('.')).then_some(i + 1 + domain.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn category_codes_are_slugs_and_other_is_reserved() {
        assert_eq!(check_category_code("sanitation").unwrap(), "sanitation");
        assert_eq!(check_category_code("road-2_a").unwrap(), "road-2_a");
        for bad in ["", "-x", "Road", "路灯", "a b", &"x".repeat(33)] {
            assert_eq!(check_category_code(bad).unwrap_err().code, "invalid_category_code", "{bad}");
        }
        assert_eq!(check_category_code("other").unwrap_err().code, "reserved_code");
        assert_eq!(service_code("12319", "sanitation"), "12319-sanitation");
    }

    #[test]
    fn media_urls_are_absolute_http_urls_with_a_host() {
        for ok in ["https://img.example.com/a.jpg", "http://10.0.0.1:8080/x?y=1#z", "https://a.b/%E4%BD%A0.png"] {
            assert_eq!(check_media_url(ok).unwrap(), ok);
        }
        for bad in [
            "ftp://x",
            "http://[bad",
            "http://a%19b",
            "https://",
            "http:///path",
            "http://a b",
            "https://a/\u{1}",
            "https://例子.cn/a",
            "http://a/%zz",
            "http://a:x/",
            "javascript:alert(1)",
        ] {
            assert_eq!(check_media_url(bad).unwrap_err().code, "invalid_url", "{bad}");
        }
    }

    #[test]
    fn only_closed_is_closed() {
        for s in CaseStatus::ALL {
            assert_eq!(public_status(*s) == "closed", *s == CaseStatus::Closed, "{s}");
        }
        assert_eq!(status_note(CaseStatus::Closed, Some("linked")), "已办结 closed: 并单 linked to an open case about the same issue");
        assert_eq!(status_note(CaseStatus::Signed, Some("linked")), "已签收 signed for by the handling unit");
        assert!(status_note(CaseStatus::Returned, None).contains("returned"));
    }

    #[test]
    fn reports_are_never_listed() {
        assert!(!publicly_listed("report"));
        assert!(publicly_listed("complaint"));
        let keys: Vec<&str> = contact_type_options().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["consultation", "complaint", "report", "suggestion", "help", "praise", "other"]);
    }

    #[test]
    fn dates_need_a_zone() {
        let d = parse_w3c("start_date", "2026-11-01T08:00:00+08:00").unwrap();
        assert_eq!(d, Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap());
        assert_eq!(parse_w3c("start_date", "2026-11-01T00:00:00Z").unwrap(), d);
        for bad in ["2026-11-01", "2026-11-01T00:00:00", "yesterday", ""] {
            let e = parse_w3c("end_date", bad).unwrap_err();
            assert_eq!((e.field.as_str(), e.code), ("end_date", "invalid_datetime"), "{bad}");
        }
    }

    #[test]
    fn windows_default_to_ninety_days_and_never_exceed_them() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        let day = Duration::days(1);
        assert_eq!(window(None, None, now).unwrap(), (now - day * 90, now));
        assert_eq!(window(Some(now), None, now).unwrap(), (now, now + day * 90));
        assert_eq!(window(None, Some(now), now).unwrap(), (now - day * 90, now));
        assert_eq!(window(Some(now - day * 90), Some(now), now).unwrap(), (now - day * 90, now));
        assert_eq!(window(Some(now - day * 91), Some(now), now).unwrap_err().code, "range_too_long");
        assert_eq!(window(Some(now), Some(now - day), now).unwrap_err().code, "reversed_range");
    }

    #[test]
    fn paging_is_bounded() {
        assert_eq!(paging(None, None).unwrap(), (0, DEFAULT_PAGE_SIZE));
        assert_eq!(paging(Some("3"), Some("10")).unwrap(), (20, 10));
        assert_eq!(paging(Some(""), Some("200")).unwrap(), (0, 200));
        for (p, s, field) in
            [(Some("0"), None, "page"), (None, Some("201"), "page_size"), (None, Some("-1"), "page_size"), (Some("x"), None, "page")]
        {
            assert_eq!(paging(p, s).unwrap_err().field, field);
        }
    }

    #[test]
    fn scrub_removes_numbers_ids_and_emails_but_keeps_the_rest() {
        assert_eq!(scrub("请联系我13812345678，谢谢"), "请联系我[已隐去]，谢谢");
        assert_eq!(scrub("电话 0591-8765 4321 转"), "电话 [已隐去] 转");
        assert_eq!(scrub("身份证35010219900101123X 号"), "身份证[已隐去] 号");
        assert_eq!(scrub("mail me: zhang.san+x@example.com."), "mail me: [已隐去].");
        // House numbers, dates and short counts stay: they are the place and time of the issue.
        assert_eq!(scrub("鼓楼区杨桥路88号 3 天 2026-11-01"), "鼓楼区杨桥路88号 3 天 2026-11-01");
        assert_eq!(scrub("room B12345678"), "room B12345678");
        assert_eq!(scrub("a@b no domain"), "a@b no domain");
        assert_eq!(scrub(""), "");
    }
}

use chrono::NaiveDate;

use crate::error::ValidationError;

pub const MAX_DESCRIPTION: usize = 4000;
pub const MAX_TITLE: usize = 200;

/// Refuses markup: a `<` followed by a letter, `/`, `!` or `?` starts a tag. Plain text such as
/// "温度 < 5 度" passes; "<script>" does not.
/// Whether `text` holds an HTML (or XML) tag, comment or declaration. Citizens write `<` as a
/// book-title mark (`《<A市物业管理条例>实施细则》`, `<<西地省物业管理条例>>`) and as "less
/// than"; a tag is `<`, an optional `/`, an ASCII name, then a space, `/` or `>` (or the end),
/// which Chinese titles never are.
pub(crate) fn has_markup(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).filter(|&i| chars[i] == '<').any(|i| {
        let rest = &chars[i + 1..];
        if matches!(rest.first(), Some('!' | '?')) {
            return true;
        }
        let name = if rest.first() == Some(&'/') { &rest[1..] } else { rest };
        let len = name.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '-').count();
        len > 0 && name[0].is_ascii_alphabetic() && name.get(len).is_none_or(|c| c.is_whitespace() || matches!(c, '>' | '/'))
    })
}

fn check_text(field: &str, text: &str, max: usize, required: bool) -> Result<String, ValidationError> {
    let trimmed = text.trim();
    if required && trimmed.is_empty() {
        return Err(ValidationError::new(field, "required", format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > max {
        return Err(ValidationError::new(field, "too_long", format!("{field} has at most {max} characters")));
    }
    if has_markup(trimmed) {
        return Err(ValidationError::new(field, "markup_not_allowed", format!("{field} must be plain text, without HTML")));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(ValidationError::new(field, "invalid_characters", format!("{field} must not contain control characters")));
    }
    Ok(trimmed.to_owned())
}

/// The citizen's own words: required, plain text, at most 4,000 characters.
pub fn check_description(text: &str) -> Result<String, ValidationError> {
    check_text("description", text, MAX_DESCRIPTION, true)
}

/// A short title; when absent the description's first line stands in (done by the caller).
pub fn check_title(text: &str) -> Result<String, ValidationError> {
    check_text("title", text, MAX_TITLE, true)
}

/// A human-readable tracking number: `<tenant code>-<local date>-<6-digit daily sequence>`,
/// e.g. `12345-20261122-000123`. Read out on the phone, so digits and hyphens only.
pub fn tracking_number(tenant_code: &str, local_day: NaiveDate, seq: u64) -> String {
    format!("{tenant_code}-{}-{seq:06}", local_day.format("%Y%m%d"))
}

/// Checks free text used in steps (reasons, answers, feedback).
pub fn check_note(field: &str, text: &str, max: usize) -> Result<String, ValidationError> {
    check_text(field, text, max, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_plain_bounded_text() {
        assert_eq!(check_description("  路灯不亮，已经三天了。 ").unwrap(), "路灯不亮，已经三天了。");
        assert!(check_description("温度 < 5 度，暖气不热").is_ok());
        assert_eq!(check_description("<script>alert(1)</script>").unwrap_err().code, "markup_not_allowed");
        assert_eq!(check_description("<b>粗体</b>").unwrap_err().code, "markup_not_allowed");
        for tag in
            ["<img src=x onerror=alert(1)>", "</div>", "<!-- x -->", "<svg/onload=alert(1)>", "a <br> b", "<iframe", "<?xml version>"]
        {
            assert_eq!(check_description(tag).unwrap_err().code, "markup_not_allowed", "{tag}");
        }
        // Real messages (TipDM 2020, Fujian) use angle brackets as book-title marks.
        for text in [
            "按《关于印发<A市新建商品住宅全装修建设实施细则>的通知》办理",
            "依据<<西地省物业管理条例>>第15条",
            "温度<5度",
            "a<b且b>c",
            "<A3区>",
        ] {
            assert!(check_description(text).is_ok(), "{text}");
        }
        assert_eq!(check_description("   ").unwrap_err().code, "required");
        assert!(check_description(&"字".repeat(4000)).is_ok());
        assert_eq!(check_description(&"字".repeat(4001)).unwrap_err().code, "too_long");
        assert_eq!(check_description("a\u{0000}b").unwrap_err().code, "invalid_characters");
        assert!(check_description("第一行\n第二行").is_ok());
    }

    #[test]
    fn tracking_numbers_read_well() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(tracking_number("12345", day, 123), "12345-20261122-000123");
        assert_eq!(tracking_number("12319", day, 1_234_567), "12319-20261122-1234567");
    }
}

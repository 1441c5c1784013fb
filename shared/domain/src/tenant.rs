use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, word_enum};

/// The code a tenant is known by: its hotline number for lines (`12319`), `12345` for the city
/// platform. Digits, letters and hyphens, 3 to 16 characters, starting with a letter or digit,
/// because it appears in URLs, tracking numbers and Open311 jurisdiction ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TenantCode(String);

impl TenantCode {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let ok_len = (3..=16).contains(&input.len());
        let ok_first = input.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        let ok_chars = input.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if ok_len && ok_first && ok_chars {
            Ok(Self(input.to_owned()))
        } else {
            Err(ValidationError::new(
                "code",
                "invalid_tenant_code",
                "a tenant code has 3 to 16 ASCII letters, digits or hyphens and starts with a letter or digit (e.g. 12319)",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TenantCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// A telephone number that rings into a tenant: a short service number (12319, 95598) or a full
/// number with area code. Stored as digits only so lookups by the dialled number are exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct LineNumber(String);

impl LineNumber {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if (3..=20).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(ValidationError::new(
                "numbers",
                "invalid_line_number",
                format!("'{input}' is not a telephone number (3 to 20 digits; spaces and hyphens are ignored)"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for LineNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

word_enum!(
    /// The city platform (the 12345 front door) or a departmental line under it.
    TenantKind, "kind" {
        Platform = "platform",
        Line = "line",
    }
);

word_enum!(
    /// How a line joined the platform (DOMAIN.md): 整体并入 absorbed, 双号并行 parallel,
    /// 设分中心 sub-centre.
    MergeMode, "merge_mode" {
        /// No number of its own any more; everything arrives through 12345.
        Absorbed = "absorbed",
        /// Keeps its number and brand; calls land on the same platform.
        Parallel = "parallel",
        /// Its own agents work under 12345 as a sub-centre.
        SubCentre = "sub_centre",
    }
);

word_enum!(
    TenantStatus, "status" {
        Active = "active",
        /// Temporarily closed: no new dispatches, data kept.
        Suspended = "suspended",
        /// Dissolved or fully merged; kept for history.
        Retired = "retired",
    }
);

impl MergeMode {
    /// Whether calls to the line's own number still reach it (and so the number must be kept).
    pub fn keeps_own_number(self) -> bool {
        !matches!(self, MergeMode::Absorbed)
    }
}

/// Checks an IANA time zone name (e.g. `Asia/Shanghai`): working calendars and local-day
/// statistics depend on it.
pub fn parse_time_zone(input: &str) -> Result<chrono_tz::Tz, ValidationError> {
    input.parse::<chrono_tz::Tz>().map_err(|_| {
        ValidationError::new("time_zone", "invalid_time_zone", format!("'{input}' is not an IANA time zone such as Asia/Shanghai"))
    })
}

/// A working calendar reference: a short slug such as `cn-2026` naming calendar data.
pub fn parse_calendar_ref(input: &str) -> Result<String, ValidationError> {
    let ok = (1..=64).contains(&input.len()) && input.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(input.to_owned())
    } else {
        Err(ValidationError::new(
            "calendar",
            "invalid_calendar",
            "a calendar reference has 1 to 64 lowercase letters, digits, '-' or '_' (e.g. cn-2026)",
        ))
    }
}

/// A display name: trimmed, 1 to `max` characters, no control characters.
pub fn parse_name(field: &str, input: &str, max: usize) -> Result<String, ValidationError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "required", format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > max {
        return Err(ValidationError::new(field, "too_long", format!("{field} has at most {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(field, "invalid_characters", format!("{field} must not contain control characters")));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_codes_accept_hotline_numbers_and_refuse_junk() {
        for ok in ["12345", "12319", "city-12345", "abc"] {
            assert!(TenantCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "12", "-123", "12 319", "12319/..", "热线", "12345678901234567"] {
            let err = TenantCode::parse(bad).unwrap_err();
            assert_eq!(err.code, "invalid_tenant_code", "{bad}");
        }
    }

    #[test]
    fn line_numbers_are_normalised_to_digits() {
        assert_eq!(LineNumber::parse("0591-12319").unwrap().as_str(), "059112319");
        assert_eq!(LineNumber::parse("95598").unwrap().as_str(), "95598");
        assert!(LineNumber::parse("12").is_err());
        assert!(LineNumber::parse("123a5").is_err());
        assert!(LineNumber::parse(&"1".repeat(21)).is_err());
    }

    #[test]
    fn merge_modes_parse_from_their_api_words() {
        assert_eq!(MergeMode::parse("sub_centre").unwrap(), MergeMode::SubCentre);
        let err = MergeMode::parse("merged").unwrap_err();
        assert_eq!(err.field, "merge_mode");
        assert!(err.message.contains("absorbed, parallel, sub_centre"));
        assert!(!MergeMode::Absorbed.keeps_own_number());
        assert!(MergeMode::Parallel.keeps_own_number());
    }

    #[test]
    fn word_enums_round_trip_through_json() {
        let json = serde_json::to_string(&TenantStatus::Suspended).unwrap();
        assert_eq!(json, "\"suspended\"");
        assert_eq!(serde_json::from_str::<TenantStatus>(&json).unwrap(), TenantStatus::Suspended);
        assert!(serde_json::from_str::<TenantStatus>("\"closed\"").is_err());
    }

    #[test]
    fn time_zones_and_calendars_are_checked() {
        assert!(parse_time_zone("Asia/Shanghai").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert!(parse_calendar_ref("cn-2026").is_ok());
        assert!(parse_calendar_ref("CN 2026").is_err());
        assert!(parse_calendar_ref("").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("name", "  城市管理热线 ", 10).unwrap(), "城市管理热线");
        assert_eq!(parse_name("name", "   ", 10).unwrap_err().code, "required");
        assert_eq!(parse_name("name", "一二三四五六七八九十一", 10).unwrap_err().code, "too_long");
        assert_eq!(parse_name("name", "a\u{0007}b", 10).unwrap_err().code, "invalid_characters");
    }
}

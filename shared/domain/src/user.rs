use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, word_enum};

word_enum!(
    UserStatus, "status" {
        Active = "active",
        /// Cannot sign in; existing sessions end.
        Disabled = "disabled",
    }
);

/// A login name: 3 to 64 characters of lowercase ASCII letters, digits, `_`, `.` or `-`,
/// starting with a letter or digit. Case-folded so `Admin_12319` and `admin_12319` are one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim().to_ascii_lowercase();
        let ok = (3..=64).contains(&s.len())
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
        if ok {
            Ok(Self(s))
        } else {
            Err(ValidationError::new(
                "username",
                "invalid_username",
                "a user name has 3 to 64 letters, digits, '_', '.' or '-' and starts with a letter or digit",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Username {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// An e-mail address, checked for shape only (the mail server is the real judge).
pub fn parse_email(input: &str) -> Result<String, ValidationError> {
    let s = input.trim();
    let bad = || ValidationError::new("email", "invalid_email", format!("'{s}' is not an e-mail address"));
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
    if local.is_empty() || domain.len() < 3 || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return Err(bad());
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_case_folded_and_checked() {
        assert_eq!(Username::parse(" Admin_12319 ").unwrap().as_str(), "admin_12319");
        for bad in ["ab", "_admin", "zhang san", "张三", &"a".repeat(65), "a/b"] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_domain() {
        assert!(parse_email("ops@city.gov.cn").is_ok());
        for bad in ["ops", "@city.gov.cn", "ops@city", "ops @city.cn", "ops@.cn", "ops@city.cn."] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_parse() {
        assert_eq!(UserStatus::parse("disabled").unwrap(), UserStatus::Disabled);
        assert!(UserStatus::parse("locked").is_err());
    }
}

use std::collections::HashSet;
use std::sync::OnceLock;

/// The common passwords refused at any length: the passwords of 8 characters or more from the
/// list shipped with the `zxcvbn` crate 3.1.1 (MIT), itself drawn from leaked-password corpora.
const COMMON: &str = include_str!("common_passwords.txt");

pub const MIN_LENGTH: usize = 8;
/// NIST SP 800-63B asks to allow at least 64; we allow 128 characters.
pub const MAX_LENGTH: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    #[error("the password must have at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("the password must have at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("this password is among the most common ones; choose another")]
    Common,
    #[error("the password must not be the user name")]
    SameAsUsername,
}

impl PasswordRejection {
    pub fn code(&self) -> &'static str {
        match self {
            PasswordRejection::TooShort => "password_too_short",
            PasswordRejection::TooLong => "password_too_long",
            PasswordRejection::Common => "password_too_common",
            PasswordRejection::SameAsUsername => "password_is_username",
        }
    }
}

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect())
}

/// OWASP ASVS / NIST 800-63B: length limits and a blocklist, no composition rules. Length is
/// counted in characters (Unicode scalar values), so Chinese passphrases count fairly.
pub fn check_password(password: &str, username: &str) -> Result<(), PasswordRejection> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(PasswordRejection::TooShort);
    }
    if len > MAX_LENGTH {
        return Err(PasswordRejection::TooLong);
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(PasswordRejection::SameAsUsername);
    }
    if common().contains(password.to_lowercase().as_str()) {
        return Err(PasswordRejection::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_limits_count_characters() {
        assert_eq!(check_password("short", "u"), Err(PasswordRejection::TooShort));
        assert!(check_password("城市热线服务很好用", "u").is_ok());
        assert!(check_password(&"a1".repeat(64), "u").is_ok());
        assert_eq!(check_password(&"a".repeat(129), "u"), Err(PasswordRejection::TooLong));
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for p in ["password", "12345678", "PASSWORD1", "iloveyou", "qwertyuiop"] {
            assert_eq!(check_password(p, "u"), Err(PasswordRejection::Common), "{p}");
        }
        assert!(common().len() > 10_000);
    }

    #[test]
    fn no_composition_rules() {
        assert!(check_password("all lowercase words here", "u").is_ok());
    }

    #[test]
    fn the_username_is_not_a_password() {
        assert_eq!(check_password("Handler_12319", "handler_12319"), Err(PasswordRejection::SameAsUsername));
    }
}

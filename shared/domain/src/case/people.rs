use crate::error::ValidationError;

/// A caller's phone number, normalised to digits (a leading +86 / 0086 country code dropped) so
/// the keyed lookup hash of one number is always the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

/// Digits the mask always hides: 10,000 numbers fit any masked form.
pub const MASK_HIDDEN_MIN: usize = 4;

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let compact: String = input.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
        let mut digits = compact.strip_prefix("+86").unwrap_or(&compact);
        // A repeated country code (`+86 0086 …`) goes too: what is kept never starts with one,
        // so parsing a normalised number gives it back (one number, one lookup hash).
        while let Some(rest) = digits.strip_prefix("0086") {
            digits = rest;
        }
        if (5..=20).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(digits.to_owned()))
        } else {
            Err(ValidationError::new("caller_phone", "invalid_phone", "a phone number has 5 to 20 digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****8000`: enough to recognise, not enough to call. At least `MASK_HIDDEN_MIN`
    /// digits stay hidden whatever the length: the first three show only from eleven digits (a
    /// mobile number, a landline with its area code), the last four from eight, and shorter
    /// numbers show fewer last digits (`****567` for seven, `****5` for five).
    pub fn masked(&self) -> String {
        let d = &self.0;
        let n = d.len();
        let head = if n >= 11 { 3 } else { 0 };
        let tail = (n - MASK_HIDDEN_MIN - head).min(4);
        format!("{}****{}", &d[..head], &d[n - tail..])
    }

    pub fn last4(&self) -> &str {
        &self.0[self.0.len().saturating_sub(4)..]
    }
}

/// `张*`, `欧阳**`: the first character only.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_and_masked() {
        let p = PhoneNumber::parse("+86 138-1234-8000").unwrap();
        assert_eq!(p.as_str(), "13812348000");
        assert_eq!(p.masked(), "138****8000");
        assert_eq!(p.last4(), "8000");
        assert_eq!(PhoneNumber::parse("0591-87654321").unwrap().masked(), "059****4321");
        // Shorter numbers keep four digits hidden: a seven-digit number was shown whole.
        assert_eq!(PhoneNumber::parse("87654321").unwrap().masked(), "****4321");
        assert_eq!(PhoneNumber::parse("7654321").unwrap().masked(), "****321");
        assert_eq!(PhoneNumber::parse("12345").unwrap().masked(), "****5");
        // A repeated country code is dropped too, so a normalised number parses to itself.
        assert_eq!(PhoneNumber::parse("+86 0086 138-1234-8000").unwrap().as_str(), "13812348000");
        assert_eq!(PhoneNumber::parse("0086123456").unwrap().as_str(), "123456");
        assert!(PhoneNumber::parse("call me").is_err());
        assert!(PhoneNumber::parse("1234").is_err());
    }

    #[test]
    fn names_keep_only_their_first_character() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name(""), "");
    }
}

//! Integers as JSON Schema counts them: `3` and `3.0` alike (a number whose fractional part
//! is zero is an integer, draft 2020-12 §6.1.1), while serde takes only `3` for an integer
//! field. Request fields documented as integers read both, so a client that writes every
//! number as a float is not refused for a body its description allows.

use serde::{Deserialize, Deserializer, de::Error};

fn integral<'de, D: Deserializer<'de>, T: TryFrom<i64>>(n: serde_json::Number) -> Result<T, D::Error> {
    let whole = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => Some(i),
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    };
    let whole = whole.ok_or_else(|| D::Error::custom(format!("{n} is not a whole number")))?;
    T::try_from(whole).map_err(|_| D::Error::custom(format!("{n} is out of range")))
}

/// For `#[serde(deserialize_with = "crate::json_number::integer")]`.
pub fn integer<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<T, D::Error> {
    integral::<D, T>(serde_json::Number::deserialize(d)?)
}

/// The same for an optional field (with `#[serde(default)]`): absent or `null` is `None`.
pub fn optional_integer<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<serde_json::Number>::deserialize(d)?.map(integral::<D, T>).transpose()
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::integer")]
        days: i64,
        #[serde(default, deserialize_with = "super::optional_integer")]
        order: Option<i32>,
    }

    fn read(text: &str) -> Result<(i64, Option<i32>), String> {
        serde_json::from_str::<Body>(text).map(|b| (b.days, b.order)).map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_are_read_in_either_notation() {
        assert_eq!(read(r#"{"days": 3}"#), Ok((3, None)));
        assert_eq!(read(r#"{"days": 3.0, "order": -2.0}"#), Ok((3, Some(-2))));
        assert_eq!(read(r#"{"days": 1e2, "order": null}"#), Ok((100, None)));
    }

    #[test]
    fn fractions_and_overflow_are_refused() {
        assert!(read(r#"{"days": 2.5}"#).unwrap_err().contains("not a whole number"));
        assert!(read(r#"{"days": 1, "order": 3000000000}"#).unwrap_err().contains("out of range"));
        assert!(read(r#"{"days": "3"}"#).is_err());
    }
}

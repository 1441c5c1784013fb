use std::fmt;

/// A value that does not satisfy a domain rule. `field` names the input (as the API calls it),
/// `code` is a stable machine-readable reason, `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }

    /// The same error reported under another field name (e.g. `numbers[2]`).
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

/// Parses a closed set of snake_case words, naming the accepted ones when the input is not one.
pub(crate) fn parse_word<T: Copy>(field: &str, input: &str, table: &[(&'static str, T)]) -> Result<T, ValidationError> {
    table.iter().find(|(w, _)| *w == input).map(|(_, v)| *v).ok_or_else(|| {
        let accepted: Vec<&str> = table.iter().map(|(w, _)| *w).collect();
        ValidationError::new(field, "invalid_value", format!("'{input}' is not one of: {}", accepted.join(", ")))
    })
}

/// Declares a closed snake_case enum with `as_str`, `parse`, `ALL`, Display and serde as strings.
macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($(#[$vm:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            const TABLE: &'static [(&'static str, $name)] = &[$(($word, $name::$variant)),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            pub fn parse(input: &str) -> Result<Self, $crate::error::ValidationError> {
                $crate::error::parse_word($field, input, Self::TABLE)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::parse(s) }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).map_err(|e| serde::de::Error::custom(e.message))
            }
        }
    };
}
pub(crate) use word_enum;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new id; UUIDv7 so ids sort by creation time (keyset pagination relies on it).
            pub fn new() -> Self { Self(Uuid::now_v7()) }
            pub fn as_uuid(&self) -> Uuid { self.0 }
        }

        impl Default for $name {
            fn default() -> Self { Self::new() }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Uuid::parse_str(s).map(Self) }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self { Self(u) }
        }
    };
}

id_type!(/// A tenant: the city platform or one of its lines.
    TenantId);
id_type!(/// A handling unit inside a tenant line.
    UnitId);
id_type!(/// A staff (or citizen) account.
    UserId);
id_type!(/// An integrator's API key.
    ApiKeyId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_sort_by_creation() {
        let a = UserId::new();
        let b = UserId::new();
        assert!(a < b);
    }

    #[test]
    fn ids_round_trip_through_text() {
        let a = TenantId::new();
        assert_eq!(a.to_string().parse::<TenantId>().unwrap(), a);
        assert!("not-a-uuid".parse::<TenantId>().is_err());
    }
}

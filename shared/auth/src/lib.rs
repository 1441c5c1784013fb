//! Authentication building blocks: argon2id password hashing, the password policy, JWT access
//! tokens with a rotating key set, and opaque secrets (refresh tokens, API keys).

mod jwt;
mod password;
mod pii;
mod policy;
mod secrets;

pub use jwt::{AccessClaims, KeySet, TokenError};
pub use password::{PasswordError, PasswordHasher};
pub use pii::{PiiCipher, PiiError};
pub use policy::{PasswordRejection, check_password};
pub use secrets::{ApiKeySecret, hash_secret, new_refresh_token, parse_api_key};

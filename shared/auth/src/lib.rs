//! Authentication building blocks: argon2id password hashing, the password policy, JWT access
//! tokens with a rotating key set, opaque secrets (refresh tokens, API keys), and the TOTP
//! second factor with its recovery codes.

mod jwt;
mod password;
mod pii;
mod policy;
mod secrets;
mod totp;

pub use jwt::{AccessClaims, ChallengeClaims, KeySet, TokenError};
pub use password::{PasswordError, PasswordHasher};
pub use pii::{PiiCipher, PiiError};
pub use policy::{MIN_LENGTH as MIN_PASSWORD_LENGTH, PasswordRejection, check_password};
pub use secrets::{ApiKeySecret, hash_secret, new_refresh_token, parse_api_key};
pub use totp::{RECOVERY_CODES, TotpSecret, hash_recovery_code, new_recovery_code, recovery_code_matches, step_of};

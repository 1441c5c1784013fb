//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) for the staff's
//! second factor, with recovery codes. The clock is the caller's: `verify` takes `now`.
//!
//! A small own implementation (HOTP truncation per RFC 4226 over an own HMAC on `sha1`, which the
//! lock file already carries) instead of a crate: it is forty lines and the RFC vectors below
//! pin it down.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sha1::{Digest, Sha1};
// sha2 implements the previous `digest` release's trait; both are needed side by side.
use sha2::Digest as _;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Seconds per step (RFC 6238's default, what every authenticator app uses).
pub const STEP_SECS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps accepted either side of now: a phone's clock may be a little off.
const WINDOW: i64 = 1;
/// 160-bit secrets, as RFC 4226 recommends for HMAC-SHA1.
const SECRET_BYTES: usize = 20;

fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha1::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha1::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    let mut out = [0u8; 20];
    out.copy_from_slice(&outer.finalize());
    out
}

/// HOTP (RFC 4226): dynamic truncation of HMAC-SHA1(key, counter) to `digits` digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mac = hmac_sha1(key, &counter.to_be_bytes());
    let offset = (mac[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([mac[offset] & 0x7f, mac[offset + 1], mac[offset + 2], mac[offset + 3]]);
    bin % 10u32.pow(digits)
}

/// The step (counter) that contains `t`.
pub fn step_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(STEP_SECS)
}

/// A shared TOTP secret. Never printed: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// Base32 without padding: what authenticator apps take, typed or scanned.
    pub fn to_base32(&self) -> String {
        base32_encode(&self.0)
    }

    pub fn from_base32(text: &str) -> Option<Self> {
        base32_decode(text).filter(|b| !b.is_empty()).map(Self)
    }

    /// The code of step `step`.
    pub fn code_at(&self, step: i64) -> String {
        format!("{:0width$}", hotp(&self.0, step as u64, DIGITS), width = DIGITS as usize)
    }

    /// Checks `code` at `now` within ±1 step. Returns the step it matched, which must be later
    /// than `last_used` (a code works once, even within its 30 seconds).
    pub fn verify(&self, code: &str, now: DateTime<Utc>, last_used: Option<i64>) -> Option<i64> {
        let code = code.trim();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = step_of(now);
        let mut matched = None;
        // Every candidate is compared, in constant time, so timing says nothing about which.
        for step in current - WINDOW..=current + WINDOW {
            if bool::from(self.code_at(step).as_bytes().ct_eq(code.as_bytes())) && last_used.is_none_or(|u| step > u) {
                matched = matched.or(Some(step));
            }
        }
        matched
    }

    /// The `otpauth://` URI an authenticator app scans (Key Uri Format).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            percent(issuer),
            percent(account),
            self.to_base32(),
            percent(issuer)
        )
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), so Chinese issuer names
/// and `:` in account names survive.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !matches!(c, ' ' | '-' | '=')) {
        let v = ALPHABET.iter().position(|&a| a as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// How many recovery codes an enrolment hands out.
pub const RECOVERY_CODES: usize = 10;

/// A new recovery code: 80 random bits as four groups of base32 (`abcd-efgh-ijkl-mnop`), far
/// beyond guessing even from a stolen hash.
pub fn new_recovery_code() -> String {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    let s = base32_encode(&bytes).to_ascii_lowercase();
    format!("{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..16])
}

fn normalise_recovery(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

fn recovery_digest(salt: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"hotline/recovery/v1\n");
    h.update(salt.as_bytes());
    h.update(b"\n");
    h.update(normalise_recovery(code).as_bytes());
    hex::encode(h.finalize())
}

/// `salt$sha256(salt, code)`: a random salt per code, so equal codes never hash alike.
pub fn hash_recovery_code(code: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = hex::encode(salt);
    let digest = recovery_digest(&salt, code);
    format!("{salt}${digest}")
}

/// Whether `code` (any case, with or without dashes) is the one `stored` was made from.
pub fn recovery_code_matches(code: &str, stored: &str) -> bool {
    let Some((salt, digest)) = stored.split_once('$') else { return false };
    bool::from(recovery_digest(salt, code).as_bytes().ct_eq(digest.as_bytes()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    #[test]
    fn hmac_sha1_matches_rfc_2202() {
        assert_eq!(hex::encode(hmac_sha1(&[0x0b; 20], b"Hi There")), "b617318655057264e28bc0b6fb378c8ef146be00");
        assert_eq!(hex::encode(hmac_sha1(b"Jefe", b"what do ya want for nothing?")), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
        // A key longer than the block is hashed first (RFC 2202 test case 6).
        assert_eq!(
            hex::encode(hmac_sha1(&[0xaa; 80], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    #[test]
    fn totp_matches_the_rfc_6238_vectors() {
        // RFC 6238 appendix B, SHA-1, 8 digits, the ASCII secret "12345678901234567890".
        let key = b"12345678901234567890";
        for (t, code) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(key, step_of(at(t)) as u64, 8), code, "t = {t}");
        }
        // Six digits are the last six of the same truncation.
        let secret = TotpSecret::from_bytes(key);
        assert_eq!(secret.code_at(step_of(at(59))), "287082");
        assert_eq!(secret.code_at(step_of(at(1111111109))), "081804", "leading zeros are kept");
    }

    #[test]
    fn codes_are_accepted_one_step_either_side_and_once() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        let now = at(1_111_111_111);
        let step = step_of(now);
        let code = secret.code_at(step);
        assert_eq!(secret.verify(&code, now, None), Some(step));
        assert_eq!(secret.verify(&code, now + chrono::TimeDelta::seconds(30), None), Some(step), "one step late");
        assert_eq!(secret.verify(&code, now - chrono::TimeDelta::seconds(30), None), Some(step), "one step early");
        assert_eq!(secret.verify(&code, now + chrono::TimeDelta::seconds(61), None), None, "two steps late");
        assert_eq!(secret.verify(&code, now, Some(step)), None, "the same step twice");
        assert_eq!(secret.verify(&secret.code_at(step + 1), now, Some(step)), Some(step + 1), "the next step still works");
        for bad in ["", "12345", "1234567", "abcdef", "12 345"] {
            assert_eq!(secret.verify(bad, now, None), None, "{bad:?}");
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI").unwrap(), b"foobar");
        assert_eq!(base32_decode("mzxw 6ytb-oi======").unwrap(), b"foobar", "case, spaces and padding are forgiven");
        assert!(base32_decode("MZXW1").is_none(), "1 is not base32");
        let s = TotpSecret::generate();
        assert_eq!(TotpSecret::from_base32(&s.to_base32()), Some(s.clone()));
        assert_eq!(s.to_base32().len(), 32);
        assert_eq!(format!("{s:?}"), "TotpSecret(..)");
    }

    #[test]
    fn the_uri_names_issuer_and_account() {
        let s = TotpSecret::from_bytes(b"foobar");
        let uri = s.otpauth_uri("Hotline 12345", "city_admin");
        assert_eq!(
            uri,
            "otpauth://totp/Hotline%2012345:city_admin?secret=MZXW6YTBOI&issuer=Hotline%2012345&algorithm=SHA1&digits=6&period=30"
        );
        assert!(s.otpauth_uri("热线", "a").starts_with("otpauth://totp/%E7%83%AD%E7%BA%BF:a?"));
    }

    #[test]
    fn recovery_codes_are_salted_and_forgiving_in_form() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 19);
        let stored = hash_recovery_code(&code);
        assert_ne!(stored, hash_recovery_code(&code), "a fresh salt each time");
        assert!(recovery_code_matches(&code, &stored));
        assert!(recovery_code_matches(&code.to_uppercase().replace('-', " "), &stored));
        assert!(!recovery_code_matches(&new_recovery_code(), &stored));
        assert!(!recovery_code_matches(&code, "garbage"));
        assert_ne!(new_recovery_code(), code);
    }
}

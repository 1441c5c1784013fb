//! Personal data at rest: caller names and phone numbers are stored encrypted (AES-256-GCM with
//! a random nonce per value) beside a keyed hash (HMAC-SHA-256) that finds a caller's earlier
//! contacts without decrypting anything. Both keys derive from one configured secret.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PiiError {
    #[error("stored personal data cannot be decrypted (wrong key or damaged value)")]
    Undecryptable,
}

/// Encrypts and hashes personal data. Cloning shares nothing mutable.
#[derive(Clone)]
pub struct PiiCipher {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCipher(..)")
    }
}

/// Separate keys for encryption and lookup, derived from the secret with distinct labels, so
/// the hash reveals nothing about the encryption key.
fn derive(secret: &[u8], label: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label);
    h.update(secret);
    h.finalize().into()
}

impl PiiCipher {
    pub fn new(secret: &[u8]) -> Self {
        let enc = derive(secret, b"hotline/pii/encrypt/v1");
        Self { cipher: Aes256Gcm::new(&enc.into()), mac_key: derive(secret, b"hotline/pii/lookup/v1") }
    }

    /// `base64(nonce || ciphertext)`; the same value encrypts differently each time.
    pub fn encrypt(&self, plain: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = self.cipher.encrypt(&nonce, plain.as_bytes()).expect("AES-GCM encryption of a bounded value cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        STANDARD_NO_PAD.encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, PiiError> {
        self.decrypt_bound(stored, b"")
    }

    /// Encrypts `plain` bound to `context` (authenticated, not stored): the value decrypts only
    /// with the same context, so a ciphertext copied into another row (e.g. one's own second
    /// factor into an administrator's account) is useless there.
    pub fn encrypt_bound(&self, plain: &str, context: &[u8]) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = self
            .cipher
            .encrypt(&nonce, Payload { msg: plain.as_bytes(), aad: context })
            .expect("AES-GCM encryption of a bounded value cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        STANDARD_NO_PAD.encode(out)
    }

    pub fn decrypt_bound(&self, stored: &str, context: &[u8]) -> Result<String, PiiError> {
        let bytes = STANDARD_NO_PAD.decode(stored).map_err(|_| PiiError::Undecryptable)?;
        if bytes.len() < 12 {
            return Err(PiiError::Undecryptable);
        }
        let (nonce, ct) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| PiiError::Undecryptable)?;
        let plain = self.cipher.decrypt(&Nonce::from(nonce), Payload { msg: ct, aad: context }).map_err(|_| PiiError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| PiiError::Undecryptable)
    }

    /// A stable keyed hash for lookups (e.g. "earlier contacts from this number").
    pub fn lookup_hash(&self, normalised: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.mac_key).expect("HMAC takes any key length");
        mac.update(normalised.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_never_repeat() {
        let c = PiiCipher::new(b"a test secret of some length....");
        let a = c.encrypt("13812348000");
        let b = c.encrypt("13812348000");
        assert_ne!(a, b, "random nonce per value");
        assert!(!a.contains("13812348000"));
        assert_eq!(c.decrypt(&a).unwrap(), "13812348000");
        assert_eq!(c.decrypt(&b).unwrap(), "13812348000");
    }

    #[test]
    fn another_key_or_a_damaged_value_cannot_decrypt() {
        let c = PiiCipher::new(b"key one");
        let other = PiiCipher::new(b"key two");
        let v = c.encrypt("张三");
        assert_eq!(other.decrypt(&v), Err(PiiError::Undecryptable));
        let mut damaged = v.clone();
        damaged.replace_range(20..21, if &v[20..21] == "A" { "B" } else { "A" });
        assert_eq!(c.decrypt(&damaged), Err(PiiError::Undecryptable));
        assert_eq!(c.decrypt("short"), Err(PiiError::Undecryptable));
    }

    #[test]
    fn bound_values_decrypt_only_in_their_context() {
        let c = PiiCipher::new(b"key one");
        let v = c.encrypt_bound("JBSWY3DPEHPK3PXP", b"totp:user-a");
        assert_eq!(c.decrypt_bound(&v, b"totp:user-a").unwrap(), "JBSWY3DPEHPK3PXP");
        assert_eq!(c.decrypt_bound(&v, b"totp:user-b"), Err(PiiError::Undecryptable));
        assert_eq!(c.decrypt(&v), Err(PiiError::Undecryptable));
        assert_eq!(c.decrypt_bound(&c.encrypt("x"), b""), Ok("x".to_owned()), "no context is the empty context");
    }

    #[test]
    fn lookup_hashes_are_stable_and_keyed() {
        let c = PiiCipher::new(b"key one");
        assert_eq!(c.lookup_hash("13812348000"), c.lookup_hash("13812348000"));
        assert_ne!(c.lookup_hash("13812348000"), PiiCipher::new(b"key two").lookup_hash("13812348000"));
        assert_ne!(c.lookup_hash("13812348000"), hex::encode(Sha256::digest(b"13812348000")));
    }
}

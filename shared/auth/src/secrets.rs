use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a high-entropy secret, hex. Enough for random 256-bit secrets (no brute force
/// to slow down), and it lets the database look the secret up by its hash.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new opaque refresh token (256 random bits).
pub fn new_refresh_token() -> String {
    random_token(32)
}

/// A freshly generated integrator API key: `hlk_<prefix>_<secret>`. The prefix is stored in
/// clear to find the key and to show it in lists; only the hash of the whole key is stored.
#[derive(Debug, Clone)]
pub struct ApiKeySecret {
    pub prefix: String,
    pub full: String,
}

impl ApiKeySecret {
    pub fn generate() -> Self {
        let mut p = [0u8; 6];
        rand::rng().fill_bytes(&mut p);
        let prefix = hex::encode(p);
        let full = format!("hlk_{prefix}_{}", random_token(32));
        Self { prefix, full }
    }
}

/// Splits a presented API key into its prefix; `None` when it is not of our shape.
pub fn parse_api_key(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix("hlk_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let ok = prefix.len() == 12 && prefix.chars().all(|c| c.is_ascii_hexdigit()) && secret.len() >= 40;
    ok.then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_parse_back_to_their_prefix() {
        let key = ApiKeySecret::generate();
        assert_eq!(parse_api_key(&key.full), Some(key.prefix.as_str()));
        assert_eq!(parse_api_key("hlk_zz_short"), None);
        assert_eq!(parse_api_key("Bearer abc"), None);
        assert_ne!(ApiKeySecret::generate().full, key.full);
    }

    #[test]
    fn hashes_are_stable_and_distinct() {
        assert_eq!(hash_secret("a"), hash_secret("a"));
        assert_ne!(hash_secret("a"), hash_secret("b"));
        assert_eq!(hash_secret("a").len(), 64);
        assert!(new_refresh_token().len() >= 43);
    }
}

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The one algorithm we sign and accept. Pinning it closes `alg: none` and algorithm-confusion
/// attacks whatever the token header claims.
const ALGORITHM: Algorithm = Algorithm::HS256;
/// Tolerance for clock skew between replicas, in seconds.
const LEEWAY_SECS: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: Uuid,
    /// The user's tenant id.
    pub tid: Uuid,
    /// The refresh-token family (login session) the token belongs to; logout revokes it.
    pub sid: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
}

/// The claims of a second-factor challenge: the password was right, the code is still owed.
/// Its audience is the access tokens' with `#mfa` appended, so it never passes as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeClaims {
    pub sub: Uuid,
    pub tid: Uuid,
    /// `verify` (enter a code) or `enrol` (set up the second factor first).
    pub purpose: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token names no key or an unknown key")]
    UnknownKey,
    #[error("the token uses an algorithm that is not accepted")]
    WrongAlgorithm,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token is for another audience or issuer")]
    WrongAudienceOrIssuer,
    #[error("the token signature is invalid")]
    BadSignature,
}

impl TokenError {
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Expired => "token_expired",
            _ => "invalid_token",
        }
    }
}

/// The server-side signing keys, chosen by `kid` so keys can rotate: add a new key, make it
/// active, and remove the old one once its last token has expired.
#[derive(Clone)]
pub struct KeySet {
    keys: HashMap<String, (EncodingKey, DecodingKey)>,
    active: String,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("KeySet").field("kids", &self.keys.keys().collect::<Vec<_>>()).field("active", &self.active).finish()
    }
}

impl KeySet {
    /// `keys` are (kid, secret) pairs; `active` signs new tokens.
    pub fn new(keys: Vec<(String, Vec<u8>)>, active: &str, issuer: &str, audience: &str, ttl: Duration) -> Self {
        assert!(keys.iter().any(|(k, _)| k == active), "the active kid must be in the key set");
        let keys =
            keys.into_iter().map(|(kid, secret)| (kid, (EncodingKey::from_secret(&secret), DecodingKey::from_secret(&secret)))).collect();
        Self { keys, active: active.to_owned(), issuer: issuer.to_owned(), audience: audience.to_owned(), ttl }
    }

    /// A key set with one random key, for a single embedded process without configured keys.
    pub fn ephemeral(issuer: &str, audience: &str, ttl: Duration) -> Self {
        use rand::RngCore;
        let mut secret = vec![0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        Self::new(vec![("ephemeral".into(), secret)], "ephemeral", issuer, audience, ttl)
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Signs a new access token for `user` of `tenant` in session `sid`, valid from `now`.
    pub fn issue(&self, user: Uuid, tenant: Uuid, sid: Uuid, now: DateTime<Utc>) -> String {
        let iat = now.timestamp();
        let claims = AccessClaims {
            sub: user,
            tid: tenant,
            sid,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            nbf: iat,
            exp: iat + self.ttl.as_secs() as i64,
            jti: Uuid::now_v7(),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims with the active key (also used by tests to forge edge cases).
    pub fn sign(&self, claims: &AccessClaims) -> String {
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.active.clone());
        let (key, _) = &self.keys[&self.active];
        encode(&header, claims, key).expect("HMAC signing of serialisable claims cannot fail")
    }

    fn challenge_audience(&self) -> String {
        format!("{}#mfa", self.audience)
    }

    /// Signs a second-factor challenge for `user`, valid for `ttl` from `now`.
    pub fn issue_challenge(&self, user: Uuid, tenant: Uuid, purpose: &str, now: DateTime<Utc>, ttl: Duration) -> String {
        let iat = now.timestamp();
        let claims = ChallengeClaims {
            sub: user,
            tid: tenant,
            purpose: purpose.to_owned(),
            iss: self.issuer.clone(),
            aud: self.challenge_audience(),
            iat,
            nbf: iat,
            exp: iat + ttl.as_secs() as i64,
            jti: Uuid::now_v7(),
        };
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.active.clone());
        let (key, _) = &self.keys[&self.active];
        encode(&header, &claims, key).expect("HMAC signing of serialisable claims cannot fail")
    }

    /// Verifies a challenge at `now`: its times are checked against the caller's clock (the
    /// challenge lives minutes, and the second step is tested by moving an injected clock).
    pub fn verify_challenge(&self, token: &str, now: DateTime<Utc>) -> Result<ChallengeClaims, TokenError> {
        let claims: ChallengeClaims = self.decode_for(token, &self.challenge_audience(), false)?;
        let now = now.timestamp();
        if claims.exp + (LEEWAY_SECS as i64) <= now {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now + LEEWAY_SECS as i64 {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        self.decode_for(token, &self.audience, true)
    }

    fn decode_for<T: serde::de::DeserializeOwned>(&self, token: &str, audience: &str, check_times: bool) -> Result<T, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != ALGORITHM {
            return Err(TokenError::WrongAlgorithm);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let (_, key) = self.keys.get(&kid).ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(ALGORITHM);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = check_times;
        validation.validate_exp = check_times;
        validation.set_audience(&[audience]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        decode::<T>(token, key, &validation).map(|d| d.claims).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            match e.kind() {
                K::ExpiredSignature => TokenError::Expired,
                K::ImmatureSignature => TokenError::NotYetValid,
                K::InvalidAudience | K::InvalidIssuer => TokenError::WrongAudienceOrIssuer,
                K::InvalidSignature => TokenError::BadSignature,
                K::InvalidAlgorithm => TokenError::WrongAlgorithm,
                _ => TokenError::Malformed,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> KeySet {
        KeySet::new(vec![("k1".into(), SECRET.to_vec())], "k1", "hotline", "hotline-api", Duration::from_secs(900))
    }

    fn claims(offset_secs: i64) -> AccessClaims {
        let now = Utc::now().timestamp() + offset_secs;
        AccessClaims {
            sub: Uuid::now_v7(),
            tid: Uuid::now_v7(),
            sid: Uuid::now_v7(),
            iss: "hotline".into(),
            aud: "hotline-api".into(),
            iat: now,
            nbf: now,
            exp: now + 900,
            jti: Uuid::now_v7(),
        }
    }

    #[test]
    fn issued_tokens_verify() {
        let k = keys();
        let (u, t, s) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let c = k.verify(&k.issue(u, t, s, Utc::now())).unwrap();
        assert_eq!((c.sub, c.tid, c.sid), (u, t, s));
        assert_eq!(c.exp - c.iat, 900);
    }

    #[test]
    fn expired_and_immature_tokens_are_refused() {
        let k = keys();
        assert_eq!(k.verify(&k.sign(&claims(-2000))).unwrap_err(), TokenError::Expired);
        assert_eq!(k.verify(&k.sign(&claims(600))).unwrap_err(), TokenError::NotYetValid);
    }

    #[test]
    fn wrong_audience_or_issuer_is_refused() {
        let k = keys();
        let mut c = claims(0);
        c.aud = "another-api".into();
        assert_eq!(k.verify(&k.sign(&c)).unwrap_err(), TokenError::WrongAudienceOrIssuer);
        let mut c = claims(0);
        c.iss = "someone-else".into();
        assert_eq!(k.verify(&k.sign(&c)).unwrap_err(), TokenError::WrongAudienceOrIssuer);
    }

    #[test]
    fn unknown_kid_and_other_keys_are_refused() {
        let other = KeySet::new(
            vec![("k2".into(), b"another-secret-another-secret-xx".to_vec())],
            "k2",
            "hotline",
            "hotline-api",
            Duration::from_secs(900),
        );
        assert_eq!(keys().verify(&other.sign(&claims(0))).unwrap_err(), TokenError::UnknownKey);
        let same_kid = KeySet::new(
            vec![("k1".into(), b"another-secret-another-secret-xx".to_vec())],
            "k1",
            "hotline",
            "hotline-api",
            Duration::from_secs(900),
        );
        assert_eq!(keys().verify(&same_kid.sign(&claims(0))).unwrap_err(), TokenError::BadSignature);
    }

    #[test]
    fn rotation_keeps_old_tokens_valid_while_their_key_is_listed() {
        let old = keys();
        let token = old.sign(&claims(0));
        let rotated = KeySet::new(
            vec![("k2".into(), b"new-secret-new-secret-new-secret".to_vec()), ("k1".into(), SECRET.to_vec())],
            "k2",
            "hotline",
            "hotline-api",
            Duration::from_secs(900),
        );
        assert!(rotated.verify(&token).is_ok());
        assert!(old.verify(&rotated.sign(&claims(0))).is_err());
    }

    #[test]
    fn challenges_and_access_tokens_are_not_interchangeable() {
        let k = keys();
        let (u, t) = (Uuid::now_v7(), Uuid::now_v7());
        let challenge = k.issue_challenge(u, t, "verify", Utc::now(), Duration::from_secs(300));
        let c = k.verify_challenge(&challenge, Utc::now()).unwrap();
        assert_eq!((c.sub, c.tid, c.purpose.as_str()), (u, t, "verify"));
        assert!(k.verify(&challenge).is_err(), "a challenge is no access token");
        let access = k.issue(u, t, Uuid::now_v7(), Utc::now());
        assert!(k.verify_challenge(&access, Utc::now()).is_err(), "an access token is no challenge");
        let then = Utc::now() - chrono::TimeDelta::seconds(400);
        let old = k.issue_challenge(u, t, "verify", then, Duration::from_secs(300));
        assert_eq!(k.verify_challenge(&old, Utc::now()).unwrap_err(), TokenError::Expired);
        assert!(k.verify_challenge(&old, then).is_ok(), "times are the caller's clock");
    }

    #[test]
    fn alg_none_and_tampering_are_refused() {
        let k = keys();
        let token = k.sign(&claims(0));
        let mut parts: Vec<&str> = token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
        parts[0] = &none_header;
        let none_token = format!("{}.{}.", parts[0], parts[1]);
        assert!(k.verify(&none_token).is_err());

        let mut c = claims(0);
        c.tid = Uuid::now_v7();
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_body, parts[2]);
        assert_eq!(k.verify(&tampered).unwrap_err(), TokenError::BadSignature);
        assert_eq!(k.verify("not.a.jwt").unwrap_err(), TokenError::Malformed);
    }
}

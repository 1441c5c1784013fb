//! The staff's second factor: TOTP (RFC 6238) with ten single-use recovery codes.
//!
//! Sign-in is two steps when a factor is owed: the password gives a challenge (a short-lived
//! signed token, never an access token), and the challenge with a code gives the tokens. An
//! account whose roles require a factor (`mfa_required_roles`) and has none gets an enrolment
//! challenge instead: it sets the factor up and its first code signs it in. The secret is kept
//! encrypted with the PII key, bound to its account; a code works once (its step is recorded);
//! failed codes are throttled per account; the security administrator resets a lost factor.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hotline_auth::{ChallengeClaims, RECOVERY_CODES, TokenError, TotpSecret, hash_recovery_code, new_recovery_code, recovery_code_matches};
use hotline_domain::{RoleSet, ValidationError};
use hotline_store::entities::{mfa_recovery_code, user, user_mfa};
use hotline_store::{mfa, sessions, users};
use uuid::Uuid;

use crate::audit::{Entry, Outcome};
use crate::auth::{ClientInfo, LoginOutcome, TokenPair, unauthorized};
use crate::{Core, CoreError, CoreResult, Principal};

/// How long the second step may take after the password.
const CHALLENGE_TTL: Duration = Duration::from_secs(300);
/// The issuer authenticator apps show beside the account.
pub const ISSUER: &str = "Hotline 12345";

/// A new factor to set up: the secret to type, or the URI to scan.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

#[derive(Debug, Clone)]
pub struct MfaStatus {
    pub enabled: bool,
    /// Enrolled but not yet confirmed with a first code.
    pub pending: bool,
    /// The account's roles require a factor.
    pub required: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub recovery_codes_left: usize,
}

/// What the second step presents.
#[derive(Debug, Clone, Copy)]
pub enum SecondFactor<'a> {
    Code(&'a str),
    RecoveryCode(&'a str),
}

fn wrong_code() -> CoreError {
    unauthorized("invalid_mfa_code", "the code is wrong, expired or already used")
}

fn bad_challenge() -> CoreError {
    unauthorized("invalid_mfa_token", "the sign-in challenge is invalid; sign in again with your password")
}

/// Binds a stored secret to its account (AES-GCM associated data).
fn context(user: Uuid) -> Vec<u8> {
    format!("totp:{user}").into_bytes()
}

impl Core {
    /// Whether accounts with `roles` must use a second factor.
    pub(crate) fn mfa_required(&self, roles: &RoleSet) -> bool {
        self.security.mfa_required_roles.iter().any(|r| roles.contains(*r))
    }

    /// After a correct password: the challenge owed, if any.
    pub(crate) async fn second_factor_owed(&self, user: &user::Model, client: &ClientInfo) -> CoreResult<Option<LoginOutcome>> {
        let enabled = mfa::find(&self.store.db, user.id).await?.is_some_and(|m| m.status == "active");
        let required = RoleSet::from_storage(&user.roles).map(|r| self.mfa_required(&r)).unwrap_or(false);
        if !enabled && !required {
            return Ok(None);
        }
        let purpose = if enabled { "verify" } else { "enrol" };
        let challenge = self.keys.issue_challenge(user.id, user.tenant_id, purpose, self.now(), CHALLENGE_TTL);
        let entry = Entry::anonymous("auth.login", Outcome::Success)
            .tenant(Some(user.tenant_id))
            .ip(Some(&client.ip))
            .detail(format!("password accepted, second factor owed ({purpose}): {}", user.username));
        self.audit(entry).await;
        Ok(Some(LoginOutcome::SecondFactor { challenge, expires_in: CHALLENGE_TTL.as_secs(), enrol: !enabled }))
    }

    async fn challenge_user(&self, challenge: &str, purpose: &str) -> CoreResult<(user::Model, ChallengeClaims)> {
        let claims = self.keys.verify_challenge(challenge, self.now()).map_err(|e| match e {
            TokenError::Expired => unauthorized("mfa_token_expired", "the second step took too long; sign in again"),
            _ => bad_challenge(),
        })?;
        if claims.purpose != purpose {
            return Err(bad_challenge());
        }
        let user = users::find_for_token(&self.store.db, claims.sub).await?;
        let user = user.filter(|u| u.status == "active" && u.tenant_id == claims.tid).ok_or_else(bad_challenge)?;
        Ok((user, claims))
    }

    fn totp_secret(&self, row: &user_mfa::Model) -> CoreResult<TotpSecret> {
        let text = self.pii.decrypt_bound(&row.secret_enc, &context(row.user_id)).map_err(|e| CoreError::Internal(e.to_string()))?;
        TotpSecret::from_base32(&text).ok_or_else(|| CoreError::Internal(format!("the second factor of {} is damaged", row.user_id)))
    }

    /// Checks a code or recovery code of an active factor and spends it. `None`: refused.
    async fn accept_factor(&self, user: &user::Model, factor: SecondFactor<'_>) -> CoreResult<Option<&'static str>> {
        let Some(row) = mfa::find(&self.store.db, user.id).await?.filter(|m| m.status == "active") else { return Ok(None) };
        Ok(match factor {
            SecondFactor::Code(code) => {
                // A secret that no longer decrypts (damaged, or copied from another account)
                // accepts no code; the operators learn of it from the log.
                let secret = match self.totp_secret(&row) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!(error = %e, user = %user.id, "a second factor cannot be read");
                        return Ok(None);
                    }
                };
                match secret.verify(code, self.now(), row.last_step) {
                    Some(step) if mfa::use_step(&self.store.db, user.id, step).await? => Some("totp"),
                    _ => None,
                }
            }
            SecondFactor::RecoveryCode(code) => {
                let unused = mfa::unused_recovery_codes(&self.store.db, user.id).await?;
                match unused.iter().find(|c| recovery_code_matches(code, &c.code_hash)) {
                    Some(c) if mfa::spend_recovery_code(&self.store.db, c.id, self.now()).await? => Some("recovery code"),
                    _ => None,
                }
            }
        })
    }

    async fn refuse_factor(&self, user: &user::Model, action: &str, client: &ClientInfo) -> CoreError {
        if let Err(e) = self.record_mfa_failure(user.id).await {
            return e;
        }
        let entry = Entry::anonymous(action, Outcome::Failure)
            .tenant(Some(user.tenant_id))
            .ip(Some(&client.ip))
            .detail(format!("wrong second-factor code: {}", user.username));
        self.audit(entry).await;
        wrong_code()
    }

    /// The second step of a sign-in: a TOTP code or a recovery code for the challenge.
    pub async fn complete_login(&self, challenge: &str, factor: SecondFactor<'_>, client: &ClientInfo) -> CoreResult<TokenPair> {
        // The second step of sign-in comes before the tenant is known: platform scope.
        hotline_store::scope::platform(async move {
            let (user, claims) = self.challenge_user(challenge, "verify").await?;
            self.check_mfa_throttle(user.id).await?;
            let Some(kind) = self.accept_factor(&user, factor).await? else {
                return Err(self.refuse_factor(&user, "auth.mfa", client).await);
            };
            // A challenge signs in once, even if its holder has a second valid code.
            if self.kv.increment(&format!("mfa:used:{}", claims.jti), CHALLENGE_TTL).await? > 1 {
                return Err(bad_challenge());
            }
            self.clear_mfa_failures(user.id).await?;
            self.open_session(&user, client, Some(kind)).await
        })
        .await
    }

    async fn start_enrolment(&self, user: &user::Model, actor: Entry) -> CoreResult<Enrolment> {
        if mfa::find(&self.store.db, user.id).await?.is_some_and(|m| m.status == "active") {
            return Err(CoreError::conflict(
                "mfa_already_enabled",
                "a second factor is set up already; the security administrator resets it",
            ));
        }
        let secret = TotpSecret::generate();
        let row = user_mfa::Model {
            user_id: user.id,
            secret_enc: self.pii.encrypt_bound(&secret.to_base32(), &context(user.id)),
            status: "pending".into(),
            last_step: None,
            created_at: self.now(),
            confirmed_at: None,
        };
        let txn = hotline_store::begin_write(&self.store.db).await?;
        mfa::replace(&txn, row).await?;
        self.audit_on(&txn, actor).await?;
        txn.commit().await?;
        Ok(Enrolment { secret: secret.to_base32(), otpauth_uri: secret.otpauth_uri(ISSUER, &user.username) })
    }

    /// Confirms a pending factor with its first code; returns the recovery codes (shown once).
    async fn finish_enrolment(&self, user: &user::Model, code: &str, actor: Entry) -> CoreResult<Option<Vec<String>>> {
        let Some(row) = mfa::find(&self.store.db, user.id).await?.filter(|m| m.status == "pending") else {
            return Err(CoreError::conflict("mfa_not_pending", "there is no enrolment to confirm; start one first"));
        };
        let Some(step) = self.totp_secret(&row)?.verify(code, self.now(), None) else { return Ok(None) };
        let now = self.now();
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let rows = codes
            .iter()
            .map(|c| mfa_recovery_code::Model {
                id: Uuid::now_v7(),
                user_id: user.id,
                code_hash: hash_recovery_code(c),
                created_at: now,
                used_at: None,
            })
            .collect();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        if !mfa::activate(&txn, user.id, step, now).await? {
            return Err(CoreError::conflict("mfa_not_pending", "the enrolment was confirmed or replaced meanwhile"));
        }
        mfa::insert_recovery_codes(&txn, rows).await?;
        self.audit_on(&txn, actor).await?;
        txn.commit().await?;
        Ok(Some(codes))
    }

    /// Enrolment during sign-in (an account that must have a factor and has none).
    pub async fn enrol_with_challenge(&self, challenge: &str, client: &ClientInfo) -> CoreResult<Enrolment> {
        // The second step of sign-in comes before the tenant is known: platform scope.
        hotline_store::scope::platform(async move {
            let (user, _) = self.challenge_user(challenge, "enrol").await?;
            let entry = self.user_entry(&user, "mfa.enrol", client).await;
            self.start_enrolment(&user, entry).await
        })
        .await
    }

    /// Confirms the enrolment of a sign-in with its first code: signs in and hands out the
    /// recovery codes.
    pub async fn confirm_with_challenge(&self, challenge: &str, code: &str, client: &ClientInfo) -> CoreResult<(TokenPair, Vec<String>)> {
        // The second step of sign-in comes before the tenant is known: platform scope.
        hotline_store::scope::platform(async move {
            let (user, claims) = self.challenge_user(challenge, "enrol").await?;
            self.check_mfa_throttle(user.id).await?;
            let entry = self.user_entry(&user, "mfa.enable", client).await;
            let Some(codes) = self.finish_enrolment(&user, code, entry).await? else {
                return Err(self.refuse_factor(&user, "mfa.enable", client).await);
            };
            if self.kv.increment(&format!("mfa:used:{}", claims.jti), CHALLENGE_TTL).await? > 1 {
                return Err(bad_challenge());
            }
            self.clear_mfa_failures(user.id).await?;
            Ok((self.open_session(&user, client, Some("totp (enrolment)")).await?, codes))
        })
        .await
    }

    async fn user_entry(&self, user: &user::Model, action: &str, client: &ClientInfo) -> Entry {
        let mut e =
            Entry::anonymous(action, Outcome::Success).tenant(Some(user.tenant_id)).ip(Some(&client.ip)).duty(self.duty_of(user).await);
        e.actor_kind = "user";
        e.actor_id = Some(user.id);
        e.actor_name = Some(user.username.clone());
        e.target = Some(user.username.clone());
        e
    }

    async fn own_account(&self, p: &Principal) -> CoreResult<user::Model> {
        let Some(id) = p.user_id() else { return Err(CoreError::forbidden("API keys have no second factor")) };
        users::find(&self.store.db, p.tenant.id.0, id).await?.ok_or(CoreError::NotFound("user"))
    }

    /// Sets up a second factor for the signed-in account (to be confirmed with a first code).
    pub async fn enrol_mfa(&self, p: &Principal) -> CoreResult<Enrolment> {
        let user = self.own_account(p).await?;
        self.start_enrolment(&user, Entry::by(p, "mfa.enrol", &p.name, Outcome::Success)).await
    }

    /// Confirms the signed-in account's enrolment; returns the recovery codes (shown once).
    pub async fn confirm_mfa(&self, p: &Principal, code: &str, client: &ClientInfo) -> CoreResult<Vec<String>> {
        let user = self.own_account(p).await?;
        self.check_mfa_throttle(user.id).await?;
        match self.finish_enrolment(&user, code, Entry::by(p, "mfa.enable", &p.name, Outcome::Success)).await? {
            Some(codes) => {
                self.clear_mfa_failures(user.id).await?;
                Ok(codes)
            }
            None => {
                let _ = self.refuse_factor(&user, "mfa.enable", client).await;
                Err(ValidationError::new("code", "invalid_mfa_code", "the code is wrong or expired; enter the current one").into())
            }
        }
    }

    pub async fn mfa_status(&self, p: &Principal) -> CoreResult<MfaStatus> {
        let user = self.own_account(p).await?;
        let row = mfa::find(&self.store.db, user.id).await?;
        let enabled = row.as_ref().is_some_and(|m| m.status == "active");
        let left = if enabled { mfa::unused_recovery_codes(&self.store.db, user.id).await?.len() } else { 0 };
        Ok(MfaStatus {
            enabled,
            pending: row.as_ref().is_some_and(|m| m.status == "pending"),
            required: self.mfa_required(&p.roles),
            confirmed_at: row.and_then(|m| m.confirmed_at),
            recovery_codes_left: left,
        })
    }

    /// Removes an account's second factor (lost phone): the security administrator's work,
    /// never on their own account. The account's sessions end; at its next sign-in it enrols
    /// again if its roles require a factor.
    pub async fn reset_mfa(&self, p: &Principal, code: &str, id: &str) -> CoreResult<()> {
        let t = self.visible_tenant(p, code).await?;
        self.require_security_admin(p, "user.mfa_reset", &t.code).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("user"))?;
        let user = users::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("user"))?;
        if p.user_id() == Some(user.id) {
            self.audit_denied(p, "user.mfa_reset", &user.username, "own account").await;
            return Err(CoreError::forbidden_because("own_account", "another security administrator resets your own second factor"));
        }
        let txn = hotline_store::begin_write(&self.store.db).await?;
        let existed = mfa::remove(&txn, user.id).await?;
        sessions::revoke_all_of_user(&txn, user.id, "mfa_reset", self.now()).await?;
        let detail = if existed { "second factor removed; sessions ended" } else { "no second factor was set up; sessions ended" };
        self.audit_on(&txn, Entry::by(p, "user.mfa_reset", &user.username, Outcome::Success).tenant(Some(t.id)).detail(detail)).await?;
        txn.commit().await?;
        Ok(())
    }
}

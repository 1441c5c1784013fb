//! Sign-in, token refresh with rotation and reuse detection, sign-out, and turning a
//! presented credential into a [`Principal`].

use std::time::Duration;

use hotline_auth::{TokenError, hash_secret, new_refresh_token, parse_api_key};
use hotline_domain::{Role, RoleSet, TenantCode, TenantId, TenantKind, UnitId};
use hotline_store::entities::{refresh_token, session, tenant, user};
use hotline_store::{api_keys, sessions, users};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::audit::{Entry, Outcome};
use crate::{Core, CoreError, CoreResult, Principal, PrincipalKind, TenantRef};

/// A session never outlives this, however often it is refreshed (ASVS 3.3: absolute timeout).
const SESSION_MAX: Duration = Duration::from_secs(30 * 24 * 3600);

/// What a correct password leads to.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    /// Signed in.
    Signed(TokenPair),
    /// A second factor is owed: a code for `challenge` (`enrol`: set one up first).
    SecondFactor { challenge: String, expires_in: u64, enrol: bool },
}

#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
}

/// Where a request came from, for throttling and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: Option<String>,
}

pub(crate) fn unauthorized(code: &'static str, message: &str) -> CoreError {
    CoreError::Unauthorized { code, message: message.to_owned() }
}

fn invalid_credentials() -> CoreError {
    unauthorized("invalid_credentials", "user name or password is wrong")
}

pub(crate) fn dur(d: chrono::TimeDelta) -> Duration {
    d.to_std().unwrap_or_default()
}

impl Core {
    /// Checks the password. Without a second factor owed, opens a session; otherwise answers
    /// with a challenge to complete at `complete_login` (or, for an account that must have a
    /// second factor and has none, to enrol one first).
    pub async fn login(&self, username: &str, password: &str, client: &ClientInfo) -> CoreResult<LoginOutcome> {
        // Sign-in and credential checks come before the tenant is known: platform scope.
        hotline_store::scope::platform(async move {
            let username = username.trim();
            if username.is_empty() || username.len() > 64 || password.is_empty() || password.len() > 1024 {
                return Err(invalid_credentials());
            }
            if let Err(e) = self.check_login_throttle(username, &client.ip).await {
                self.audit(Entry::anonymous("auth.login", Outcome::Denied).detail(format!("throttled: {username}")).ip(Some(&client.ip)))
                    .await;
                return Err(e);
            }
            let found = users::find_by_username(&self.store.db, username).await?;
            let ok = self.hasher.verify(password, found.as_ref().map(|u| u.password_hash.as_str())).await?;
            let active = found.as_ref().is_some_and(|u| u.status == "active");
            let Some(user) = found.filter(|_| ok && active) else {
                self.record_login_failure(username, &client.ip).await?;
                let why = if ok { "account disabled" } else { "wrong user name or password" };
                let entry = Entry::anonymous("auth.login", Outcome::Failure).detail(format!("{why}: {username}")).ip(Some(&client.ip));
                self.audit(entry).await;
                return Err(invalid_credentials());
            };
            self.record_login_success(username, &client.ip).await?;
            if let Some(challenge) = self.second_factor_owed(&user, client).await? {
                return Ok(challenge);
            }
            Ok(LoginOutcome::Signed(self.open_session(&user, client, None).await?))
        })
        .await
    }

    /// Opens a login session for `user` (password, and second factor if owed, already checked)
    /// and records the sign-in with it.
    pub(crate) async fn open_session(&self, user: &user::Model, client: &ClientInfo, factor: Option<&str>) -> CoreResult<TokenPair> {
        let now = self.now();
        let max = SESSION_MAX.max(self.refresh_ttl);
        let session = session::Model {
            id: Uuid::now_v7(),
            user_id: user.id,
            tenant_id: user.tenant_id,
            created_at: now,
            expires_at: now + max,
            revoked_at: None,
            revoked_reason: None,
            ip: Some(client.ip.chars().take(64).collect()),
            user_agent: client.user_agent.as_ref().map(|a| a.chars().take(255).collect()),
        };
        let txn = hotline_store::begin_write(&self.store.db).await?;
        sessions::insert(&txn, session.clone()).await?;
        let pair = self.issue_pair(&txn, user, &session).await?;
        let mut entry = Entry {
            actor_kind: "user",
            actor_id: Some(user.id),
            actor_name: Some(user.username.clone()),
            actor_duty: self.duty_of(user).await,
            tenant_id: Some(user.tenant_id),
            action: "auth.login".into(),
            target: Some(user.username.clone()),
            outcome: Outcome::Success,
            detail: None,
            ip: Some(client.ip.clone()),
        };
        if let Some(f) = factor {
            entry = entry.detail(format!("second factor: {f}"));
        }
        self.audit_on(&txn, entry).await?;
        txn.commit().await?;
        Ok(pair)
    }

    /// The officer duty (三员) of an account, for its audit records.
    pub(crate) async fn duty_of(&self, user: &user::Model) -> Option<&'static str> {
        let roles = RoleSet::from_storage(&user.roles).ok()?;
        let on_platform = self.cached_tenant(&self.store.db, user.tenant_id).await.ok()??.kind == TenantKind::Platform.as_str();
        roles.duty(on_platform).map(|d| d.as_str())
    }

    async fn issue_pair(
        &self,
        db: &impl hotline_store::ConnectionTrait,
        user: &user::Model,
        session: &session::Model,
    ) -> CoreResult<TokenPair> {
        let now = self.now();
        let refresh = new_refresh_token();
        let expires_at = (now + self.refresh_ttl).min(session.expires_at);
        sessions::insert_refresh(
            db,
            refresh_token::Model {
                id: Uuid::now_v7(),
                session_id: session.id,
                token_hash: hash_secret(&refresh),
                issued_at: now,
                expires_at,
                used_at: None,
            },
        )
        .await?;
        Ok(TokenPair {
            access_token: self.keys.issue(user.id, user.tenant_id, session.id, now),
            expires_in: self.keys.ttl().as_secs(),
            refresh_token: refresh,
            refresh_expires_in: dur(expires_at - now).as_secs(),
        })
    }

    /// Exchanges a refresh token for a new pair. A refresh token works once: presenting a
    /// spent one means it was stolen (or the client is broken), so the whole session — every
    /// token descended from the same login — is revoked.
    pub async fn refresh(&self, presented: &str, client: &ClientInfo) -> CoreResult<TokenPair> {
        // Sign-in and credential checks come before the tenant is known: platform scope.
        hotline_store::scope::platform(async move {
            let refused = || unauthorized("invalid_refresh_token", "the refresh token is invalid, expired or revoked");
            let Some(token) = sessions::find_refresh(&self.store.db, &hash_secret(presented)).await? else {
                self.audit(Entry::anonymous("auth.refresh", Outcome::Denied).detail("unknown refresh token").ip(Some(&client.ip))).await;
                return Err(refused());
            };
            let session = sessions::find(&self.store.db, token.session_id).await?.ok_or_else(refused)?;
            let now = self.now();
            let audit = |outcome, detail: &str| {
                Entry::anonymous("auth.refresh", outcome).detail(detail).ip(Some(&client.ip)).tenant(Some(session.tenant_id))
            };
            if session.revoked_at.is_some() || session.expires_at <= now || token.expires_at <= now {
                self.audit(audit(Outcome::Denied, "refresh token expired or session revoked")).await;
                return Err(refused());
            }
            let txn = hotline_store::begin_write(&self.store.db).await?;
            if token.used_at.is_some() || !sessions::spend_refresh(&txn, token.id, now).await? {
                txn.rollback().await?;
                sessions::revoke(&self.store.db, session.id, "refresh_token_reuse", now).await?;
                self.audit(audit(Outcome::Denied, "refresh token reused: session revoked")).await;
                return Err(refused());
            }
            let user = users::find_for_token(&txn, session.user_id).await?.filter(|u| u.status == "active").ok_or_else(refused)?;
            let pair = self.issue_pair(&txn, &user, &session).await?;
            txn.commit().await?;
            Ok(pair)
        })
        .await
    }

    /// Ends the principal's session: its refresh token stops working and so do its access
    /// tokens (they name the session).
    pub async fn logout(&self, p: &Principal) -> CoreResult<()> {
        let Some(sid) = p.session_id else {
            return Err(CoreError::forbidden("API keys have no session to end; revoke the key instead"));
        };
        sessions::revoke(&self.store.db, sid, "logout", self.now()).await?;
        self.audit(Entry::by(p, "auth.logout", &p.name, Outcome::Success)).await;
        Ok(())
    }

    /// Verifies an access token and loads who it speaks for. The session must still be open
    /// and the account active, so logout and disabling take effect at once.
    pub async fn authenticate_token(&self, token: &str) -> CoreResult<Principal> {
        // Sign-in and credential checks come before the tenant is known: platform scope.
        let principal = hotline_store::scope::platform(async move {
            let claims = self.keys.verify(token).map_err(|e| match e {
                TokenError::Expired => unauthorized("token_expired", "the access token has expired; refresh it"),
                other => unauthorized("invalid_token", &other.to_string()),
            })?;
            let revoked = || unauthorized("invalid_token", "the session of this token has ended");
            let session = sessions::find(&self.store.db, claims.sid).await?.ok_or_else(revoked)?;
            if session.revoked_at.is_some() || session.expires_at <= self.now() || session.user_id != claims.sub {
                return Err(revoked());
            }
            let user = users::find_for_token(&self.store.db, claims.sub).await?;
            let user = user.filter(|u| u.status == "active" && u.tenant_id == claims.tid).ok_or_else(revoked)?;
            let tenant = self.cached_tenant(&self.store.db, user.tenant_id).await?.ok_or_else(revoked)?;
            Ok(Principal {
                kind: PrincipalKind::User,
                id: user.id,
                name: user.username.clone(),
                tenant: tenant_ref(&tenant)?,
                roles: RoleSet::from_storage(&user.roles).map_err(|e| CoreError::Internal(e.to_string()))?,
                unit_id: user.unit_id.map(UnitId),
                session_id: Some(session.id),
            })
        })
        .await;
        // The rest of the request works in the caller's scope.
        if let Ok(p) = &principal {
            hotline_store::scope::set(p.scope());
        }
        principal
    }

    /// Checks an integrator API key (`hlk_…`).
    pub async fn authenticate_api_key(&self, presented: &str) -> CoreResult<Principal> {
        // Sign-in and credential checks come before the tenant is known: platform scope.
        let principal = hotline_store::scope::platform(async move {
            let refused = || unauthorized("invalid_api_key", "the API key is invalid or revoked");
            let prefix = parse_api_key(presented).ok_or_else(refused)?;
            let key = match self.api_key_cache.get(prefix) {
                Some(key) => key,
                None => self.api_key_cache.put(api_keys::find_by_prefix(&self.store.db, prefix).await?.ok_or_else(refused)?),
            };
            let matches: bool = hash_secret(presented).as_bytes().ct_eq(key.key_hash.as_bytes()).into();
            if !matches || key.revoked_at.is_some() {
                return Err(refused());
            }
            let tenant = self.cached_tenant(&self.store.db, key.tenant_id).await?.ok_or_else(refused)?;
            let now = self.now();
            // One write per minute and instance at most: the timestamp is for "is this key still
            // used?". The cache hands the write to one request (the cached copy still has the
            // old time when it was just read, so check that first).
            let stale = key.last_used_at.is_none_or(|t| now - t > chrono::TimeDelta::minutes(1));
            if stale && self.api_key_cache.claim_touch(prefix, now, chrono::TimeDelta::minutes(1)) {
                api_keys::touch(&self.store.db, key.id, now).await?;
            }
            Ok(Principal {
                kind: PrincipalKind::ApiKey,
                id: key.id,
                name: key.name.clone(),
                tenant: tenant_ref(&tenant)?,
                roles: RoleSet::of([Role::Integrator]),
                unit_id: None,
                session_id: None,
            })
        })
        .await;
        // The rest of the request works in the caller's scope.
        if let Ok(p) = &principal {
            hotline_store::scope::set(p.scope());
        }
        principal
    }

    /// Records a refused credential (the API calls this for every 401).
    pub async fn audit_token_refusal(&self, code: &str, ip: Option<&str>, path: &str) {
        // Sign-in and credential checks come before the tenant is known: platform scope.
        hotline_store::scope::platform(async move {
            self.audit(Entry::anonymous("auth.token", Outcome::Denied).detail(format!("{code} on {path}")).ip(ip)).await;
        })
        .await
    }
}

pub(crate) fn tenant_ref(t: &tenant::Model) -> CoreResult<TenantRef> {
    let corrupt = |e: hotline_domain::ValidationError| CoreError::Internal(format!("tenant {}: {e}", t.id));
    Ok(TenantRef {
        id: TenantId(t.id),
        code: TenantCode::parse(&t.code).map_err(corrupt)?,
        kind: TenantKind::parse(&t.kind).map_err(corrupt)?,
    })
}

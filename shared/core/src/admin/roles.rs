//! Separation of duties (三员分立): the system administrator (`city_admin`) runs lines, units,
//! accounts and configuration; the security administrator (`security_admin`) grants and removes
//! the privileged roles, hands out integrator keys and resets second factors; the audit
//! administrator (`auditor` of the platform) reads, verifies and exports the audit log. No
//! account holds two privileged roles, nobody changes their own roles, and only the audit
//! administrator reads what the three did.

use hotline_domain::{Role, RoleSet, TenantKind, UserStatus};
use hotline_store::entities::tenant;
use hotline_store::{sessions, users};
use uuid::Uuid;

use super::users::{UserView, parse_roles, view};
use crate::audit::{Entry, Outcome};
use crate::{Core, CoreError, CoreResult, Principal};

/// The security settings in force, for the security administrator to read.
#[derive(Debug, Clone)]
pub struct PolicyView {
    pub mfa_required_roles: Vec<Role>,
    pub audit_retention_days: u64,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub password_min_length: usize,
    pub privileged_roles: Vec<Role>,
}

fn names(roles: &RoleSet) -> String {
    roles.iter().map(Role::as_str).collect::<Vec<_>>().join(",")
}

impl Core {
    /// A change from `before` to `after` that grants or removes a privileged role is the
    /// security administrator's; everyone else may only change everyday roles.
    pub(crate) async fn require_grant(
        &self,
        p: &Principal,
        before: &RoleSet,
        after: &RoleSet,
        action: &str,
        target: &str,
    ) -> CoreResult<()> {
        let changed = before.privileged_changes(after);
        if changed.is_empty() || p.has(Role::SecurityAdmin) && p.on_platform() {
            return Ok(());
        }
        self.audit_denied(p, action, target, &format!("privileged role change ({}) needs security_admin", names(&changed))).await;
        Err(CoreError::forbidden_because(
            "privileged_role",
            format!(
                "granting or removing {} is the security administrator's work: give the account its everyday roles, then security_admin sets its roles (PUT …/users/{{id}}/roles)",
                names(&changed)
            ),
        ))
    }

    /// Disabling the last active holder of an officer role would leave nobody to do that duty.
    pub(crate) async fn keep_an_officer(&self, t: &tenant::Model, roles: &RoleSet, user: Uuid) -> CoreResult<()> {
        if t.kind != TenantKind::Platform.as_str() {
            return Ok(());
        }
        for role in [Role::CityAdmin, Role::SecurityAdmin, Role::Auditor] {
            if roles.contains(role)
                && users::count_active_with_role(&self.store.db, t.id, &RoleSet::storage_pattern(role), user).await? == 0
            {
                return Err(CoreError::conflict("last_officer", format!("this is the last active {role}; appoint another one first")));
            }
        }
        Ok(())
    }

    /// Sets an account's roles (security administrator only, never their own). A change of
    /// privileged roles ends the account's sessions, so it signs in again under the new rights
    /// (and sets up a second factor if they require one).
    pub async fn set_user_roles(&self, p: &Principal, code: &str, id: &str, roles: &[String]) -> CoreResult<UserView> {
        let t = self.visible_tenant(p, code).await?;
        self.require_security_admin(p, "user.roles", &t.code).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("user"))?;
        let mut u = users::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("user"))?;
        if p.user_id() == Some(u.id) {
            self.audit_denied(p, "user.roles", &u.username, "own account").await;
            return Err(CoreError::forbidden_because("own_roles", "nobody changes their own roles; another security administrator does"));
        }
        let before = RoleSet::from_storage(&u.roles)?;
        let after = parse_roles(roles)?;
        after.check_for_staff(TenantKind::parse(&t.kind)?, u.unit_id.is_some())?;
        let removed: RoleSet = before.privileged().iter().filter(|r| !after.contains(*r)).collect();
        if u.status == UserStatus::Active.as_str() {
            self.keep_an_officer(&t, &removed, u.id).await?;
        }
        u.roles = after.to_storage();
        u.updated_at = self.now();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        users::update(&txn, u.clone()).await?;
        if !before.privileged_changes(&after).is_empty() {
            sessions::revoke_all_of_user(&txn, u.id, "roles_changed", u.updated_at).await?;
        }
        let detail = format!("{} -> {}", names(&before), names(&after));
        self.audit_on(&txn, Entry::by(p, "user.roles", &u.username, Outcome::Success).tenant(Some(t.id)).detail(detail)).await?;
        txn.commit().await?;
        view(&t.code, u)
    }

    /// The security policy in force (configuration; read by the security administrator).
    pub async fn security_policy(&self, p: &Principal) -> CoreResult<PolicyView> {
        self.require_security_admin(p, "security_policy.read", "policy").await?;
        Ok(PolicyView {
            mfa_required_roles: self.security.mfa_required_roles.clone(),
            audit_retention_days: self.security.audit_retention.as_secs() / 86_400,
            access_token_ttl_secs: self.keys.ttl().as_secs(),
            refresh_token_ttl_secs: self.refresh_ttl.as_secs(),
            password_min_length: hotline_auth::MIN_PASSWORD_LENGTH,
            privileged_roles: Role::ALL.iter().copied().filter(|r| r.is_privileged()).collect(),
        })
    }
}

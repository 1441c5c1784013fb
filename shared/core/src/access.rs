//! Which tenants a principal can see and what it may do there.

use hotline_domain::Role;
use hotline_store::entities::tenant;
use hotline_store::tenants;

use crate::{Core, CoreError, CoreResult, Principal};

impl Core {
    /// The tenant `code` as seen by `p`: city-wide staff see every tenant, everyone else only
    /// their own. Anything else is "not found", exactly like a code that does not exist.
    pub(crate) async fn visible_tenant(&self, p: &Principal, code: &str) -> CoreResult<tenant::Model> {
        if !p.is_city_wide() && p.tenant.code.as_str() != code {
            self.audit_denied(p, "tenant.access", code, "other tenant").await;
            return Err(CoreError::NotFound("tenant"));
        }
        tenants::find_by_code(&self.store.db, code).await?.ok_or(CoreError::NotFound("tenant"))
    }

    /// Requires one of `roles`, where the city admin counts on every tenant and the other
    /// roles only on the principal's own tenant (already ensured by `visible_tenant`).
    pub(crate) async fn require(&self, p: &Principal, action: &str, target: &str, roles: &[Role]) -> CoreResult<()> {
        if p.has_any(roles) {
            return Ok(());
        }
        self.audit_denied(p, action, target, "missing role").await;
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(CoreError::forbidden(format!("this needs one of the roles: {}", names.join(", "))))
    }

    /// The security administrator (安全管理员) of the platform, acting on any tenant.
    pub(crate) async fn require_security_admin(&self, p: &Principal, action: &str, target: &str) -> CoreResult<()> {
        if p.on_platform() && p.has(Role::SecurityAdmin) && p.kind == crate::PrincipalKind::User {
            return Ok(());
        }
        self.audit_denied(p, action, target, "not the security administrator").await;
        Err(CoreError::forbidden("this is the security administrator's work (security_admin)"))
    }

    /// Integrator keys: the security administrator for any line, or a line's tenant admin for
    /// their own line (the system administrator does not hand out credentials).
    pub(crate) async fn require_key_admin_of(&self, p: &Principal, action: &str, t: &tenant::Model) -> CoreResult<()> {
        let own = p.tenant.id.0 == t.id;
        if p.has(Role::SecurityAdmin) && p.on_platform() || own && p.has(Role::TenantAdmin) {
            return Ok(());
        }
        self.audit_denied(p, action, &t.code, "not a key administrator of this tenant").await;
        Err(CoreError::forbidden("integrator keys are managed by security_admin, or tenant_admin of this line"))
    }

    /// City admins administer every tenant; a tenant admin only their own line.
    pub(crate) async fn require_admin_of(&self, p: &Principal, action: &str, t: &tenant::Model) -> CoreResult<()> {
        let own = p.tenant.id.0 == t.id;
        if p.has(Role::CityAdmin) && p.on_platform() || own && p.has(Role::TenantAdmin) {
            return Ok(());
        }
        self.audit_denied(p, action, &t.code, "not an administrator of this tenant").await;
        Err(CoreError::forbidden("this needs city_admin, or tenant_admin of this line"))
    }
}

use hotline_domain::{OfficerDuty, Role, RoleSet, TenantCode, TenantId, TenantKind, UnitId};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    ApiKey,
    /// A citizen without an account, proven by the tracking number and a secret of the case.
    Citizen,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::ApiKey => "api_key",
            PrincipalKind::Citizen => "citizen",
        }
    }
}

/// The tenant a principal belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRef {
    pub id: TenantId,
    pub code: TenantCode,
    pub kind: TenantKind,
}

/// Who is acting: a signed-in user or an integrator's API key, with the tenant taken from the
/// verified credential (never from a request body).
#[derive(Debug, Clone)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// The user id or the API key id.
    pub id: Uuid,
    /// Username, or the API key's name.
    pub name: String,
    pub tenant: TenantRef,
    pub roles: RoleSet,
    pub unit_id: Option<UnitId>,
    /// The login session an access token belongs to (users only).
    pub session_id: Option<Uuid>,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        self.roles.any(roles)
    }

    pub fn on_platform(&self) -> bool {
        self.tenant.kind == TenantKind::Platform
    }

    /// City-level staff see every line: the system and security administrators, the city
    /// office and the audit administrator.
    pub fn is_city_wide(&self) -> bool {
        self.on_platform() && self.has_any(&[Role::CityAdmin, Role::SecurityAdmin, Role::CitySupervisor, Role::Auditor])
    }

    /// Which of the three officers (三员) this is, if any. API keys are never officers.
    pub fn duty(&self) -> Option<OfficerDuty> {
        if self.kind != PrincipalKind::User {
            return None;
        }
        self.roles.duty(self.on_platform())
    }

    /// Whose rows this principal's work may touch on PostgreSQL (row-level security, behind
    /// the scoped repositories): the city office and every platform account see the platform
    /// (they dispatch to, supervise and administer every line); a line's staff, integrators
    /// and citizens their own line, plus the joint cases (联办) it takes part in.
    pub fn scope(&self) -> hotline_store::scope::Scope {
        if self.on_platform() { hotline_store::scope::Scope::Platform } else { hotline_store::scope::Scope::tenant(self.tenant.id.0) }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        (self.kind == PrincipalKind::User).then_some(self.id)
    }
}

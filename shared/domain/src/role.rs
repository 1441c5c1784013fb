use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, word_enum};
use crate::tenant::TenantKind;

word_enum!(
    /// What a principal may do. See README "Roles" for the matrix.
    Role, "roles" {
        /// System administrator (系统管理员): lines, units, accounts and configuration.
        CityAdmin = "city_admin",
        /// Security administrator (安全管理员): privileged role grants, integrator keys, second
        /// factors and the security policy. Holds no other officer's role (三员分立).
        SecurityAdmin = "security_admin",
        /// City office (市热线办): supervises and compares all lines, read-only on configuration.
        CitySupervisor = "city_supervisor",
        /// Front-door agent (接线员): takes contacts.
        Agent = "agent",
        /// Classifies and dispatches cases.
        Dispatcher = "dispatcher",
        /// Administers one line: its units, users, keys, rules.
        TenantAdmin = "tenant_admin",
        /// Leads a handling unit.
        UnitLead = "unit_lead",
        /// Handles cases in a unit.
        UnitHandler = "unit_handler",
        /// Reads the audit log. On the platform the audit administrator (审计管理员): every
        /// record, verification and export; on a line, that line's records of its own staff.
        Auditor = "auditor",
        /// Another system calling the API with an API key.
        Integrator = "integrator",
        /// A citizen's optional account.
        Citizen = "citizen",
    }
);

word_enum!(
    /// The three officers of 三员分立 (separation of duties): no account is two of them, and only
    /// the audit administrator reads what the three did.
    OfficerDuty, "duty" {
        /// 系统管理员: `city_admin`.
        System = "system",
        /// 安全管理员: `security_admin`.
        Security = "security",
        /// 审计管理员: `auditor` on the platform.
        Audit = "audit",
    }
);

impl Role {
    /// Roles that only exist on the city platform tenant.
    pub fn is_city_only(self) -> bool {
        matches!(self, Role::CityAdmin | Role::SecurityAdmin | Role::CitySupervisor | Role::Citizen)
    }

    /// The roles that administer or watch the others. Only the security administrator grants or
    /// removes them, and an account holds at most one.
    pub fn is_privileged(self) -> bool {
        matches!(self, Role::CityAdmin | Role::SecurityAdmin | Role::TenantAdmin | Role::Auditor)
    }

    /// Roles that belong to a handling unit and need one.
    pub fn needs_unit(self) -> bool {
        matches!(self, Role::UnitLead | Role::UnitHandler)
    }
}

/// The roles of one account: non-empty, no duplicates, stored as `,a,b,` so a portable
/// `LIKE '%,role,%'` filters by role on SQLite and PostgreSQL alike.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleSet(BTreeSet<Role>);

impl RoleSet {
    pub fn of(roles: impl IntoIterator<Item = Role>) -> Self {
        Self(roles.into_iter().collect())
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.0.contains(r))
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_storage(&self) -> String {
        let mut s = String::from(",");
        for r in &self.0 {
            s.push_str(r.as_str());
            s.push(',');
        }
        s
    }

    pub fn from_storage(stored: &str) -> Result<Self, ValidationError> {
        stored.split(',').filter(|w| !w.is_empty()).map(Role::parse).collect::<Result<_, _>>().map(Self)
    }

    /// The officer duty these roles carry, if any (`on_platform`: the account is the platform's).
    pub fn duty(&self, on_platform: bool) -> Option<OfficerDuty> {
        if self.contains(Role::CityAdmin) {
            Some(OfficerDuty::System)
        } else if self.contains(Role::SecurityAdmin) {
            Some(OfficerDuty::Security)
        } else if on_platform && self.contains(Role::Auditor) {
            Some(OfficerDuty::Audit)
        } else {
            None
        }
    }

    /// The privileged roles among these.
    pub fn privileged(&self) -> RoleSet {
        Self(self.0.iter().copied().filter(|r| r.is_privileged()).collect())
    }

    /// The privileged roles that differ between `self` and `other` (granted or removed).
    pub fn privileged_changes(&self, other: &RoleSet) -> RoleSet {
        let (a, b) = (self.privileged(), other.privileged());
        Self(a.0.symmetric_difference(&b.0).copied().collect())
    }

    /// 三员分立: one account holds at most one privileged role, so the one who administers is
    /// never the one who grants rights, nor the one who audits them.
    pub fn check_separation(&self) -> Result<(), ValidationError> {
        let held: Vec<&str> = self.iter().filter(|r| r.is_privileged()).map(Role::as_str).collect();
        if held.len() > 1 {
            return Err(ValidationError::new(
                "roles",
                "separation_of_duties",
                format!(
                    "one account holds at most one of city_admin, security_admin, tenant_admin, auditor (三员分立); got {}",
                    held.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// The pattern that finds `role` in the stored form.
    pub fn storage_pattern(role: Role) -> String {
        format!("%,{},%", role.as_str())
    }

    /// Checks that these roles may be given to a staff account of a tenant of `kind`, with or
    /// without a unit. Integrator is for API keys and citizen accounts are made by citizens.
    pub fn check_for_staff(&self, kind: TenantKind, has_unit: bool) -> Result<(), ValidationError> {
        if self.0.is_empty() {
            return Err(ValidationError::new("roles", "required", "an account needs at least one role"));
        }
        self.check_separation()?;
        for role in self.iter() {
            match role {
                Role::Integrator => {
                    return Err(ValidationError::new(
                        "roles",
                        "role_not_assignable",
                        "integrator is the role of API keys; create an API key instead",
                    ));
                }
                Role::Citizen => {
                    return Err(ValidationError::new(
                        "roles",
                        "role_not_assignable",
                        "citizen accounts are created by citizens, not by staff",
                    ));
                }
                r if r.is_city_only() && kind != TenantKind::Platform => {
                    return Err(ValidationError::new(
                        "roles",
                        "role_not_allowed_in_tenant",
                        format!("{r} exists only on the city platform"),
                    ));
                }
                Role::TenantAdmin if kind == TenantKind::Platform => {
                    return Err(ValidationError::new(
                        "roles",
                        "role_not_allowed_in_tenant",
                        "the city platform is administered by city_admin, not tenant_admin",
                    ));
                }
                r if r.needs_unit() && !has_unit => {
                    return Err(ValidationError::new("unit_id", "required", format!("{r} needs a unit")));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl FromIterator<Role> for RoleSet {
    fn from_iter<I: IntoIterator<Item = Role>>(iter: I) -> Self {
        Self::of(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_sets_round_trip_through_storage() {
        let set = RoleSet::of([Role::Dispatcher, Role::Agent, Role::Agent]);
        assert_eq!(set.to_storage(), ",agent,dispatcher,");
        assert_eq!(RoleSet::from_storage(",agent,dispatcher,").unwrap(), set);
        assert!(RoleSet::from_storage(",agent,king,").is_err());
        assert_eq!(RoleSet::storage_pattern(Role::Agent), "%,agent,%");
    }

    #[test]
    fn city_roles_stay_on_the_platform() {
        let city = RoleSet::of([Role::CityAdmin]);
        assert!(city.check_for_staff(TenantKind::Platform, false).is_ok());
        assert_eq!(city.check_for_staff(TenantKind::Line, false).unwrap_err().code, "role_not_allowed_in_tenant");
        let supervisor = RoleSet::of([Role::CitySupervisor]);
        assert!(supervisor.check_for_staff(TenantKind::Line, false).is_err());
    }

    #[test]
    fn tenant_admin_is_for_lines() {
        let admin = RoleSet::of([Role::TenantAdmin]);
        assert!(admin.check_for_staff(TenantKind::Line, false).is_ok());
        assert!(admin.check_for_staff(TenantKind::Platform, false).is_err());
    }

    #[test]
    fn unit_roles_need_a_unit() {
        let handler = RoleSet::of([Role::UnitHandler]);
        assert_eq!(handler.check_for_staff(TenantKind::Line, false).unwrap_err().field, "unit_id");
        assert!(handler.check_for_staff(TenantKind::Line, true).is_ok());
    }

    #[test]
    fn integrator_and_citizen_are_not_staff_roles() {
        for r in [Role::Integrator, Role::Citizen] {
            let err = RoleSet::of([r]).check_for_staff(TenantKind::Platform, false).unwrap_err();
            assert_eq!(err.code, "role_not_assignable");
        }
        assert_eq!(RoleSet::default().check_for_staff(TenantKind::Line, false).unwrap_err().code, "required");
    }

    #[test]
    fn no_account_holds_two_officer_roles() {
        for pair in [
            [Role::CityAdmin, Role::SecurityAdmin],
            [Role::CityAdmin, Role::Auditor],
            [Role::SecurityAdmin, Role::Auditor],
            [Role::TenantAdmin, Role::Auditor],
        ] {
            let err = RoleSet::of(pair).check_for_staff(TenantKind::Platform, false).unwrap_err();
            assert_eq!(err.code, "separation_of_duties", "{pair:?}");
        }
        assert!(RoleSet::of([Role::CityAdmin, Role::CitySupervisor]).check_separation().is_ok());
        assert!(RoleSet::of([Role::SecurityAdmin]).check_for_staff(TenantKind::Platform, false).is_ok());
        assert!(RoleSet::of([Role::SecurityAdmin]).check_for_staff(TenantKind::Line, false).is_err(), "a platform officer");
    }

    #[test]
    fn officers_have_their_duty() {
        assert_eq!(RoleSet::of([Role::CityAdmin]).duty(true), Some(OfficerDuty::System));
        assert_eq!(RoleSet::of([Role::SecurityAdmin]).duty(true), Some(OfficerDuty::Security));
        assert_eq!(RoleSet::of([Role::Auditor]).duty(true), Some(OfficerDuty::Audit));
        assert_eq!(RoleSet::of([Role::Auditor]).duty(false), None, "a line's auditor is no officer");
        assert_eq!(RoleSet::of([Role::TenantAdmin, Role::Agent]).duty(false), None);
    }

    #[test]
    fn privileged_changes_ignore_business_roles() {
        let before = RoleSet::of([Role::Agent, Role::TenantAdmin]);
        assert!(before.privileged_changes(&RoleSet::of([Role::Dispatcher, Role::TenantAdmin])).is_empty());
        let after = RoleSet::of([Role::Agent, Role::Auditor]);
        assert_eq!(before.privileged_changes(&after), RoleSet::of([Role::TenantAdmin, Role::Auditor]));
    }

    #[test]
    fn agents_dispatchers_and_auditors_work_anywhere() {
        let set = RoleSet::of([Role::Agent, Role::Dispatcher, Role::Auditor]);
        assert!(set.check_for_staff(TenantKind::Platform, false).is_ok());
        assert!(set.check_for_staff(TenantKind::Line, false).is_ok());
    }
}

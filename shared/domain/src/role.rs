use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, word_enum};
use crate::tenant::TenantKind;

word_enum!(
    /// What a principal may do. See README "Roles" for the matrix.
    Role, "roles" {
        /// Runs the city platform: lines, their admins, platform users.
        CityAdmin = "city_admin",
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
        /// Reads the audit log (of one line, or of all when on the platform).
        Auditor = "auditor",
        /// Another system calling the API with an API key.
        Integrator = "integrator",
        /// A citizen's optional account.
        Citizen = "citizen",
    }
);

impl Role {
    /// Roles that only exist on the city platform tenant.
    pub fn is_city_only(self) -> bool {
        matches!(self, Role::CityAdmin | Role::CitySupervisor | Role::Citizen)
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
    fn agents_dispatchers_and_auditors_work_anywhere() {
        let set = RoleSet::of([Role::Agent, Role::Dispatcher, Role::Auditor]);
        assert!(set.check_for_staff(TenantKind::Platform, false).is_ok());
        assert!(set.check_for_staff(TenantKind::Line, false).is_ok());
    }
}

//! Who sees which cases, and who may take which step.

use hotline_domain::Role;
use hotline_domain::case::{Action, CaseStatus, Duty, ParticipantRole, ParticipantStatus};
use hotline_store::cases::{self, CaseScope};
use hotline_store::entities::{case, case_participant};
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult, Principal};

/// Platform roles that see every case.
const PLATFORM_READERS: &[Role] = &[Role::Agent, Role::Dispatcher, Role::CitySupervisor, Role::CityAdmin, Role::Auditor];
/// Line roles that see their line's cases and the joint cases its units take part in.
const LINE_READERS: &[Role] = &[Role::Agent, Role::Dispatcher, Role::TenantAdmin, Role::Auditor];

pub(crate) fn status_of(c: &case::Model) -> CoreResult<CaseStatus> {
    CaseStatus::parse(&c.status).map_err(|e| CoreError::Internal(format!("case {}: {e}", c.id)))
}

impl Core {
    /// The cases `p` may see; a principal with no case role sees none (403).
    pub(crate) fn case_scope(&self, p: &Principal) -> CoreResult<CaseScope> {
        // Least privilege for other systems: an integrator key reads the cases it brought in.
        if p.kind == crate::PrincipalKind::ApiKey {
            return Ok(CaseScope::CreatedBy(p.id));
        }
        if p.on_platform() && p.has_any(PLATFORM_READERS) {
            return Ok(CaseScope::All);
        }
        if !p.on_platform() && p.has_any(LINE_READERS) {
            return Ok(CaseScope::Tenant(p.tenant.id.0));
        }
        if p.has_any(&[Role::UnitLead, Role::UnitHandler])
            && let Some(unit) = p.unit_id
        {
            return Ok(CaseScope::Unit(unit.0));
        }
        Err(CoreError::forbidden("this account has no access to cases"))
    }

    /// Loads a case `p` may see; anything else is "not found".
    pub(crate) async fn visible_case(&self, p: &Principal, id: &str) -> CoreResult<case::Model> {
        let scope = self.case_scope(p)?;
        cases::find(&self.store.db, scope, case_id(id)?).await?.ok_or(CoreError::NotFound("case"))
    }

    /// [`Self::visible_case`] with its participants, read in one statement.
    pub(crate) async fn visible_case_with_participants(
        &self,
        p: &Principal,
        id: &str,
    ) -> CoreResult<(case::Model, Vec<case_participant::Model>)> {
        let scope = self.case_scope(p)?;
        cases::find_with_participants(&self.store.db, scope, case_id(id)?).await?.ok_or(CoreError::NotFound("case"))
    }

    /// Checks that `p` owns the step `action` on case `c` (role, then unit or front door), and
    /// that the case's state allows it. Returns the participant row of `p`'s unit for unit work.
    pub(crate) async fn authorise_step(
        &self,
        p: &Principal,
        c: &case::Model,
        action: Action,
        parts: &[case_participant::Model],
    ) -> CoreResult<Option<case_participant::Model>> {
        let duty = action.duty();
        if !p.has_any(duty.roles()) {
            self.audit_denied(p, &format!("case.{action}"), &c.tracking_number, "missing role").await;
            let names: Vec<&str> = duty.roles().iter().map(|r| r.as_str()).collect();
            return Err(CoreError::forbidden(format!("'{action}' needs one of the roles: {}", names.join(", "))));
        }
        let mine = if duty.is_unit_work() {
            let unit = p.unit_id.map(|u| u.0);
            let part = parts.iter().find(|x| Some(x.unit_id) == unit && x.status != ParticipantStatus::Withdrawn.as_str()).cloned();
            let Some(part) = part else {
                self.audit_denied(p, &format!("case.{action}"), &c.tracking_number, "unit not taking part").await;
                return Err(CoreError::forbidden_because("not_your_unit", "your unit does not take part in this case"));
            };
            let is_lead = part.role == ParticipantRole::Lead.as_str();
            match duty {
                Duty::LeadUnit if !is_lead => {
                    return Err(CoreError::forbidden_because("not_lead_unit", "only the lead unit (牵头单位) takes this step"));
                }
                Duty::CoUnit if is_lead => {
                    return Err(CoreError::forbidden_because(
                        "not_co_unit",
                        "only a co-unit (协办单位) contributes; the lead gives the feedback",
                    ));
                }
                _ => {}
            }
            Some(part)
        } else {
            // Front-door work belongs to the tenant that received the case, or to the platform.
            let owner = c.tenant_id == p.tenant.id.0;
            if !(owner || p.on_platform()) {
                self.audit_denied(p, &format!("case.{action}"), &c.tracking_number, "not this case's front door").await;
                return Err(CoreError::forbidden_because("not_case_owner", "this step belongs to the front door that received the case"));
            }
            None
        };
        // A co-unit signs for its part while the case is anywhere at the units.
        let check = match (&mine, action) {
            (Some(m), Action::Sign) if m.role == ParticipantRole::Co.as_str() => Action::Contribute,
            _ => action,
        };
        let status = status_of(c)?;
        status.apply(check).map_err(|e| CoreError::conflict("invalid_transition", e.to_string()))?;
        Ok(mine)
    }
}

/// A case id from a path: one that does not parse names no case.
pub(crate) fn case_id(id: &str) -> CoreResult<Uuid> {
    id.parse::<Uuid>().map_err(|_| CoreError::NotFound("case"))
}

//! Dispatch and joint handling (联合办理): one lead unit, any co-units in any line; signing,
//! changing the lead, and escalation on reopening.

use hotline_domain::ValidationError;
use hotline_domain::case::{CaseStatus, Duty, ParticipantRole, ParticipantStatus, Urgency};
use hotline_store::entities::{case_participant, unit};
use hotline_store::units;
use serde_json::json;
use uuid::Uuid;

use super::steps::{Change, StepInput, parse_uuid, required};
use crate::{Core, CoreError, CoreResult, Principal};

/// A unit a dispatcher may choose.
#[derive(Debug, Clone)]
pub struct DispatchTarget {
    pub id: Uuid,
    pub line: String,
    pub name: String,
}

const MAX_CO_UNITS: usize = 10;

fn new_part(change: &Change, u: &unit::Model, role: ParticipantRole, now: chrono::DateTime<chrono::Utc>) -> case_participant::Model {
    case_participant::Model {
        id: Uuid::now_v7(),
        case_id: change.case.id,
        tenant_id: u.tenant_id,
        unit_id: u.id,
        role: role.as_str().to_owned(),
        status: ParticipantStatus::Assigned.as_str().to_owned(),
        contribution: None,
        signed_at: None,
        contributed_at: None,
        released_at: None,
        created_at: now,
        sign_due_at: None,
        contribute_due_at: None,
    }
}

/// Puts `u` on the case as `role`: reuses its earlier row (a unit appears once per case).
fn assign(
    change: &mut Change,
    parts: &[case_participant::Model],
    u: &unit::Model,
    role: ParticipantRole,
    now: chrono::DateTime<chrono::Utc>,
) {
    match parts.iter().find(|x| x.unit_id == u.id) {
        Some(existing) => {
            let mut x = existing.clone();
            x.role = role.as_str().to_owned();
            x.status = ParticipantStatus::Assigned.as_str().to_owned();
            x.signed_at = None;
            x.contribution = None;
            x.contributed_at = None;
            x.released_at = None;
            x.sign_due_at = None;
            x.contribute_due_at = None;
            change.update_parts.retain(|p| p.id != x.id);
            change.update_parts.push(x);
        }
        None => change.insert_parts.push(new_part(change, u, role, now)),
    }
}

fn withdraw(change: &mut Change, part: &case_participant::Model) {
    let mut x = part.clone();
    x.status = ParticipantStatus::Withdrawn.as_str().to_owned();
    change.update_parts.retain(|p| p.id != x.id);
    change.update_parts.push(x);
}

impl Core {
    /// A tenant's working calendar and time limits.
    async fn clocks_of(
        &self,
        tenant: Uuid,
    ) -> CoreResult<(hotline_domain::calendar::WorkingCalendar, hotline_domain::calendar::sla::SlaPolicy)> {
        use hotline_domain::calendar::WorkingCalendar;
        let t = hotline_store::tenants::find_by_id(&self.store.db, tenant).await?;
        let tz = t.as_ref().and_then(|t| t.time_zone.parse().ok()).unwrap_or(chrono_tz::Asia::Shanghai);
        let cal = t.as_ref().and_then(|t| WorkingCalendar::named(&t.calendar, tz).ok()).unwrap_or_else(WorkingCalendar::cn_2026);
        Ok((cal, self.sla_policy_of(tenant).await?))
    }

    /// When a case should have been dispatched: its dispatch limit from intake.
    pub(crate) async fn dispatch_due(&self, c: &hotline_store::entities::case::Model) -> CoreResult<Option<chrono::DateTime<chrono::Utc>>> {
        use hotline_domain::calendar::sla::Stage;
        use hotline_domain::case::ContactType;
        let (cal, policy) = self.clocks_of(c.tenant_id).await?;
        let urgency = Urgency::parse(&c.urgency).unwrap_or(Urgency::General);
        let kind = ContactType::parse(&c.contact_type).unwrap_or(ContactType::Other);
        Ok(policy.deadline(&cal, c.created_at, urgency, kind, Stage::Dispatch))
    }

    /// Starts the unit clocks of a (re)dispatch: sign-for and feedback deadlines from the
    /// tenant's time limits and working calendar (a return or reopening restarts only these).
    async fn restart_clocks(&self, change: &mut Change, now: chrono::DateTime<chrono::Utc>) -> CoreResult<()> {
        use hotline_domain::calendar::sla::{CONTRIBUTION_FRACTION, REMINDER_FRACTION, Stage};
        use hotline_domain::case::ContactType;
        let (cal, policy) = self.clocks_of(change.case.tenant_id).await?;
        let urgency = Urgency::parse(&change.case.urgency).unwrap_or(Urgency::General);
        let kind = ContactType::parse(&change.case.contact_type).unwrap_or(ContactType::Other);
        change.case.sign_due_at = policy.deadline(&cal, now, urgency, kind, Stage::Sign);
        change.case.feedback_due_at = policy.deadline(&cal, now, urgency, kind, Stage::Feedback);
        let feedback = policy.limit(urgency, kind, Stage::Feedback);
        change.case.feedback_near_at = feedback.map(|l| l.near(&cal, now, REMINDER_FRACTION));
        // Co-units put on the case by this step start their own clocks; those already on it
        // (a return to the lead, say) keep theirs.
        let contribute_due = feedback.map(|l| l.near(&cal, now, CONTRIBUTION_FRACTION));
        for part in change.insert_parts.iter_mut().chain(change.update_parts.iter_mut()) {
            let fresh = part.status == ParticipantStatus::Assigned.as_str();
            if part.role == ParticipantRole::Co.as_str() && fresh {
                part.sign_due_at = change.case.sign_due_at;
                part.contribute_due_at = contribute_due;
            } else if part.role == ParticipantRole::Lead.as_str() {
                // The lead's clocks are the case's.
                part.sign_due_at = None;
                part.contribute_due_at = None;
            }
        }
        Ok(())
    }

    /// A unit that may receive work from `p`: it exists and is active; a line's dispatcher
    /// dispatches within the line, the platform anywhere.
    async fn dispatchable(&self, p: &Principal, field: &str, id: &str) -> CoreResult<unit::Model> {
        let id = parse_uuid(field, id)?;
        let u = units::find_any(&self.store.db, id).await?;
        match u {
            Some(u) if u.status == "active" && (p.on_platform() || u.tenant_id == p.tenant.id.0) => Ok(u),
            _ => Err(ValidationError::new(field, "unknown_unit", "no active unit with this id that you may dispatch to").into()),
        }
    }

    /// The units `p` may dispatch to, by line code then name: for the platform's front door
    /// every active line's active units, for a line's its own (what [`Self::dispatchable`]
    /// accepts). The dispatcher's choice lists in the console.
    pub async fn dispatch_targets(&self, p: &Principal) -> CoreResult<Vec<DispatchTarget>> {
        if !p.has_any(Duty::FrontDoor.roles()) {
            return Err(CoreError::forbidden("choosing units to dispatch to needs agent or dispatcher"));
        }
        let org = self.routing.org(&self.store.db).await?;
        let mut lines: Vec<(&String, &Uuid)> =
            if p.on_platform() { org.lines.iter().collect() } else { org.lines.iter().filter(|(_, id)| **id == p.tenant.id.0).collect() };
        lines.sort();
        let filter = units::UnitFilter { status: Some("active".into()), ..Default::default() };
        let mut out = Vec::new();
        for (code, tenant) in lines {
            let page = units::list(&self.store.db, *tenant, &filter, hotline_store::PageRequest::first(500)).await?;
            out.extend(page.items.into_iter().map(|u| DispatchTarget { id: u.id, line: code.clone(), name: u.name }));
        }
        Ok(out)
    }

    pub(crate) async fn dispatch(
        &self,
        p: &Principal,
        change: &mut Change,
        parts: &[case_participant::Model],
        input: &StepInput,
    ) -> CoreResult<CaseStatus> {
        // Without named units, dispatch follows the latest routing decision that found a unit.
        let (lead_id, co_ids) = match &input.lead_unit_id {
            Some(id) => (id.clone(), input.co_unit_ids.clone()),
            None => match self.latest_decision(change.case.id).await? {
                Some(d) if input.co_unit_ids.is_empty() => (d.lead_unit, d.co_units),
                _ => {
                    return Err(
                        ValidationError::new("lead_unit_id", "required", "no routing decision names a unit: name the lead unit").into()
                    );
                }
            },
        };
        let input = &StepInput { lead_unit_id: Some(lead_id), co_unit_ids: co_ids, ..input.clone() };
        let lead = self.dispatchable(p, "lead_unit_id", &required("lead_unit_id", &input.lead_unit_id, 64)?).await?;
        if input.co_unit_ids.len() > MAX_CO_UNITS {
            return Err(ValidationError::new("co_unit_ids", "too_many", format!("at most {MAX_CO_UNITS} co-units")).into());
        }
        let mut co = Vec::new();
        for (i, id) in input.co_unit_ids.iter().enumerate() {
            let u = self.dispatchable(p, &format!("co_unit_ids[{i}]"), id).await?;
            if u.id == lead.id || co.iter().any(|c: &unit::Model| c.id == u.id) {
                return Err(ValidationError::new(format!("co_unit_ids[{i}]"), "duplicate_unit", "a unit takes part once").into());
            }
            co.push(u);
        }
        let now = self.now();
        // Accepting a return and re-dispatching: the previous units step out.
        for part in parts.iter().filter(|x| x.status != ParticipantStatus::Withdrawn.as_str()) {
            withdraw(change, part);
        }
        assign(change, parts, &lead, ParticipantRole::Lead, now);
        for u in &co {
            assign(change, parts, u, ParticipantRole::Co, now);
        }
        change.case.lead_unit_id = Some(lead.id);
        self.restart_clocks(change, now).await?;
        change.reason = input.reason.clone();
        change.payload = json!({
            "lead_unit_id": lead.id,
            "lead_unit": lead.name,
            "co_unit_ids": co.iter().map(|u| u.id).collect::<Vec<_>>(),
            "sign_due_at": change.case.sign_due_at,
            "feedback_due_at": change.case.feedback_due_at,
        });
        Ok(CaseStatus::Dispatched)
    }

    pub(crate) fn sign(&self, change: &mut Change, mine: Option<case_participant::Model>, from: CaseStatus) -> CoreResult<CaseStatus> {
        let mut part = mine.ok_or(CoreError::Internal("sign without participant".into()))?;
        if part.status != ParticipantStatus::Assigned.as_str() {
            return Err(CoreError::conflict("already_signed", "your unit has already signed for this case"));
        }
        part.status = ParticipantStatus::Signed.as_str().to_owned();
        part.signed_at = Some(self.now());
        let lead = part.role == ParticipantRole::Lead.as_str();
        change.payload = json!({ "unit_id": part.unit_id, "role": part.role });
        change.update_parts.push(part);
        Ok(if lead { CaseStatus::Signed } else { from })
    }

    pub(crate) async fn reject_return(
        &self,
        change: &mut Change,
        parts: &[case_participant::Model],
        input: &StepInput,
    ) -> CoreResult<CaseStatus> {
        change.reason = Some(required("reason", &input.reason, 1000)?);
        let lead = parts
            .iter()
            .find(|x| x.role == ParticipantRole::Lead.as_str() && x.status != ParticipantStatus::Withdrawn.as_str())
            .cloned()
            .ok_or(CoreError::Internal("returned case without lead".into()))?;
        let mut x = lead;
        x.status = ParticipantStatus::Assigned.as_str().to_owned();
        x.signed_at = None;
        change.payload = json!({ "back_to_unit_id": x.unit_id });
        change.update_parts.push(x);
        self.restart_clocks(change, self.now()).await?;
        Ok(CaseStatus::Dispatched)
    }

    pub(crate) async fn change_lead(
        &self,
        p: &Principal,
        change: &mut Change,
        parts: &[case_participant::Model],
        input: &StepInput,
    ) -> CoreResult<CaseStatus> {
        let new_lead = self.dispatchable(p, "unit_id", &required("unit_id", &input.unit_id, 64)?).await?;
        change.reason = Some(required("reason", &input.reason, 1000)?);
        if change.case.lead_unit_id == Some(new_lead.id) {
            return Err(ValidationError::new("unit_id", "already_lead", "this unit already leads the case").into());
        }
        let now = self.now();
        for old in parts.iter().filter(|x| x.role == ParticipantRole::Lead.as_str() && x.status != ParticipantStatus::Withdrawn.as_str()) {
            withdraw(change, old);
        }
        assign(change, parts, &new_lead, ParticipantRole::Lead, now);
        let old = change.case.lead_unit_id;
        change.case.lead_unit_id = Some(new_lead.id);
        self.restart_clocks(change, now).await?;
        change.payload = json!({ "from_unit_id": old, "to_unit_id": new_lead.id });
        Ok(CaseStatus::Dispatched)
    }

    /// 二次派单: back to the same lead unit, with its next superior not yet involved added as a
    /// co-unit (escalation; a second reopening reaches the next level up).
    pub(crate) async fn reopen(&self, change: &mut Change, parts: &[case_participant::Model]) -> CoreResult<CaseStatus> {
        let now = self.now();
        let lead_id = change
            .case
            .lead_unit_id
            .ok_or(CoreError::conflict("invalid_transition", "a case that was never dispatched cannot be reopened"))?;
        let lead = units::find_any(&self.store.db, lead_id).await?.ok_or(CoreError::Internal("lead unit vanished".into()))?;
        let active: Vec<Uuid> = parts.iter().filter(|x| x.status != ParticipantStatus::Withdrawn.as_str()).map(|x| x.unit_id).collect();
        let escalated = units::ancestors(&self.store.db, lead.tenant_id, lead.id).await?.into_iter().find(|a| !active.contains(&a.id));
        assign(change, parts, &lead, ParticipantRole::Lead, now);
        if let Some(sup) = &escalated {
            assign(change, parts, sup, ParticipantRole::Co, now);
        }
        change.case.reopen_count += 1;
        if change.case.reopen_count >= 3 && !change.case.problem {
            change.case.problem = true;
            change.case.problem_reason = Some("reopened_3_times".into());
        }
        let previous_rating = change.case.rating.take();
        change.case.rating_comment = None;
        change.case.rated_at = None;
        change.case.closure = None;
        change.case.closed_at = None;
        change.case.feedback = None;
        change.case.feedback_resolved = None;
        change.case.feedback_details = None;
        self.restart_clocks(change, now).await?;
        change.payload = json!({
            "reopens": change.case.reopen_count,
            "escalated_to": escalated.as_ref().map(|u| u.id),
            "previous_rating": previous_rating,
        });
        Ok(CaseStatus::Dispatched)
    }
}

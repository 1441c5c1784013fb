//! CTI call events (ringing, answered, ended) from the call centre, idempotent by call id and
//! event, linked to the case the call produced, or kept as a call answered without a case.

use chrono::{DateTime, Utc};
use hotline_domain::case::PhoneNumber;
use hotline_domain::stats::call_occurrence;
use hotline_domain::{LineNumber, Role, ValidationError, parse_name};
use hotline_store::cases::{self, CaseScope};
use hotline_store::entities::call_event;
use hotline_store::{StoreError, support};
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult, Principal};

#[derive(Debug, Clone, Default)]
pub struct CallEventInput {
    pub call_id: String,
    pub event: String,
    pub at: Option<DateTime<Utc>>,
    pub dialled_number: Option<String>,
    pub caller_number: Option<String>,
    pub ivr_path: Option<String>,
    pub agent: Option<String>,
    pub recording_ref: Option<String>,
    pub case_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CallEventView {
    pub id: Uuid,
    pub call_id: String,
    pub event: String,
    pub at: DateTime<Utc>,
    pub dialled_number: Option<String>,
    /// Masked.
    pub caller_number: Option<String>,
    pub ivr_path: Option<String>,
    pub agent: Option<String>,
    pub recording_ref: Option<String>,
    pub case_id: Option<Uuid>,
}

const EVENTS: &[&str] = &["ringing", "answered", "ended"];

fn view(e: call_event::Model) -> CallEventView {
    CallEventView {
        id: e.id,
        call_id: e.call_id,
        event: e.event,
        at: e.at,
        dialled_number: e.dialled_number,
        caller_number: e.caller_masked,
        ivr_path: e.ivr_path,
        agent: e.agent,
        recording_ref: e.recording_ref,
        case_id: e.case_id,
    }
}

fn opt(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, ValidationError> {
    v.as_deref().filter(|s| !s.trim().is_empty()).map(|s| parse_name(field, s, max)).transpose()
}

impl Core {
    /// Records one call event. Returns the event and whether it was new (`false` = replay).
    pub async fn record_call_event(&self, p: &Principal, input: CallEventInput) -> CoreResult<(CallEventView, bool)> {
        if !p.has_any(&[Role::Integrator, Role::Agent]) {
            self.audit_denied(p, "call.record", &input.call_id, "missing role").await;
            return Err(CoreError::forbidden("call events come from the call centre's integrator key or an agent"));
        }
        let call_id = parse_name("call_id", &input.call_id, 64)?;
        if !EVENTS.contains(&input.event.as_str()) {
            return Err(ValidationError::new("event", "invalid_value", "event is ringing, answered or ended").into());
        }
        let tenant = p.tenant.id.0;
        if let Some(done) = support::find_call_event(&self.store.db, tenant, &call_id, &input.event).await? {
            return Ok((view(done), false));
        }
        // The call centre links calls to cases its tenant received, whoever took them in.
        let case_id = match input.case_id.as_deref() {
            Some(id) => {
                let unknown = || ValidationError::new("case_id", "unknown_case", "no case of this tenant has this id");
                let id = id.parse::<Uuid>().map_err(|_| unknown())?;
                Some(cases::find(&self.store.db, CaseScope::Tenant(tenant), id).await?.ok_or_else(unknown)?.id)
            }
            None => None,
        };
        let caller = input
            .caller_number
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| PhoneNumber::parse(c).map_err(|e| e.at("caller_number")))
            .transpose()?;
        let dialled = input
            .dialled_number
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| LineNumber::parse(d).map_err(|e| e.at("dialled_number")))
            .transpose()?;
        let now = self.now();
        let row = call_event::Model {
            id: Uuid::now_v7(),
            tenant_id: tenant,
            call_id: call_id.clone(),
            event: input.event.clone(),
            at: input.at.unwrap_or(now),
            dialled_number: dialled.map(|d| d.as_str().to_owned()),
            caller_hash: caller.as_ref().map(|c| self.pii.lookup_hash(c.as_str())),
            caller_masked: caller.as_ref().map(PhoneNumber::masked),
            caller_enc: caller.as_ref().map(|c| self.pii.encrypt(c.as_str())),
            ivr_path: opt("ivr_path", &input.ivr_path, 255)?,
            agent: opt("agent", &input.agent, 64)?,
            recording_ref: opt("recording_ref", &input.recording_ref, 255)?,
            case_id,
            created_at: now,
        };
        let earlier = support::call_events_of(&self.store.db, tenant, &call_id).await?;
        let at = |e: &str| earlier.iter().find(|x| x.event == e).map(|x| x.at);
        if at("ended").is_some() {
            // The call was counted when it ended; the telephony reports a call's events in order.
            return Err(CoreError::conflict("call_ended", "this call has ended: its ringing and answer come before its end"));
        }
        let txn = hotline_store::begin_write(&self.store.db).await?;
        match support::insert_call_event(&txn, row.clone()).await {
            Ok(()) => {}
            // The same event arrived twice at once: answer with the stored one.
            Err(StoreError::Conflict(_)) => {
                drop(txn);
                let done = support::find_call_event(&self.store.db, tenant, &call_id, &input.event).await?;
                return done.map(|d| (view(d), false)).ok_or(CoreError::Internal("call event vanished".into()));
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(case_id) = case_id {
            support::link_call(&txn, tenant, &call_id, case_id).await?;
        }
        if row.event == "ended" {
            // The outcome is known: the call counts for its tenant, on the day it ended.
            let call = call_occurrence(at("ringing"), at("answered"));
            self.count_all(&txn, vec![(crate::stats::Subject::call(tenant), vec![call])], row.at).await?;
        }
        txn.commit().await?;
        Ok((view(row), true))
    }

    pub async fn get_call(&self, p: &Principal, call_id: &str) -> CoreResult<Vec<CallEventView>> {
        if !p.has_any(&[Role::Integrator, Role::Agent, Role::Dispatcher, Role::CitySupervisor, Role::Auditor]) {
            return Err(CoreError::forbidden("reading calls needs a front-door or supervision role"));
        }
        let events = support::call_events_of(&self.store.db, p.tenant.id.0, call_id).await?;
        if events.is_empty() {
            return Err(CoreError::NotFound("call"));
        }
        Ok(events.into_iter().map(view).collect())
    }
}

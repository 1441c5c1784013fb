//! The lifecycle steps of a case. One entry point, `case_step`, loads the case, authorises the
//! step (role, unit or front door, state), applies it and writes the change with its event in
//! one transaction.

use chrono::Duration;
use hotline_domain::ValidationError;
use hotline_domain::case::{
    Action, CaseStatus, ClosureKind, ContactType, EmergencyLine, ParticipantStatus, Rating, ReturnReason, Urgency, check_note,
};
use hotline_domain::rules::RuleEvent;
use hotline_store::entities::{case, case_event, case_participant};
use hotline_store::{StoreError, cases};
use serde_json::{Value, json};
use uuid::Uuid;

use super::access::status_of;
use super::view::{CaseView, case_view};
use crate::{Core, CoreError, CoreResult, Principal};

/// The data a step may carry; each step reads the fields it needs and names missing ones.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub reason: Option<String>,
    pub reason_code: Option<String>,
    pub answer: Option<String>,
    pub referral: Option<String>,
    pub line: Option<String>,
    pub duplicate_of: Option<String>,
    pub lead_unit_id: Option<String>,
    pub co_unit_ids: Vec<String>,
    pub unit_id: Option<String>,
    pub days: Option<i64>,
    pub approve: Option<bool>,
    pub rating: Option<String>,
    pub comment: Option<String>,
    pub no_return_visit: Option<bool>,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub contact_type: Option<String>,
    pub text: Option<String>,
    pub feedback: Option<FeedbackInput>,
    /// The knowledge-base article a first-contact answer came from.
    pub article_id: Option<String>,
}

/// Feedback is owed even when the issue is not solved; then it names who is responsible, why
/// it is unsolved, the next steps and by when.
#[derive(Debug, Clone, Default)]
pub struct FeedbackInput {
    pub text: String,
    pub resolved: bool,
    pub responsible_unit: Option<String>,
    pub unresolved_reason: Option<String>,
    pub next_steps: Option<String>,
    pub next_date: Option<String>,
}

/// A change being prepared: the new case row, participant rows to write, and the event.
pub(crate) struct Change {
    pub case: case::Model,
    pub insert_parts: Vec<case_participant::Model>,
    pub update_parts: Vec<case_participant::Model>,
    pub reason: Option<String>,
    pub payload: Value,
    /// Another case touched by the step (the master of a duplicate link).
    pub other: Option<(case::Model, case_event::Model)>,
    /// Messages the step causes, written with it.
    pub outbox: Vec<hotline_store::entities::outbox::Model>,
    /// What the step means for the statistics, counted with it.
    pub stats: Vec<hotline_domain::stats::Occurrence>,
    /// The knowledge-base article a first-contact answer came from (its use is counted).
    pub answered_from: Option<Uuid>,
}

impl Change {
    /// A change that starts from `case` as it is.
    pub(crate) fn of(case: case::Model) -> Self {
        Change {
            case,
            insert_parts: vec![],
            update_parts: vec![],
            reason: None,
            payload: Value::Object(Default::default()),
            other: None,
            outbox: vec![],
            stats: vec![],
            answered_from: None,
        }
    }
}

pub(crate) fn required(field: &str, v: &Option<String>, max: usize) -> Result<String, ValidationError> {
    match v.as_deref() {
        Some(s) => check_note(field, s, max),
        None => Err(ValidationError::new(field, "required", format!("{field} is required for this step"))),
    }
}

pub(crate) fn parse_uuid(field: &str, v: &str) -> Result<Uuid, ValidationError> {
    v.parse::<Uuid>().map_err(|_| ValidationError::new(field, "invalid_id", format!("{field} is not a UUID")))
}

impl Core {
    pub async fn case_step(&self, p: &Principal, id: &str, action: Action, input: StepInput) -> CoreResult<CaseView> {
        let (c, parts) = self.visible_case_with_participants(p, id).await?;
        let mine = self.authorise_step(p, &c, action, &parts).await?;
        let from = status_of(&c)?;
        let mut change = Change::of(c.clone());
        let now = self.now();
        let to = match action {
            Action::Accept => self.accept(&mut change, &input)?,
            Action::AnswerDirectly => {
                change.case.answer = Some(required("answer", &input.answer, 4000)?);
                if let Some(article) = input.article_id.as_deref().filter(|a| !a.is_empty()) {
                    let a = self.answering_article(p, article).await?;
                    change.payload = json!({ "article": { "id": a.id, "version": a.published_version, "title": a.title } });
                    change.answered_from = Some(a.id);
                }
                close(&mut change, ClosureKind::Answered, now)
            }
            Action::Refer => {
                change.case.referral = Some(required("referral", &input.referral, 500)?);
                change.reason = input.reason.clone();
                close(&mut change, ClosureKind::Referred, now)
            }
            Action::TransferEmergency => {
                let line = EmergencyLine::parse(input.line.as_deref().unwrap_or_default())?;
                change.case.transfer_line = Some(line.as_str().to_owned());
                change.case.urgency = Urgency::Emergency.as_str().to_owned();
                change.reason = input.reason.clone();
                change.payload = json!({ "line": line.as_str() });
                close(&mut change, ClosureKind::Transferred, now)
            }
            Action::LinkDuplicate => self.link_duplicate(p, &mut change, &input).await?,
            Action::Dispatch => self.dispatch(p, &mut change, &parts, &input).await?,
            Action::Sign => self.sign(&mut change, mine.clone(), from)?,
            Action::Progress => {
                change.reason = Some(required("text", &input.text, 4000)?);
                CaseStatus::InProgress
            }
            Action::FollowUp => {
                change.reason = Some(required("text", &input.text, 4000)?);
                from
            }
            Action::Return => self.return_case(&mut change, &input)?,
            Action::RejectReturn => self.reject_return(&mut change, &parts, &input).await?,
            Action::RequestExtension => request_extension(&mut change, &input)?,
            Action::DecideExtension => decide_extension(&mut change, &input)?,
            Action::Contribute => contribute(&mut change, mine.clone(), &input, now)?,
            Action::Release => release(&mut change, &parts, &input, now)?,
            Action::ChangeLead => self.change_lead(p, &mut change, &parts, &input).await?,
            Action::GiveFeedback => self.give_feedback(&mut change, &parts, &input)?,
            Action::Rate => self.rate_change(&mut change, &parts, from, &input).await?,
            Action::Close => {
                change.reason = input.reason.clone();
                close(&mut change, ClosureKind::Resolved, now)
            }
            Action::SupervisionNotice => {
                change.reason = Some(required("text", &input.text, 4000)?);
                change.payload = json!({ "notice": true });
                from
            }
            Action::AnswerNotice => {
                let notice = cases::latest_event_at(&self.store.db, c.id, Action::SupervisionNotice.as_str()).await?;
                let answer = cases::latest_event_at(&self.store.db, c.id, Action::AnswerNotice.as_str()).await?;
                if notice.is_none() || answer >= notice {
                    return Err(CoreError::conflict("no_notice_pending", "there is no supervision notice waiting for an answer"));
                }
                change.reason = Some(required("text", &input.text, 4000)?);
                from
            }
            Action::Reopen => {
                if from == CaseStatus::Closed && change.case.closure.as_deref() != Some(ClosureKind::Resolved.as_str()) {
                    return Err(CoreError::conflict("invalid_transition", "only a case closed after handling can be reopened"));
                }
                change.reason = Some(required("reason", &input.reason, 1000)?);
                self.reopen(&mut change, &parts).await?
            }
        };
        change.outbox = self.step_messages(&change, action, to).await?;
        if change.case.problem && !c.problem {
            // 提级督办: a case that became a problem case goes up to the city office.
            let why = change.case.problem_reason.clone();
            change
                .outbox
                .extend(self.to_city_office(&self.store.db, &change.case, hotline_notify::templates::Kind::Supervision, why).await?);
        }
        let dispatch_due = if action == Action::Dispatch && c.lead_unit_id.is_none() { self.dispatch_due(&c).await? } else { None };
        change.stats = crate::stats::step_occurrences(action, &c, &change.case, to, &input, dispatch_due);
        if change.answered_from.is_some() {
            change.stats.push(hotline_domain::stats::Occurrence::AnsweredFromArticle);
        }
        let view = self.commit_change(p, change, action, from, to, mine.as_ref().map(|m| m.unit_id)).await?;
        // Rules may speak to what just happened: keep their advice for the dispatcher.
        let event = match action {
            Action::Return => Some(RuleEvent::CaseReturned),
            Action::Reopen => Some(RuleEvent::CaseReopened),
            Action::Rate if to == CaseStatus::Dispatched => Some(RuleEvent::CaseReopened),
            Action::Accept => Some(RuleEvent::CaseUpdated),
            _ => None,
        };
        if let Some(event) = event
            && let Some(c) = cases::find(&self.store.db, hotline_store::cases::CaseScope::All, view.id).await?
        {
            self.reroute(&c, event).await;
        }
        Ok(view)
    }

    /// Writes the change and its event; a concurrent change of the same case loses with 409.
    pub(crate) async fn commit_change(
        &self,
        p: &Principal,
        mut change: Change,
        action: Action,
        from: CaseStatus,
        to: CaseStatus,
        unit: Option<Uuid>,
    ) -> CoreResult<CaseView> {
        let now = self.now();
        change.case.status = to.as_str().to_owned();
        change.case.version += 1;
        change.case.updated_at = now;
        let txn = hotline_store::begin_write(&self.store.db).await?;
        cases::update(&txn, change.case.clone()).await.map_err(stale)?;
        // What the step counts travels in its event, so the drift check can recount it.
        let settled = self.settle(&txn, &change.case, std::mem::take(&mut change.stats), now).await?;
        for part in &change.insert_parts {
            cases::insert_participant(&txn, part.clone()).await?;
        }
        for part in &change.update_parts {
            cases::update_participant(&txn, part.clone()).await?;
        }
        let lines = self.step_lines(&txn, &change.case, &change.insert_parts).await?;
        // A step that counts nothing itself may still bring the case to a new line (a new lead).
        if (!settled.is_empty() || lines.iter().any(|l| l.joined))
            && let Value::Object(map) = &mut change.payload
        {
            let json = |v: serde_json::Result<Value>| v.map_err(|e| CoreError::Internal(e.to_string()));
            map.insert("stats".into(), json(serde_json::to_value(&settled))?);
            map.insert("lines".into(), json(serde_json::to_value(&lines))?);
        }
        let event = case_event::Model {
            id: Uuid::now_v7(),
            case_id: change.case.id,
            tenant_id: change.case.tenant_id,
            at: now,
            actor_kind: p.kind.as_str().to_owned(),
            actor_id: Some(p.id),
            actor_name: Some(p.name.clone()),
            actor_unit_id: unit.or(p.unit_id.map(|u| u.0)),
            action: action.as_str().to_owned(),
            from_status: Some(from.as_str().to_owned()),
            to_status: to.as_str().to_owned(),
            reason: change.reason.clone(),
            payload: Some(change.payload.to_string()),
        };
        cases::insert_event(&txn, event).await?;
        hotline_store::outbox::insert(&txn, std::mem::take(&mut change.outbox)).await?;
        if let Some(article) = change.answered_from {
            hotline_store::kb::count_answer(&txn, article).await?;
        }
        self.count_all(&txn, vec![(crate::stats::Subject::new(&change.case, lines), settled)], now).await?;
        if let Some((other, other_event)) = change.other.take() {
            cases::update(&txn, other).await.map_err(stale)?;
            cases::insert_event(&txn, other_event).await?;
        }
        txn.commit().await?;
        let parts = cases::participants(&self.store.db, change.case.id).await?;
        Ok(case_view(change.case, parts, p))
    }

    /// Who hears of a step: units of new work, dispatchers of returns, the lead of decisions.
    pub(crate) async fn step_messages(
        &self,
        change: &Change,
        action: Action,
        to: CaseStatus,
    ) -> CoreResult<Vec<hotline_store::entities::outbox::Model>> {
        use hotline_notify::templates::Kind;
        let db = &self.store.db;
        let c = &change.case;
        let mut out = Vec::new();
        let new_units =
            || change.insert_parts.iter().chain(change.update_parts.iter()).filter(|p| p.status == "assigned").map(|p| p.unit_id);
        match action {
            Action::Dispatch | Action::ChangeLead | Action::RejectReturn => {
                for unit in new_units() {
                    out.extend(self.to_unit(db, c, unit, Kind::NewCase, change.reason.clone()).await?);
                }
            }
            Action::Return => {
                out.extend(self.to_role(db, c, c.tenant_id, hotline_domain::Role::Dispatcher, Kind::Returned, change.reason.clone()).await?)
            }
            Action::SupervisionNotice => {
                if let Some(lead) = c.lead_unit_id {
                    out.extend(self.to_unit(db, c, lead, Kind::Supervision, change.reason.clone()).await?);
                }
            }
            Action::DecideExtension => {
                if let Some(lead) = c.lead_unit_id {
                    out.extend(self.to_unit(db, c, lead, Kind::ExtensionDecision, Some(change.payload.to_string())).await?);
                }
            }
            Action::Reopen | Action::Rate if to == CaseStatus::Dispatched => {
                for unit in new_units() {
                    out.extend(self.to_unit(db, c, unit, Kind::Reopened, change.reason.clone()).await?);
                }
            }
            _ => {}
        }
        Ok(out)
    }

    fn accept(&self, change: &mut Change, input: &StepInput) -> CoreResult<CaseStatus> {
        if let Some(t) = &input.contact_type {
            change.case.contact_type = ContactType::parse(t)?.as_str().to_owned();
        }
        if let Some(u) = &input.urgency {
            change.case.urgency = Urgency::parse(u)?.as_str().to_owned();
        }
        if let Some(cat) = input.category.as_deref().filter(|c| !c.trim().is_empty()) {
            change.case.category = Some(hotline_domain::parse_name("category", cat, 64)?);
        }
        change.payload =
            json!({ "contact_type": change.case.contact_type, "urgency": change.case.urgency, "category": change.case.category });
        Ok(CaseStatus::Accepted)
    }

    async fn link_duplicate(&self, p: &Principal, change: &mut Change, input: &StepInput) -> CoreResult<CaseStatus> {
        let target = required("duplicate_of", &input.duplicate_of, 64)?;
        let master = match self.visible_case(p, &target).await {
            Ok(m) => m,
            Err(CoreError::NotFound(_)) => {
                return Err(ValidationError::new("duplicate_of", "unknown_case", "no open case with this id").into());
            }
            Err(e) => return Err(e),
        };
        if master.id == change.case.id || master.duplicate_of.is_some() || master.status == CaseStatus::Closed.as_str() {
            return Err(ValidationError::new("duplicate_of", "not_linkable", "link to an open case that is not itself a duplicate").into());
        }
        let now = self.now();
        change.case.duplicate_of = Some(master.id);
        change.payload = json!({ "master": master.tracking_number });
        let mut m = master.clone();
        m.version += 1;
        m.updated_at = now;
        let event = case_event::Model {
            id: Uuid::now_v7(),
            case_id: m.id,
            tenant_id: m.tenant_id,
            at: now,
            actor_kind: p.kind.as_str().to_owned(),
            actor_id: Some(p.id),
            actor_name: Some(p.name.clone()),
            actor_unit_id: None,
            action: "duplicate_linked".into(),
            from_status: Some(m.status.clone()),
            to_status: m.status.clone(),
            reason: None,
            payload: Some(json!({ "duplicate": change.case.tracking_number }).to_string()),
        };
        change.other = Some((m, event));
        Ok(close(change, ClosureKind::Linked, now))
    }

    fn return_case(&self, change: &mut Change, input: &StepInput) -> CoreResult<CaseStatus> {
        let code = ReturnReason::parse(input.reason_code.as_deref().unwrap_or_default())?;
        change.reason = Some(required("reason", &input.reason, 1000)?);
        change.case.return_count += 1;
        if change.case.return_count >= 3 && !change.case.problem {
            // DOMAIN.md: repeated returns of one case are flagged.
            change.case.problem = true;
            change.case.problem_reason = Some("returned_3_times".into());
        }
        change.payload = json!({ "reason_code": code.as_str(), "returns": change.case.return_count });
        Ok(CaseStatus::Returned)
    }

    fn give_feedback(&self, change: &mut Change, parts: &[case_participant::Model], input: &StepInput) -> CoreResult<CaseStatus> {
        let fb = input.feedback.clone().ok_or_else(|| ValidationError::new("text", "required", "feedback needs a text"))?;
        let pending: Vec<&case_participant::Model> =
            parts.iter().filter(|x| x.role == "co" && matches!(x.status.as_str(), "assigned" | "signed")).collect();
        if !pending.is_empty() {
            return Err(CoreError::conflict(
                "contributions_missing",
                format!("{} co-unit(s) have neither reported nor been released", pending.len()),
            ));
        }
        let text = check_note("text", &fb.text, 4000)?;
        let details = if fb.resolved {
            json!({})
        } else {
            let date = required("next_date", &fb.next_date, 10)?;
            chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .map_err(|_| ValidationError::new("next_date", "invalid_date", "next_date is a date such as 2026-12-01"))?;
            json!({
                "responsible_unit": fb.responsible_unit.as_deref().map(|u| check_note("responsible_unit", u, 128)).transpose()?,
                "unresolved_reason": required("unresolved_reason", &fb.unresolved_reason, 1000)?,
                "next_steps": required("next_steps", &fb.next_steps, 1000)?,
                "next_date": date,
            })
        };
        // The answer travels in its event too: a reopened case gets a new one, and the public
        // history (Open311 updates) shows each answer at its step.
        change.payload = json!({ "resolved": fb.resolved, "text": text });
        change.case.feedback = Some(text);
        change.case.feedback_resolved = Some(fb.resolved);
        change.case.feedback_details = Some(details.to_string());
        Ok(CaseStatus::FeedbackGiven)
    }

    pub(crate) async fn rate_change(
        &self,
        change: &mut Change,
        parts: &[case_participant::Model],
        from: CaseStatus,
        input: &StepInput,
    ) -> CoreResult<CaseStatus> {
        let rating = Rating::parse(input.rating.as_deref().unwrap_or_default())?;
        if change.case.rating.is_some() {
            return Err(CoreError::conflict("already_rated", "this contact has been rated; one rating per contact"));
        }
        let comment = input.comment.as_deref().filter(|c| !c.trim().is_empty()).map(|c| check_note("comment", c, 1000)).transpose()?;
        let now = self.now();
        change.case.rating = Some(rating.as_str().to_owned());
        change.case.rating_comment = comment;
        change.case.rated_at = Some(now);
        change.case.no_return_visit = input.no_return_visit.unwrap_or(change.case.no_return_visit);
        change.payload = json!({ "rating": rating.as_str() });
        let handled = from == CaseStatus::FeedbackGiven || change.case.closure.as_deref() == Some(ClosureKind::Resolved.as_str());
        if rating.is_dissatisfied() && handled {
            // 二次派单: a dissatisfied result goes back to the units, escalated.
            change.reason = Some("citizen dissatisfied".into());
            return self.reopen(change, parts).await;
        }
        if from == CaseStatus::FeedbackGiven {
            return Ok(close(change, ClosureKind::Resolved, now));
        }
        Ok(from)
    }
}

pub(crate) fn close(change: &mut Change, kind: ClosureKind, now: chrono::DateTime<chrono::Utc>) -> CaseStatus {
    change.case.closure = Some(kind.as_str().to_owned());
    change.case.closed_at = Some(now);
    if change.payload == json!({}) {
        change.payload = json!({ "closure": kind.as_str() });
    }
    CaseStatus::Closed
}

fn request_extension(change: &mut Change, input: &StepInput) -> CoreResult<CaseStatus> {
    if change.case.extension_days.is_some() {
        return Err(CoreError::conflict("extension_pending", "an extension request is already waiting for a decision"));
    }
    let days = input.days.ok_or_else(|| ValidationError::new("days", "required", "how many days more"))?;
    if !(1..=30).contains(&days) {
        return Err(ValidationError::new("days", "out_of_range", "an extension is 1 to 30 days").into());
    }
    let reason = required("reason", &input.reason, 1000)?;
    change.case.extension_days = Some(days as i32);
    change.case.extension_reason = Some(reason.clone());
    change.reason = Some(reason);
    change.payload = json!({ "days": days });
    status_of(&change.case)
}

fn decide_extension(change: &mut Change, input: &StepInput) -> CoreResult<CaseStatus> {
    let Some(days) = change.case.extension_days else {
        return Err(CoreError::conflict("no_extension_pending", "no extension request is waiting"));
    };
    let approve = input.approve.ok_or_else(|| ValidationError::new("approve", "required", "approve: true or false"))?;
    if !approve {
        change.reason = Some(required("reason", &input.reason, 1000)?);
    } else {
        change.reason = input.reason.clone();
        let base = change.case.feedback_due_at.unwrap_or(change.case.updated_at);
        change.case.feedback_due_at = Some(base + Duration::days(days as i64));
    }
    change.case.extension_days = None;
    change.case.extension_reason = None;
    change.payload = json!({ "approved": approve, "days": days, "feedback_due_at": change.case.feedback_due_at });
    status_of(&change.case)
}

fn contribute(
    change: &mut Change,
    mine: Option<case_participant::Model>,
    input: &StepInput,
    now: chrono::DateTime<chrono::Utc>,
) -> CoreResult<CaseStatus> {
    let mut part = mine.ok_or(CoreError::Internal("co-unit step without participant".into()))?;
    match part.status.as_str() {
        "assigned" => return Err(CoreError::conflict("sign_first", "sign for the case before contributing")),
        "contributed" | "released" => {
            return Err(CoreError::conflict("already_reported", "this unit has already reported or was released"));
        }
        _ => {}
    }
    let text = required("text", &input.text, 4000)?;
    part.status = ParticipantStatus::Contributed.as_str().to_owned();
    part.contribution = Some(text);
    part.contributed_at = Some(now);
    change.payload = json!({ "unit_id": part.unit_id });
    change.update_parts.push(part);
    status_of(&change.case)
}

fn release(
    change: &mut Change,
    parts: &[case_participant::Model],
    input: &StepInput,
    now: chrono::DateTime<chrono::Utc>,
) -> CoreResult<CaseStatus> {
    let unit = parse_uuid("unit_id", &required("unit_id", &input.unit_id, 64)?)?;
    let reason = required("reason", &input.reason, 1000)?;
    let mut part = parts
        .iter()
        .find(|x| x.unit_id == unit && x.role == "co" && matches!(x.status.as_str(), "assigned" | "signed"))
        .cloned()
        .ok_or_else(|| ValidationError::new("unit_id", "not_pending_co_unit", "not a co-unit that still owes its contribution"))?;
    part.status = ParticipantStatus::Released.as_str().to_owned();
    part.released_at = Some(now);
    change.reason = Some(reason);
    change.payload = json!({ "unit_id": unit });
    change.update_parts.push(part);
    status_of(&change.case)
}

fn stale(e: StoreError) -> CoreError {
    match e {
        StoreError::Conflict(_) => CoreError::conflict("case_changed", "the case was changed meanwhile; reload and retry"),
        other => other.into(),
    }
}

//! Counting (issue 6): the occurrences a step or an intake means for the statistics, turned
//! into counter increments at their grain and written in the transaction of the event.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hotline_domain::case::{Action, CaseStatus, Rating};
use hotline_domain::stats::{Occurrence, effect, local_day};
use hotline_store::ConnectionTrait;
use hotline_store::entities::case;
use hotline_store::stats::{self, Grain, Increment, Scope};
use uuid::Uuid;

use crate::{Core, CoreResult};

/// What a step means for the statistics, before the sign-for and feedback clocks are arbitrated
/// (`decides` is settled when the step is written).
pub(crate) fn step_occurrences(
    action: Action,
    before: &case::Model,
    after: &case::Model,
    to: CaseStatus,
    input: &crate::cases::StepInput,
    dispatch_due: Option<DateTime<Utc>>,
) -> Vec<Occurrence> {
    let mut out = Vec::new();
    match action {
        Action::AnswerDirectly => out.push(Occurrence::AnsweredDirectly),
        // A first dispatch runs against the dispatch limit; a re-dispatch after a return has
        // no limit of its own to miss.
        Action::Dispatch => out.push(Occurrence::Dispatched { due: if before.lead_unit_id.is_none() { dispatch_due } else { None } }),
        Action::Sign if to == CaseStatus::Signed => out.push(Occurrence::Signed { due: after.sign_due_at, decides: false }),
        Action::Return => out.push(Occurrence::Returned),
        Action::DecideExtension => out.push(Occurrence::ExtensionDecided { approved: input.approve == Some(true) }),
        Action::GiveFeedback => out.push(Occurrence::FeedbackGiven {
            due: before.feedback_due_at,
            resolved: after.feedback_resolved == Some(true),
            decides: false,
        }),
        Action::Rate => {
            // The rating as given: a dissatisfied one reopens the case, which clears it there.
            if let Some(r) = input.rating.as_deref().and_then(|r| Rating::parse(r).ok()) {
                out.push(Occurrence::Rated { rating: r });
            }
            if to == CaseStatus::Dispatched {
                out.push(Occurrence::Reopened);
            }
        }
        Action::Reopen => out.push(Occurrence::Reopened),
        _ => {}
    }
    if to == CaseStatus::Closed && before.status != CaseStatus::Closed.as_str() {
        out.push(Occurrence::Closed { received_at: before.created_at });
    }
    if after.problem && !before.problem {
        out.push(Occurrence::BecameProblem);
    }
    out
}

/// Settles which clock a step decides: the first to record `(case, stage, decided, due)` in the
/// deadline ledger — the step meeting the clock, or the sweep finding it passed — decides it.
pub(crate) async fn decide_clock(
    db: &impl ConnectionTrait,
    c: &case::Model,
    stage: &str,
    due: DateTime<Utc>,
    at: DateTime<Utc>,
) -> CoreResult<bool> {
    Ok(hotline_store::sweep::record_decided_by_step(db, c.id, c.tenant_id, stage, due, at).await?)
}

/// Where a case counts in the line scope (条线): each line taking part — the lead's line with
/// the lead unit, each co-unit's line with its co-unit — or the receiving tenant while no unit
/// has the case. Kept in the counting event's payload (`lines`) for the drift check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LineShare {
    pub line: Uuid,
    /// The nil id before any dispatch.
    pub unit: Uuid,
    /// The lead's line counts everything; a co-unit's line what `Occurrence::for_co_line` keeps.
    pub lead: bool,
    /// The case reached this line with this step: the line counts it received.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub joined: bool,
}

impl LineShare {
    /// What this line counts of `occurrences`.
    pub fn occurrences(&self, occurrences: &[Occurrence]) -> Vec<Occurrence> {
        let mut out: Vec<Occurrence> =
            if self.lead { occurrences.to_vec() } else { occurrences.iter().filter_map(Occurrence::for_co_line).collect() };
        if self.joined {
            out.push(Occurrence::Received { answered_directly: false });
        }
        out
    }
}

/// The lead's line and unit, or the receiving tenant while no unit leads.
fn lead_share(receiving: Uuid, lead_unit: Option<Uuid>, lead_line: Option<Uuid>) -> LineShare {
    match (lead_unit, lead_line) {
        (Some(unit), Some(line)) => LineShare { line, unit, lead: true, joined: false },
        _ => LineShare { line: receiving, unit: Uuid::nil(), lead: true, joined: false },
    }
}

/// The lines a case counts in after a step: the lead's first, then co-units' lines not yet
/// named (withdrawn and released units no longer take part); `before` are the lines the case
/// had reached before the step (the receiving tenant and every unit it ever had).
pub(crate) fn line_shares(
    c: &case::Model,
    parts: &[hotline_store::entities::case_participant::Model],
    lead_line: Option<Uuid>,
    before: &[Uuid],
) -> Vec<LineShare> {
    let mut out = vec![lead_share(c.tenant_id, c.lead_unit_id, lead_line)];
    for p in parts {
        let active = p.role == "co" && !matches!(p.status.as_str(), "released" | "withdrawn");
        if active && !out.iter().any(|s| s.line == p.tenant_id) {
            out.push(LineShare { line: p.tenant_id, unit: p.unit_id, lead: false, joined: false });
        }
    }
    for s in &mut out {
        s.joined = !before.contains(&s.line);
    }
    out
}

/// What the grain of a count is taken from: the case's dimensions and the lines it counts in.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub tenant_id: Uuid,
    pub lead_unit_id: Option<Uuid>,
    pub category: Option<String>,
    pub contact_type: String,
    pub urgency: String,
    pub channel: String,
    pub district: Option<String>,
    pub lines: Vec<LineShare>,
}

impl Subject {
    pub fn new(c: &case::Model, lines: Vec<LineShare>) -> Self {
        Subject {
            tenant_id: c.tenant_id,
            lead_unit_id: c.lead_unit_id,
            category: c.category.clone(),
            contact_type: c.contact_type.clone(),
            urgency: c.urgency.clone(),
            channel: c.channel.clone(),
            district: c.district.clone(),
            lines,
        }
    }

    /// A call's subject: the call centre's tenant, on the phone channel, no unit.
    pub fn call(tenant: Uuid) -> Self {
        Subject {
            tenant_id: tenant,
            lead_unit_id: None,
            category: None,
            contact_type: String::new(),
            urgency: String::new(),
            channel: hotline_domain::case::Channel::Phone.as_str().to_owned(),
            district: None,
            lines: vec![LineShare { line: tenant, unit: Uuid::nil(), lead: true, joined: false }],
        }
    }

    /// A sweep's subject: its occurrences are the lead's clocks, counted in the lead's line.
    pub fn of_ref(c: &hotline_store::sweep::CaseRef, lead_line: Option<Uuid>) -> Self {
        let share = lead_share(c.tenant_id, c.lead_unit_id, lead_line);
        Subject {
            tenant_id: c.tenant_id,
            lead_unit_id: c.lead_unit_id,
            category: c.category.clone(),
            contact_type: c.contact_type.clone(),
            urgency: c.urgency.clone(),
            channel: c.channel.clone(),
            district: c.district.clone(),
            lines: vec![share],
        }
    }
}

impl Core {
    /// Settles the clocks a step's `occurrences` decide (see `decide_clock`).
    pub(crate) async fn settle(
        &self,
        db: &impl ConnectionTrait,
        c: &case::Model,
        occurrences: Vec<Occurrence>,
        at: DateTime<Utc>,
    ) -> CoreResult<Vec<Occurrence>> {
        let mut settled = Vec::with_capacity(occurrences.len());
        for o in occurrences {
            settled.push(match o {
                Occurrence::Signed { due: Some(due), .. } => {
                    Occurrence::Signed { due: Some(due), decides: decide_clock(db, c, "sign", due, at).await? }
                }
                Occurrence::Signed { due: None, .. } => Occurrence::Signed { due: None, decides: true },
                Occurrence::FeedbackGiven { due: Some(due), resolved, .. } => {
                    Occurrence::FeedbackGiven { due: Some(due), resolved, decides: decide_clock(db, c, "feedback", due, at).await? }
                }
                Occurrence::FeedbackGiven { due: None, resolved, .. } => Occurrence::FeedbackGiven { due: None, resolved, decides: true },
                other => other,
            });
        }
        Ok(settled)
    }

    /// The lines a case counts in after a step whose participants are written (`line_shares`).
    /// `inserted` are the participants the step added.
    pub(crate) async fn step_lines(
        &self,
        db: &impl ConnectionTrait,
        c: &case::Model,
        inserted: &[hotline_store::entities::case_participant::Model],
    ) -> CoreResult<Vec<LineShare>> {
        let parts = hotline_store::cases::participants(db, c.id).await?;
        let fresh = |id: Uuid| inserted.iter().any(|x| x.id == id);
        let before: Vec<Uuid> = std::iter::once(c.tenant_id).chain(parts.iter().filter(|x| !fresh(x.id)).map(|x| x.tenant_id)).collect();
        let lead_line = parts.iter().find(|x| Some(x.unit_id) == c.lead_unit_id).map(|x| x.tenant_id);
        Ok(line_shares(c, &parts, lead_line, &before))
    }

    /// The line of each unit in `units` (the tenant it belongs to).
    pub(crate) async fn lines_of_units(&self, db: &impl ConnectionTrait, units: Vec<Uuid>) -> CoreResult<HashMap<Uuid, Uuid>> {
        let mut out = HashMap::new();
        for u in units {
            if let std::collections::hash_map::Entry::Vacant(e) = out.entry(u)
                && let Some(unit) = hotline_store::units::find_any(db, u).await?
            {
                e.insert(unit.tenant_id);
            }
        }
        Ok(out)
    }

    /// Counts occurrences for the platform (each case once, under the tenant that received it)
    /// and for each line the case counts in (`Subject::lines`), on the local day of `at` in
    /// each tenant's time zone — in one upsert.
    pub(crate) async fn count_all(
        &self,
        db: &impl ConnectionTrait,
        items: Vec<(Subject, Vec<Occurrence>)>,
        at: DateTime<Utc>,
    ) -> CoreResult<()> {
        let increments = self.increments(db, items, at).await?;
        stats::add(db, &increments).await?;
        Ok(())
    }

    /// The counter increments of `items` at `at`, without writing them (group-committed
    /// intake adds a whole batch's in one statement).
    pub(crate) async fn increments(
        &self,
        db: &impl ConnectionTrait,
        items: Vec<(Subject, Vec<Occurrence>)>,
        at: DateTime<Utc>,
    ) -> CoreResult<Vec<Increment>> {
        let mut day_of: HashMap<Uuid, chrono::NaiveDate> = HashMap::new();
        let mut increments = Vec::new();
        for (s, occurrences) in items {
            let platform = (Scope::Platform, s.tenant_id, s.lead_unit_id.unwrap_or_else(Uuid::nil), occurrences.clone());
            let lines = s.lines.iter().map(|l| (Scope::Line, l.line, l.unit, l.occurrences(&occurrences)));
            for (scope, tenant, unit_id, occurrences) in std::iter::once(platform).chain(lines) {
                let day = match day_of.get(&tenant) {
                    Some(d) => *d,
                    None => {
                        let d = local_day(at, self.tenant_tz(db, tenant).await?);
                        day_of.insert(tenant, d);
                        d
                    }
                };
                let grain = Grain {
                    scope,
                    tenant_id: tenant,
                    day,
                    unit_id,
                    category: s.category.clone().unwrap_or_default(),
                    contact_type: s.contact_type.clone(),
                    urgency: s.urgency.clone(),
                    channel: s.channel.clone(),
                    district: s.district.clone().unwrap_or_default(),
                };
                for o in &occurrences {
                    let e = effect(o, at);
                    if !e.counters.is_empty() {
                        increments.push(Increment { grain: grain.clone(), counters: e.counters, handling_bucket: e.handling_bucket });
                    }
                }
            }
        }
        Ok(increments)
    }
}

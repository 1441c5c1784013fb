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

/// What the grain of a count is taken from: the case's dimensions and its lead unit.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub tenant_id: Uuid,
    pub lead_unit_id: Option<Uuid>,
    pub category: Option<String>,
    pub contact_type: String,
    pub urgency: String,
    pub channel: String,
    pub district: Option<String>,
}

impl From<&case::Model> for Subject {
    fn from(c: &case::Model) -> Self {
        Subject {
            tenant_id: c.tenant_id,
            lead_unit_id: c.lead_unit_id,
            category: c.category.clone(),
            contact_type: c.contact_type.clone(),
            urgency: c.urgency.clone(),
            channel: c.channel.clone(),
            district: c.district.clone(),
        }
    }
}

impl From<&hotline_store::sweep::CaseRef> for Subject {
    fn from(c: &hotline_store::sweep::CaseRef) -> Self {
        Subject {
            tenant_id: c.tenant_id,
            lead_unit_id: c.lead_unit_id,
            category: c.category.clone(),
            contact_type: c.contact_type.clone(),
            urgency: c.urgency.clone(),
            channel: c.channel.clone(),
            district: c.district.clone(),
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

    /// Counts occurrences for the platform (under the tenant that received the case) and for
    /// the line of the unit concerned (the lead's line, or the receiving tenant before any
    /// dispatch), on the local day of `at` in each tenant's time zone — in one upsert.
    pub(crate) async fn count_all(
        &self,
        db: &impl ConnectionTrait,
        items: Vec<(Subject, Vec<Occurrence>)>,
        at: DateTime<Utc>,
    ) -> CoreResult<()> {
        let mut line_of: HashMap<Uuid, Uuid> = HashMap::new();
        let mut day_of: HashMap<Uuid, chrono::NaiveDate> = HashMap::new();
        let mut increments = Vec::new();
        for (s, occurrences) in items {
            let line = match s.lead_unit_id {
                Some(u) => match line_of.get(&u) {
                    Some(t) => *t,
                    None => {
                        let t = hotline_store::units::find_any(db, u).await?.map(|u| u.tenant_id).unwrap_or(s.tenant_id);
                        line_of.insert(u, t);
                        t
                    }
                },
                None => s.tenant_id,
            };
            for (scope, tenant) in [(Scope::Platform, s.tenant_id), (Scope::Line, line)] {
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
                    unit_id: s.lead_unit_id.unwrap_or_else(Uuid::nil),
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
        stats::add(db, &increments).await?;
        Ok(())
    }
}

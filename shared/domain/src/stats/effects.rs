//! Which counters an occurrence moves. One function serves the live path (counters updated in
//! the transaction of the event) and the drift check (counters recomputed from cases and
//! events), so both count by the same rules.
//!
//! A clock is *decided* once: by the step that meets it (signing, feedback) or by the sweep
//! when it passes unmet, whichever comes first. The caller knows which came first (the
//! deadline ledger's once-only key arbitrates) and says so with `decides`.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{Counter, handling_bucket};
use crate::case::Rating;

/// Something that happened to a case (or a call) that the statistics count. Kept in its
/// event's payload (`stats`), so the drift check can recount from the event log.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Occurrence {
    /// A contact became a case; `answered_directly` when the front door answered it at once.
    Received {
        answered_directly: bool,
    },
    /// The front door answered a case it had accepted.
    AnsweredDirectly,
    /// The front door's answer was given from a knowledge-base article (emitted beside
    /// `AnsweredDirectly`, which counts the answer itself).
    AnsweredFromArticle,
    /// A lead unit was given the case; `due` is the dispatch deadline (none: no limit to miss).
    Dispatched {
        due: Option<DateTime<Utc>>,
    },
    /// The lead signed for the case against its sign-for deadline.
    Signed {
        due: Option<DateTime<Utc>>,
        decides: bool,
    },
    /// The sign-for deadline passed unsigned (the sweep).
    SignDeadlinePassed {
        decides: bool,
    },
    /// The lead gave feedback against its (possibly extended) feedback deadline.
    FeedbackGiven {
        due: Option<DateTime<Utc>>,
        resolved: bool,
        decides: bool,
    },
    /// The feedback deadline passed without feedback (the sweep).
    FeedbackDeadlinePassed {
        decides: bool,
    },
    Rated {
        rating: Rating,
    },
    /// The case was closed; handling time runs from `received_at`.
    Closed {
        received_at: DateTime<Utc>,
    },
    Returned,
    Reopened,
    ExtensionDecided {
        approved: bool,
    },
    BecameProblem,
    /// A call offered by the telephony: answered after `answered_after_seconds`, or abandoned.
    Call {
        answered_after_seconds: Option<i64>,
    },
}

impl Occurrence {
    /// What the line of a co-unit (协办) counts of this occurrence, in the line scope: the
    /// outcome of the joint case — its feedback and whether it resolved the issue, the rating,
    /// closure and handling time, reopening, becoming a problem case — but none of the lead's
    /// own acts and clocks (dispatch, signing, deadlines, returns, extensions), which count in
    /// the lead's line only. So each line taking part counts the case once.
    pub fn for_co_line(&self) -> Option<Occurrence> {
        match self {
            Occurrence::Received { .. }
            | Occurrence::Rated { .. }
            | Occurrence::Closed { .. }
            | Occurrence::Reopened
            | Occurrence::BecameProblem => Some(self.clone()),
            // The answer is one; its timeliness is the lead's clock.
            Occurrence::FeedbackGiven { due, resolved, .. } => {
                Some(Occurrence::FeedbackGiven { due: *due, resolved: *resolved, decides: false })
            }
            Occurrence::AnsweredDirectly
            | Occurrence::AnsweredFromArticle
            | Occurrence::Dispatched { .. }
            | Occurrence::Signed { .. }
            | Occurrence::SignDeadlinePassed { .. }
            | Occurrence::FeedbackDeadlinePassed { .. }
            | Occurrence::Returned
            | Occurrence::ExtensionDecided { .. }
            | Occurrence::Call { .. } => None,
        }
    }
}

/// What an occurrence adds: counter increments and, for a closure, a handling-time bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effect {
    pub counters: Vec<(Counter, i64)>,
    pub handling_bucket: Option<usize>,
}

/// GB/T 33358: calls answered within this many seconds count as answered in time.
pub const ANSWER_WITHIN_SECONDS: i64 = 15;

fn on_time(at: DateTime<Utc>, due: Option<DateTime<Utc>>) -> bool {
    due.is_none_or(|d| at <= d)
}

/// The counters `what`, happening at `at`, moves.
pub fn effect(what: &Occurrence, at: DateTime<Utc>) -> Effect {
    use Counter::*;
    let mut c: Vec<(Counter, i64)> = Vec::new();
    let mut bucket = None;
    match what {
        Occurrence::Received { answered_directly } => {
            c.push((Received, 1));
            if *answered_directly {
                c.push((AnsweredDirectly, 1));
            }
        }
        Occurrence::AnsweredDirectly => c.push((AnsweredDirectly, 1)),
        Occurrence::AnsweredFromArticle => c.push((AnsweredFromKnowledge, 1)),
        Occurrence::Dispatched { due } => {
            c.push((Dispatched, 1));
            if on_time(at, *due) {
                c.push((DispatchedOnTime, 1));
            }
        }
        Occurrence::Signed { due, decides } => {
            // A late signature decides nothing the sweep has not: only a first decision counts.
            if *decides {
                c.push((SignDecided, 1));
                if on_time(at, *due) {
                    c.push((SignedOnTime, 1));
                }
            }
        }
        Occurrence::SignDeadlinePassed { decides } | Occurrence::FeedbackDeadlinePassed { decides } if !decides => {}
        Occurrence::SignDeadlinePassed { .. } => c.push((SignDecided, 1)),
        Occurrence::FeedbackDeadlinePassed { .. } => c.push((FeedbackDecided, 1)),
        Occurrence::FeedbackGiven { due, resolved, decides } => {
            c.push((FeedbackGiven, 1));
            if *resolved {
                c.push((FeedbackResolved, 1));
            }
            if *decides {
                c.push((FeedbackDecided, 1));
                if on_time(at, *due) {
                    c.push((FeedbackOnTime, 1));
                }
            }
        }
        Occurrence::Rated { rating: r } => {
            c.push((Rated, 1));
            if matches!(r, Rating::Satisfied | Rating::VerySatisfied) {
                c.push((RatedSatisfied, 1));
            }
        }
        Occurrence::Closed { received_at } => {
            let seconds = (at - *received_at).num_seconds().max(0);
            c.extend([(Closed, 1), (HandlingCount, 1), (HandlingSeconds, seconds)]);
            bucket = Some(handling_bucket(seconds));
        }
        Occurrence::Returned => c.push((Returned, 1)),
        Occurrence::Reopened => c.push((Reopened, 1)),
        Occurrence::ExtensionDecided { approved } => {
            if *approved {
                c.push((ExtensionsApproved, 1));
            }
        }
        Occurrence::BecameProblem => c.push((ProblemFlagged, 1)),
        Occurrence::Call { answered_after_seconds } => {
            c.push((Calls, 1));
            match answered_after_seconds {
                Some(s) => {
                    c.push((CallsAnswered, 1));
                    if *s <= ANSWER_WITHIN_SECONDS {
                        c.push((CallsAnsweredWithin15s, 1));
                    }
                }
                None => c.push((CallsAbandoned, 1)),
            }
        }
    }
    Effect { counters: c, handling_bucket: bucket }
}

/// A call that ended, as the telephony reported it: offered when it rang — or, if its ringing
/// was never reported, when it was answered — and answered after the wait, or abandoned.
pub fn call_occurrence(rang: Option<DateTime<Utc>>, answered: Option<DateTime<Utc>>) -> Occurrence {
    let wait = |a: DateTime<Utc>| rang.map_or(0, |r| (a - r).num_seconds().max(0));
    Occurrence::Call { answered_after_seconds: answered.map(wait) }
}

/// The local day an occurrence counts on, in the line's time zone.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

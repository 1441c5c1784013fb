//! Figures the city office compares (考评), as pure definitions: the counters the platform keeps
//! at the statistics grain, and every published figure as a formula over summed counters.
//! Rates are always computed from counted numerators and denominators, never averaged.
//! `docs/METRICS.md` is generated from these definitions (a test keeps them equal).

mod doc;
mod effects;
mod histogram;
mod period;
mod rank;

use std::collections::HashMap;

use crate::error::word_enum;

pub use doc::metrics_markdown;
pub use effects::{ANSWER_WITHIN_SECONDS, Effect, Occurrence, call_occurrence, effect, local_day};
pub use histogram::{HANDLING_BUCKETS, handling_bucket, percentile};
pub use period::{Bucket, DEFAULT_DAYS, DayRange, MAX_DAYS, label};
pub use rank::{Ranked, rank};

word_enum!(
    /// What is counted, per grain (line, unit, category, contact type, urgency, channel,
    /// district, local day). Each counter is incremented once, on the local day of the event
    /// that decides it.
    Counter, "counter" {
        /// A contact became a case (受理).
        Received = "received",
        /// The front door answered it at first contact (直接答复).
        AnsweredDirectly = "answered_directly",
        /// … of them answered from a knowledge-base article (知识库解答).
        AnsweredFromKnowledge = "answered_from_knowledge",
        /// A lead unit was given the case (派单), re-dispatches included.
        Dispatched = "dispatched",
        /// … within the dispatch time limit.
        DispatchedOnTime = "dispatched_on_time",
        /// The sign-for outcome is known: signed in time, or the deadline passed unsigned.
        SignDecided = "sign_decided",
        /// Signed for within the time limit (签收).
        SignedOnTime = "signed_on_time",
        /// The feedback outcome is known: given in time, or the deadline passed without it.
        FeedbackDecided = "feedback_decided",
        /// Feedback given within the (possibly extended) time limit.
        FeedbackOnTime = "feedback_on_time",
        /// Feedback given (回复), on time or late.
        FeedbackGiven = "feedback_given",
        /// … saying the issue is resolved.
        FeedbackResolved = "feedback_resolved",
        /// A citizen rated the result (好差评).
        Rated = "rated",
        /// … satisfied or very satisfied.
        RatedSatisfied = "rated_satisfied",
        /// The case was closed (办结).
        Closed = "closed",
        /// A unit returned the case (退单).
        Returned = "returned",
        /// A dissatisfied citizen's case went back (二次派单 / 发回重办).
        Reopened = "reopened",
        /// An extension was approved (延期).
        ExtensionsApproved = "extensions_approved",
        /// The case became a problem case (3 returns or 3 reopenings).
        ProblemFlagged = "problem_flagged",
        /// Closed cases with a measured handling time (intake to closure).
        HandlingCount = "handling_count",
        /// Their handling time summed, in seconds.
        HandlingSeconds = "handling_seconds",
        /// Calls offered by the telephony (CTI).
        Calls = "calls",
        /// … answered by an agent.
        CallsAnswered = "calls_answered",
        /// … answered within 15 seconds (GB/T 33358).
        CallsAnsweredWithin15s = "calls_answered_within_15s",
        /// … abandoned by the caller before an answer.
        CallsAbandoned = "calls_abandoned",
    }
);

impl serde::Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Summed counters of some set of grains (a line for a month, a unit for a week …), with the
/// handling-time histogram.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    values: HashMap<Counter, i64>,
    /// Closed cases per handling-time bucket (`HANDLING_BUCKETS`).
    pub handling: Vec<i64>,
    /// Open cases past the lead's feedback deadline when read: a state, not a counter; `None`
    /// where it does not apply (a past day of a time series).
    pub overdue_now: Option<i64>,
}

impl Counts {
    pub fn get(&self, c: Counter) -> i64 {
        self.values.get(&c).copied().unwrap_or(0)
    }

    pub fn add(&mut self, c: Counter, n: i64) {
        *self.values.entry(c).or_default() += n;
    }

    pub fn add_handling(&mut self, bucket: usize, n: i64) {
        if self.handling.len() < HANDLING_BUCKETS.len() {
            self.handling.resize(HANDLING_BUCKETS.len(), 0);
        }
        if let Some(b) = self.handling.get_mut(bucket) {
            *b += n;
        }
    }

    /// Adds what one occurrence moves.
    pub fn apply(&mut self, e: &Effect) {
        for (c, n) in &e.counters {
            self.add(*c, *n);
        }
        if let Some(b) = e.handling_bucket {
            self.add_handling(b, 1);
        }
    }

    /// Adds another set of counts (summing grains).
    pub fn merge(&mut self, other: &Counts) {
        for (c, n) in &other.values {
            self.add(*c, *n);
        }
        for (i, n) in other.handling.iter().enumerate() {
            self.add_handling(i, *n);
        }
        if let Some(n) = other.overdue_now {
            self.overdue_now = Some(self.overdue_now.unwrap_or(0) + n);
        }
    }
}

/// How a figure is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Formula {
    /// A summed counter.
    Count(Counter),
    /// `numerator / denominator`, undefined (null) when the denominator is 0.
    Rate(Counter, Counter),
    /// `sum / count` of a measured quantity, in its unit.
    Mean(Counter, Counter),
    /// A percentile of the handling-time histogram, in seconds (upper bound of its bucket).
    HandlingPercentile(u8),
    /// Open cases past the lead's feedback deadline at the moment of reading.
    OverdueNow,
}

macro_rules! metrics {
    ($($variant:ident = $name:literal, $zh:literal, $formula:expr, $note:literal;)+) => {
        /// A published figure: its API name, Chinese name, formula and what it means.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Metric { $($variant),+ }

        impl Metric {
            pub const ALL: &'static [Metric] = &[$(Metric::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Metric::$variant => $name),+ }
            }

            pub fn chinese(self) -> &'static str {
                match self { $(Metric::$variant => $zh),+ }
            }

            pub fn formula(self) -> Formula {
                use Counter::*;
                match self { $(Metric::$variant => $formula),+ }
            }

            pub fn note(self) -> &'static str {
                match self { $(Metric::$variant => $note),+ }
            }

            pub fn parse(input: &str) -> Result<Self, crate::ValidationError> {
                Self::ALL.iter().copied().find(|m| m.as_str() == input).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|m| m.as_str()).collect();
                    crate::ValidationError::new("metrics", "unknown_metric", format!("'{input}' is not one of: {}", names.join(", ")))
                })
            }
        }
    };
}

metrics! {
    Received = "received", "受理量", Formula::Count(Received), "Contacts that became cases.";
    Dispatched = "dispatched", "派单量", Formula::Count(Dispatched), "Dispatches to a lead unit, re-dispatches included.";
    AnsweredDirectly = "answered_directly", "直接答复量", Formula::Count(AnsweredDirectly), "Cases the front door answered at first contact.";
    FirstContactResolutionRate = "first_contact_resolution_rate", "一次性答复率", Formula::Rate(AnsweredDirectly, Received), "Share of received cases answered at first contact.";
    AnsweredFromKnowledge = "answered_from_knowledge", "知识库解答量", Formula::Count(AnsweredFromKnowledge), "Cases answered at first contact from a knowledge-base article.";
    KnowledgeAnswerRate = "knowledge_answer_rate", "知识库解答率", Formula::Rate(AnsweredFromKnowledge, AnsweredDirectly), "Share of first-contact answers given from a knowledge-base article.";
    DispatchOnTimeRate = "dispatch_on_time_rate", "按时派单率", Formula::Rate(DispatchedOnTime, Dispatched), "Dispatches made within the dispatch time limit.";
    ResponseRate = "response_rate", "响应率", Formula::Rate(SignedOnTime, SignDecided), "Signed for in time, of the sign-for clocks decided in the period (signed in time, or passed unsigned).";
    FeedbackOnTimeRate = "feedback_on_time_rate", "按时反馈率", Formula::Rate(FeedbackOnTime, FeedbackDecided), "Feedback in time, of the feedback clocks decided in the period (given in time, or passed without it).";
    ResolutionRate = "resolution_rate", "解决率", Formula::Rate(FeedbackResolved, FeedbackGiven), "Feedback saying the issue is resolved, of all feedback given.";
    SatisfactionRate = "satisfaction_rate", "满意率", Formula::Rate(RatedSatisfied, Rated), "Satisfied or very satisfied, of the rated cases; always shown with `rated` beside it.";
    Rated = "rated", "评价量", Formula::Count(Rated), "Ratings given (one per contact).";
    Closed = "closed", "办结量", Formula::Count(Closed), "Cases closed (办结), by any way of closing.";
    ClosureRate = "closure_rate", "办结率", Formula::Rate(Closed, Received), "Cases closed in the period, of those received in it.";
    ReturnRate = "return_rate", "退单率", Formula::Rate(Returned, Dispatched), "Returns by units, per dispatch.";
    ReopenRate = "reopen_rate", "发回重办率", Formula::Rate(Reopened, Closed), "Cases sent back after a dissatisfied rating, per closure.";
    OverdueNow = "overdue_now", "当前超期工单量", Formula::OverdueNow, "Cases open now (dispatched, signed or in progress) whose lead's feedback deadline has passed: a state at the moment of reading, whatever the period; null for the points of a time series.";
    Extensions = "extensions", "延期量", Formula::Count(ExtensionsApproved), "Extensions approved.";
    ProblemCases = "problem_cases", "问题工单量", Formula::Count(ProblemFlagged), "Cases that became problem cases (3 returns or 3 reopenings).";
    AvgHandlingSeconds = "avg_handling_seconds", "平均办理时长", Formula::Mean(HandlingSeconds, HandlingCount), "Mean time from intake to closure of the cases closed in the period, in seconds.";
    P50HandlingSeconds = "p50_handling_seconds", "办理时长中位数", Formula::HandlingPercentile(50), "Median of the same, the upper bound of its histogram bucket.";
    P90HandlingSeconds = "p90_handling_seconds", "90%办理时长", Formula::HandlingPercentile(90), "90th percentile of the same, the upper bound of its histogram bucket.";
    Calls = "calls", "呼入量", Formula::Count(Calls), "Calls offered.";
    ConnectionRate = "connection_rate", "接通率", Formula::Rate(CallsAnswered, Calls), "Calls answered, of those offered (GB/T 33358: at least 95 %).";
    AnsweredWithin15sRate = "answered_within_15s_rate", "15秒接通率", Formula::Rate(CallsAnsweredWithin15s, Calls), "Calls answered within 15 seconds, of those offered.";
    AbandonRate = "abandon_rate", "呼损率", Formula::Rate(CallsAbandoned, Calls), "Calls abandoned before an answer, of those offered.";
}

/// A figure's value: a count, or a rate/mean/percentile that may be undefined (no denominator).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Count(i64),
    Ratio(Option<f64>),
}

impl Metric {
    pub fn value(self, c: &Counts) -> Value {
        match self.formula() {
            Formula::Count(x) => Value::Count(c.get(x)),
            Formula::Rate(n, d) | Formula::Mean(n, d) => {
                let den = c.get(d);
                Value::Ratio((den > 0).then(|| c.get(n) as f64 / den as f64))
            }
            Formula::HandlingPercentile(p) => Value::Ratio(percentile(&c.handling, p).map(|s| s as f64)),
            Formula::OverdueNow => Value::Ratio(c.overdue_now.map(|n| n as f64)),
        }
    }

    /// The counter a ranking's minimum sample is taken on (the denominator, or the count).
    pub fn sample(self) -> Counter {
        match self.formula() {
            Formula::Count(x) | Formula::Rate(_, x) | Formula::Mean(_, x) => x,
            Formula::HandlingPercentile(_) => Counter::HandlingCount,
            // A line's backlog is weighed against the work it was given.
            Formula::OverdueNow => Counter::Dispatched,
        }
    }

    /// Whether a higher value is better (for rankings).
    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            Metric::ReturnRate
                | Metric::ReopenRate
                | Metric::OverdueNow
                | Metric::ProblemCases
                | Metric::AvgHandlingSeconds
                | Metric::P50HandlingSeconds
                | Metric::P90HandlingSeconds
                | Metric::AbandonRate
        )
    }
}

#[cfg(test)]
mod tests;

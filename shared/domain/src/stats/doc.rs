//! `docs/METRICS.md`, generated from the definitions so the document and the API cannot drift.

use super::{Counter, Formula, Metric};

fn formula_text(f: Formula) -> String {
    match f {
        Formula::Count(c) => format!("Σ `{c}`"),
        Formula::Rate(n, d) => format!("Σ `{n}` / Σ `{d}` (null when Σ `{d}` = 0)"),
        Formula::Mean(n, d) => format!("Σ `{n}` / Σ `{d}` (null when Σ `{d}` = 0)"),
        Formula::HandlingPercentile(p) => format!("{p}th percentile (nearest rank) of the handling-time histogram"),
        Formula::OverdueNow => "count of open cases with `feedback_due_at` < now (read live, see below)".to_owned(),
    }
}

/// The whole of `docs/METRICS.md`.
pub fn metrics_markdown() -> String {
    let mut out = String::from(
        "# Metrics (考评指标)\n\n\
         Generated from `hotline-domain::stats` (`cargo test -p hotline-domain` fails when this file\n\
         differs; regenerate with `cargo run -q -p hotline-api -- metrics > docs/METRICS.md`).\n\n\
         Every figure is computed from **counters** summed over the grains asked for — line, unit,\n\
         category, contact type, urgency, channel, district and local day (in the line's time zone).\n\
         Each counter is incremented once, in the transaction of the event that decides it, on the\n\
         local day of that event; rates divide summed numerators by summed denominators (never an\n\
         average of rates) and are null when the denominator is 0.\n\n\
         ## The platform and the lines (平台与条线)\n\n\
         Counters are kept twice. The **platform** scope counts each case once, under the tenant\n\
         that received it (the 12345 front door, or a line taking contacts itself): the city's\n\
         summary and its district and category comparisons read it. The **line** scope counts each\n\
         case in every line taking part, once per line:\n\n\
         - a line *receives* a case (`received`) when the case first reaches it — at intake for the\n\
           receiving tenant, at the first dispatch that names one of its units for any other line;\n\
         - the lead's line counts everything that happens to the case while its unit leads;\n\
         - a co-unit's line (联合办理, 协办) counts the outcome of the joint case — the one answer\n\
           (`feedback_given`, `feedback_resolved`), the rating, the closure and handling time, a\n\
           reopening, a problem flag — but not the lead's own acts and clocks (dispatches, signing,\n\
           deadlines, returns, extensions); a co-unit released or withdrawn before an outcome no\n\
           longer counts it;\n\
         - before any dispatch, the receiving tenant's line counts the case.\n\n\
         Lines and units are compared in the line scope. A unit's figures are those of the cases it\n\
         led or, in a co-unit's line, took part in.\n\n\
         ## Calls (话务)\n\n\
         Calls are counted from the call centre's CTI events (`POST /api/v1/calls/events`) for the\n\
         tenant whose telephony reported them, on the local day the call **ended**: offered when it\n\
         rang (or, if its ringing was never reported, when it was answered), answered after the\n\
         wait, or abandoned when it ended without an answer. An answer reported after the end is\n\
         refused (`409 call_ended`), so a counted call is never recounted.\n\n\
         ## Overdue now (当前超期)\n\n\
         `overdue_now` is a state, not a flow: the open cases (dispatched, signed, in progress) whose\n\
         lead's feedback deadline has passed at the moment of reading, under the receiving tenant\n\
         (platform) or the lead's line and unit (line scope), whatever period is asked. It is read\n\
         from the cases through an index that holds open cases only, so it costs what the backlog\n\
         costs, not what the history does; a time series has no past states and shows null.\n\n\
         ## Figures\n\n\
         | API name | 中文 | formula | meaning |\n|---|---|---|---|\n",
    );
    for m in Metric::ALL {
        out.push_str(&format!("| `{}` | {} | {} | {} |\n", m.as_str(), m.chinese(), formula_text(m.formula()), m.note()));
    }
    out.push_str("\n## Counters\n\n| counter | counted when |\n|---|---|\n");
    for c in Counter::ALL {
        out.push_str(&format!("| `{}` | {} |\n", c.as_str(), counter_note(*c)));
    }
    out.push_str(
        "\n## Handling-time histogram\n\n\
         Closed cases are also counted per handling-time bucket: bucket *k* holds times up to\n\
         60 s × 1.1^*k* (one minute to a year, 10 % wide; longer times fall in the last bucket).\n\
         A percentile is the upper bound of the bucket it falls in, at most 10 % above the exact value.\n\n\
         ## Rankings\n\n\
         A league table ranks by one figure, best first (lower is better for return, reopen and\n\
         abandon rates, problem cases and handling times). Entries whose sample — the figure's\n\
         denominator, or the count itself — is below the minimum sample are left out. Equal values\n\
         share a place (1, 2, 2, 4) and are listed by key.\n",
    );
    out
}

fn counter_note(c: Counter) -> &'static str {
    use Counter::*;
    match c {
        Received => "a contact becomes a case (intake)",
        AnsweredDirectly => "the front door answers the case at first contact",
        AnsweredFromKnowledge => "… and the answer is given from a knowledge-base article",
        Dispatched => "a lead unit is given the case (dispatch or re-dispatch)",
        DispatchedOnTime => "… and the dispatch is within the dispatch time limit",
        SignDecided => "the lead signs in time, or its sign-for deadline passes unsigned (whichever comes first)",
        SignedOnTime => "the lead signs within the sign-for time limit",
        FeedbackDecided => "feedback is given in time, or the feedback deadline passes without it",
        FeedbackOnTime => "feedback is given within the (possibly extended) time limit",
        FeedbackGiven => "the lead gives feedback",
        FeedbackResolved => "… saying the issue is resolved",
        Rated => "the citizen rates the result",
        RatedSatisfied => "… satisfied or very satisfied",
        Closed => "the case is closed",
        Returned => "a unit returns the case",
        Reopened => "a dissatisfied citizen's case is sent back",
        ExtensionsApproved => "an extension is approved",
        ProblemFlagged => "the case becomes a problem case",
        HandlingCount => "a case is closed (with its handling time)",
        HandlingSeconds => "… adding its handling time in seconds",
        Calls => "the telephony reports a call offered",
        CallsAnswered => "… answered",
        CallsAnsweredWithin15s => "… answered within 15 seconds of ringing",
        CallsAbandoned => "… abandoned before an answer",
    }
}

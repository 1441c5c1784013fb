//! The city office's dashboard (数据看板) and supervision board (督办), with CSV export.
//!
//! Figures come from the core's statistics (`stats_summary`, `stats_compare`, `stats_rankings`,
//! `stats_timeseries`) read as the signed-in user, so the scope rules are the REST API's: the
//! city office sees every line and drills into one, a line's administrator sees their own line
//! from its units down, unit staff have no dashboard. Every chart has its numbers in a table.

mod board;
mod charts;
mod export;
mod figures;
mod league;
mod lines;
mod page;
mod period;
mod supervision;
mod supervision_view;
mod trend;
mod unit;

use actix_web::web;
use serde::Deserialize;

pub use period::Period;

/// The headline figures, in the order the city office reads them (satisfaction with the
/// number of ratings beside it, docs/METRICS.md).
pub const HEADLINE: [&str; 8] =
    ["received", "response_rate", "resolution_rate", "satisfaction_rate", "rated", "feedback_on_time_rate", "closure_rate", "overdue_now"];

/// The rates drawn side by side and as trends.
pub const RATES: [&str; 4] = ["response_rate", "resolution_rate", "satisfaction_rate", "feedback_on_time_rate"];

/// The figures a league table may rank by; the first is the default.
pub const RANKABLE: [&str; 7] =
    ["satisfaction_rate", "response_rate", "resolution_rate", "feedback_on_time_rate", "closure_rate", "received", "return_rate"];

/// A league table's minimum sample when none is asked for (the core's default).
pub const DEFAULT_MIN_SAMPLE: i64 = hotline_core::stats_read::DEFAULT_MIN_SAMPLE;

/// The dashboard's query string, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct DashQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// A line's code (the city office's drill-down); a line's administrator: their own.
    pub tenant: Option<String>,
    /// The league table's figure.
    pub metric: Option<String>,
    pub min_sample: Option<String>,
}

/// What the query asks for, checked.
#[derive(Debug, Clone)]
pub struct Ask {
    pub period: Period,
    pub tenant: Option<String>,
    pub metric: &'static str,
    pub min_sample: i64,
}

impl DashQuery {
    /// The checked query, or the label of what is wrong with it.
    pub fn ask(&self, today: chrono::NaiveDate) -> Result<Ask, &'static str> {
        let period = Period::read(self.from.as_deref(), self.to.as_deref(), today)?;
        let metric = match self.metric.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            None => RANKABLE[0],
            Some(m) => RANKABLE.iter().copied().find(|r| *r == m).ok_or("dash.bad_metric")?,
        };
        let min_sample = match self.min_sample.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            None => DEFAULT_MIN_SAMPLE,
            Some(m) => m.parse::<i64>().ok().filter(|n| (0..=1_000_000).contains(n)).ok_or("dash.bad_min_sample")?,
        };
        let tenant = self.tenant.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        Ok(Ask { period, tenant, metric, min_sample })
    }
}

impl Ask {
    /// The query string of this view, with `extra` pairs replacing its own.
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let min = self.min_sample.to_string();
        let (from, to) = (self.period.first_day(), self.period.last_day());
        let mut pairs: Vec<(&str, &str)> = vec![("from", &from), ("to", &to), ("metric", self.metric), ("min_sample", &min)];
        if let Some(t) = &self.tenant {
            pairs.push(("tenant", t));
        }
        pairs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
        pairs.extend(extra.iter().filter(|(_, v)| !v.is_empty()));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// Whether a figure is a share (shown as a percentage).
pub fn is_rate(metric: &str) -> bool {
    metric.ends_with("_rate")
}

/// A figure as read: a percentage with one decimal, a count, or a dash when undefined.
pub fn shown(metric: &str, value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(v) if is_rate(metric) => format!("{:.1}%", v * 100.0),
        Some(v) => format!("{v:.0}"),
    }
}

/// A figure as the REST API gives it (for `data-value`, the CSV and tests): empty when undefined.
pub fn exact(value: Option<f64>) -> String {
    crate::csv::number(value)
}

/// The figure `metric` of a set, if present.
pub fn figure<'a>(f: &'a [hotline_core::stats_read::Figure], metric: &str) -> Option<&'a hotline_core::stats_read::Figure> {
    f.iter().find(|x| x.metric == metric)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/dashboard", web::get().to(page::dashboard))
        .route("/console/dashboard/unit", web::get().to(unit::unit_cases))
        .route("/console/dashboard/export.csv", web::get().to(export::dashboard_csv))
        .route("/console/supervision", web::get().to(supervision::board))
        .route("/console/supervision/export.csv", web::get().to(export::supervision_csv));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_checked_and_written_back() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let q = DashQuery { tenant: Some(" 12319 ".into()), min_sample: Some("5".into()), ..Default::default() };
        let ask = q.ask(today).unwrap();
        assert_eq!((ask.tenant.as_deref(), ask.metric, ask.min_sample), (Some("12319"), "satisfaction_rate", 5));
        assert_eq!(ask.query(&[("tenant", "")]), "from=2026-03-01&to=2026-03-10&metric=satisfaction_rate&min_sample=5");
        let bad = DashQuery { metric: Some("'; drop".into()), ..Default::default() };
        assert_eq!(bad.ask(today).unwrap_err(), "dash.bad_metric");
        let bad = DashQuery { min_sample: Some("-1".into()), ..Default::default() };
        assert_eq!(bad.ask(today).unwrap_err(), "dash.bad_min_sample");
        assert_eq!(shown("response_rate", Some(0.5)), "50.0%");
        assert_eq!(shown("received", Some(3.0)), "3");
        assert_eq!((shown("closure_rate", None), exact(Some(0.25))), ("—".to_owned(), "0.25".to_owned()));
    }
}

//! The supervision board's tables: the cases of a queue, coloured by time left, and the hot
//! spots with their cases.

use chrono::{DateTime, TimeDelta, Utc};
use hotline_core::supervision::HotSpotView;
use maud::{Markup, html};

use super::supervision::{Row, due_class};
use crate::console::html::badge;
use crate::console::i18n::{Lang, when};

/// A span as the office reads it: days and hours, or minutes when under an hour.
pub fn span(lang: Lang, d: TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}{}", lang.t("dash.minutes")),
        (0, h) => format!("{h}{}", lang.t("dash.hours")),
        (d, h) => format!("{d}{}{h}{}", lang.t("dash.days"), lang.t("dash.hours")),
    }
}

pub fn cases_table(lang: Lang, rows: &[Row], now: DateTime<Utc>) -> Markup {
    html! {
        @if rows.is_empty() { p.muted #supervision-empty { (lang.t("sup.empty")) } } @else {
            table #supervision-cases {
                tr {
                    th { (lang.t("field.tracking_number")) }
                    th { (lang.t("field.title")) }
                    th { (lang.t("dash.line")) }
                    th { (lang.t("sup.lead_unit")) }
                    th { (lang.t("field.status")) }
                    th { (lang.t("sup.due")) }
                    th.num { (lang.t("sup.overdue_by")) }
                }
                @for r in rows {
                    tr class=(due_class(r.due, now)) data-case=(r.case.id) data-tracking=(r.case.tracking_number) {
                        td { a href=(format!("/console/cases/{}", r.case.id)) { (r.case.tracking_number) } }
                        td {
                            (r.case.title)
                            @if r.case.problem { " " span.badge.time-overdue { (lang.t("sup.problem_badge")) } }
                        }
                        td.line { (r.line) }
                        td { (r.lead.clone().unwrap_or_else(|| "—".to_owned())) }
                        td { (badge(lang, "status", &r.case.status)) }
                        td { @if let Some(d) = r.due { time datetime=(d.to_rfc3339()) { (when(d)) } } }
                        td.num.overdue-by data-minutes=(r.overdue_by.map(|d| d.num_minutes().to_string()).unwrap_or_default()) {
                            @if let Some(d) = r.overdue_by { (span(lang, d)) } @else { "—" }
                        }
                    }
                }
            }
        }
    }
}

pub fn place(s: &HotSpotView) -> String {
    let place = [s.spot.district.as_deref(), s.spot.address.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    if place.is_empty() { "—".to_owned() } else { place }
}

pub fn spots_table(lang: Lang, spots: &[(HotSpotView, Vec<String>)]) -> Markup {
    html! {
        @if spots.is_empty() { p.muted #supervision-empty { (lang.t("sup.no_hot_spots")) } } @else {
            table #hot-spots {
                tr {
                    th { (lang.t("sup.place")) }
                    th { (lang.t("field.title")) }
                    th.num { (lang.t("sup.count")) }
                    th { (lang.t("dash.lines")) }
                    th { (lang.t("sup.first_last")) }
                    th { (lang.t("sup.cases")) }
                }
                @for (s, lines) in spots {
                    tr data-spot=(s.spot.id) {
                        td { (place(s)) }
                        td { (s.spot.title) }
                        td.num { (s.spot.case_count) }
                        td { (lines.join("、")) }
                        td { (when(s.spot.first_at)) " — " (when(s.spot.last_at)) }
                        td.cases {
                            @for c in &s.cases {
                                a href=(format!("/console/cases/{}", c.id)) title=(c.title) { (c.tracking_number) } " "
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_days_and_hours() {
        assert_eq!(span(Lang::Zh, TimeDelta::minutes(3 * 1440 + 125)), "3天2小时");
        assert_eq!(span(Lang::Zh, TimeDelta::minutes(59)), "59分钟");
        assert_eq!(span(Lang::En, TimeDelta::minutes(61)), "1 h");
    }
}

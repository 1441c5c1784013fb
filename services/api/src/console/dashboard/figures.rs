//! The headline figures of the reader's scope: this period, the period before, the change, and
//! (for a line) the whole city beside it.

use hotline_domain::stats::Metric;
use maud::{Markup, html};

use super::board::Board;
use super::{HEADLINE, exact, figure, is_rate, shown};
use crate::console::i18n::Lang;

/// The change from the period before, and whether it is for the better.
fn change(lang: Lang, metric: &str, now: Option<f64>, before: Option<f64>) -> Option<(String, bool)> {
    let (now, before) = (now?, before?);
    let diff = now - before;
    let better = Metric::parse(metric).map(|m| m.higher_is_better()).unwrap_or(true) == (diff >= 0.0);
    let text = if is_rate(metric) { format!("{:+.1}{}", diff * 100.0, lang.t("dash.pp")) } else { format!("{diff:+.0}") };
    Some((text, better || diff == 0.0))
}

pub fn headline(lang: Lang, b: &Board) -> Markup {
    let current = &b.summary.current.figures;
    let previous = &b.previous.current.figures;
    let city = b.line.as_ref().and(b.summary.reference.as_ref());
    html! {
        table #figures {
            caption {
                (lang.t("dash.figures")) " " (b.ask.period.from) " — " (b.ask.period.to)
                span.muted { " · " (lang.t("dash.previous")) " " (b.previous_period.from) " — " (b.previous_period.to) }
            }
            tr {
                th { (lang.t("dash.metric")) }
                th.num { (lang.t("dash.current")) }
                th.num { (lang.t("dash.sample")) }
                th.num { (lang.t("dash.previous")) }
                th.num { (lang.t("dash.change")) }
                @if city.is_some() { th.num { (lang.t("dash.city")) } }
            }
            @for m in HEADLINE {
                @let now = figure(current, m);
                @let before = figure(previous, m);
                @let value = now.and_then(|f| f.value);
                tr data-metric=(m) {
                    th scope="row" { (lang.term("metric", m)) }
                    td.num.current data-value=(exact(value)) data-sample=(now.map_or(0, |f| f.sample)) { strong { (shown(m, value)) } }
                    td.num.sample { (now.map_or(0, |f| f.sample)) }
                    td.num.previous data-value=(exact(before.and_then(|f| f.value))) { (before.map_or("—".to_owned(), |f| shown(m, f.value))) }
                    @match change(lang, m, value, before.and_then(|f| f.value)) {
                        Some((text, better)) => { td.num.change.better[better].worse[!better] { (text) } }
                        None => { td.num.change { "—" } }
                    }
                    @if let Some(c) = city {
                        @let v = figure(&c.figures, m).and_then(|f| f.value);
                        td.num.reference data-value=(exact(v)) { (shown(m, v)) }
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
    fn a_change_is_better_or_worse_by_the_figure() {
        assert_eq!(change(Lang::Zh, "received", Some(5.0), Some(3.0)), Some(("+2".to_owned(), true)));
        assert_eq!(change(Lang::En, "satisfaction_rate", Some(0.5), Some(0.75)), Some(("-25.0 pp".to_owned(), false)));
        assert_eq!(change(Lang::Zh, "return_rate", Some(0.1), Some(0.2)).map(|c| c.1), Some(true), "fewer returns are better");
        assert_eq!(change(Lang::Zh, "response_rate", None, Some(0.2)), None);
    }
}

//! Lines side by side (or one line's units): the volume and the rates as bars, one bar per line,
//! and the same numbers in a table whose names drill down.

use maud::{Markup, html};

use super::board::Board;
use super::charts::{self, Series};
use super::{HEADLINE, RATES, exact, figure, shown};
use crate::console::error::urlencode;
use crate::console::i18n::Lang;

/// Where a row's name leads: a line's own dashboard, or a unit's cases of the period.
pub fn drill(b: &Board, key: &str) -> String {
    match &b.line {
        None => format!("/console/dashboard?{}", b.ask.query(&[("tenant", key)])),
        Some(code) => format!(
            "/console/dashboard/unit?tenant={}&unit={}&from={}&to={}",
            urlencode(code),
            urlencode(key),
            b.ask.period.from,
            b.ask.period.to
        ),
    }
}

fn values(b: &Board, metric: &str) -> Vec<Option<f64>> {
    b.entries.iter().map(|e| figure(&e.figures, metric).and_then(|f| f.value)).collect()
}

pub fn side_by_side(lang: Lang, b: &Board) -> Markup {
    let heading = if b.dimension == "line" { lang.t("dash.lines") } else { lang.t("dash.units") };
    let names: Vec<String> = b.entries.iter().map(|e| b.name(&e.subject)).collect();
    let volume =
        charts::bars(&names, &[Series { name: lang.term("metric", "received").into_owned(), values: values(b, "received") }], false);
    let rates: Vec<Series> = RATES.iter().map(|m| Series { name: lang.term("metric", m).into_owned(), values: values(b, m) }).collect();
    let rates = charts::bars(&names, &rates, true);
    html! {
        section #side-by-side data-dimension=(b.dimension) {
            h2 { (heading) }
            @if b.entries.is_empty() {
                p.muted #no-lines { (lang.t("dash.no_data")) }
            } @else {
                div.charts2 {
                    div.card { h3 { (lang.term("metric", "received")) } (charts::chart("chart-volume", lang.t("dash.volume_chart"), &volume)) }
                    div.card { h3 { (lang.t("dash.rates")) } (charts::chart("chart-rates", lang.t("dash.rates_chart"), &rates)) }
                }
                table #lines {
                    tr {
                        th { (if b.dimension == "line" { lang.t("dash.line") } else { lang.t("dash.unit") }) }
                        @for m in HEADLINE { th.num { (lang.term("metric", m)) } }
                    }
                    @for e in &b.entries {
                        tr data-key=(e.subject) {
                            th scope="row" { a.drill href=(drill(b, &e.subject)) { (b.name(&e.subject)) } }
                            @for m in HEADLINE {
                                @let f = figure(&e.figures, m);
                                td.num data-metric=(m) data-value=(exact(f.and_then(|f| f.value))) data-sample=(f.map_or(0, |f| f.sample)) {
                                    (shown(m, f.and_then(|f| f.value)))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

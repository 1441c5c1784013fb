//! The trend of the scope shown: the volume and the rates per day, week or month (chosen from
//! the period's length), drawn and tabled.

use maud::{Markup, html};

use super::board::Board;
use super::charts::{self, Series};
use super::{RATES, exact, figure, shown};
use crate::console::i18n::Lang;

fn values(b: &Board, metric: &str) -> Vec<Option<f64>> {
    b.series.points.iter().map(|p| figure(&p.figures, metric).and_then(|f| f.value)).collect()
}

pub fn trend(lang: Lang, b: &Board) -> Markup {
    let labels: Vec<String> = b.series.points.iter().map(|p| p.label.clone()).collect();
    let volume = Series { name: lang.term("metric", "received").into_owned(), values: values(b, "received") };
    let rates: Vec<Series> = RATES.iter().map(|m| Series { name: lang.term("metric", m).into_owned(), values: values(b, m) }).collect();
    let option = charts::trend(&labels, &volume, &rates);
    let metrics: Vec<&str> = std::iter::once("received").chain(RATES).collect();
    html! {
        section #trend data-bucket=(b.series.bucket) {
            h2 { (lang.t("dash.trend")) " · " (lang.term("bucket", b.series.bucket)) }
            div.card { (charts::chart("chart-trend", lang.t("dash.trend_chart"), &option)) }
            details.numbers {
                summary { (lang.t("dash.numbers")) }
                table #trend-table {
                    tr {
                        th { (lang.t("dash.period")) }
                        @for m in &metrics { th.num { (lang.term("metric", m)) } }
                    }
                    @for p in &b.series.points {
                        tr data-label=(p.label) {
                            th scope="row" { (p.label) }
                            @for m in &metrics {
                                @let v = figure(&p.figures, m).and_then(|f| f.value);
                                td.num data-metric=(m) data-value=(exact(v)) { (shown(m, v)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

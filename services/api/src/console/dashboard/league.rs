//! The league table: ranked by one figure, best first, counting only lines (or units) with at
//! least the minimum sample; those below it are listed apart, not ranked.

use maud::{Markup, html};

use super::board::Board;
use super::lines::drill;
use super::{RANKABLE, exact, figure, shown};
use crate::console::html::choose;
use crate::console::i18n::Lang;

pub fn league(lang: Lang, b: &Board) -> Markup {
    let r = &b.ranking;
    let sample_of = |key: &str| b.entries.iter().find(|e| e.subject == key).and_then(|e| figure(&e.figures, r.metric)).map(|f| f.sample);
    html! {
        section #league-section data-metric=(r.metric) data-min-sample=(r.min_sample) {
            h2 { (lang.t("dash.league")) }
            form.row.card #league-form method="get" action="/console/dashboard" {
                input type="hidden" name="from" value=(b.ask.period.from);
                input type="hidden" name="to" value=(b.ask.period.to);
                @if let Some(t) = &b.line { input type="hidden" name="tenant" value=(t); }
                label.field { span { (lang.t("dash.rank_by")) } (choose(lang, "metric", "metric", &RANKABLE, Some(r.metric), false)) }
                label.field {
                    span { (lang.t("dash.min_sample")) }
                    input type="number" name="min_sample" min="0" max="1000000" value=(r.min_sample);
                }
                button.primary type="submit" { (lang.t("dash.apply")) }
            }
            @if r.ranked.is_empty() {
                p.muted #league-empty { (lang.t("dash.none_ranked")) }
            } @else {
                table #league {
                    tr {
                        th.num { (lang.t("dash.place")) }
                        th { (if b.dimension == "line" { lang.t("dash.line") } else { lang.t("dash.unit") }) }
                        th.num { (lang.term("metric", r.metric)) }
                        th.num { (lang.t("dash.sample")) }
                    }
                    @for x in &r.ranked {
                        tr data-key=(x.key) data-place=(x.place) {
                            td.num { (x.place) }
                            td { a.drill href=(drill(b, &x.key)) { (b.name(&x.key)) } }
                            td.num data-value=(exact(x.value)) { (shown(r.metric, x.value)) }
                            td.num { (x.sample) }
                        }
                    }
                }
            }
            @if !r.too_few.is_empty() {
                div #too-few {
                    h3 { (lang.t("dash.too_few")) " (" (lang.t("dash.fewer_than")) " " (r.min_sample) ")" }
                    ul {
                        @for k in &r.too_few {
                            li data-key=(k) {
                                a href=(drill(b, k)) { (b.name(k)) }
                                @if let Some(n) = sample_of(k) { span.muted { " · " (lang.t("dash.sample")) " " (n) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

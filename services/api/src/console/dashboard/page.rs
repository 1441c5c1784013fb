//! `GET /console/dashboard?from=&to=&tenant=&metric=&min_sample=`: the period picker, the
//! headline figures, lines (or units) side by side, the trend and the league table.

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDate;
use maud::{Markup, html};

use super::board::{self, Board};
use super::{Ask, DashQuery, Period, figures, league, lines, period, trend};
use crate::console::assets::url;
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{Problem, alert, page};
use crate::console::i18n::Lang;
use crate::console::session::Staff;

/// What the period form shows and keeps.
pub struct Picker<'a> {
    pub from: String,
    pub to: String,
    pub tenant: Option<&'a str>,
    /// The lines a city reader may choose, (code, name); empty for a line's administrator.
    pub lines: &'a [(String, String)],
    pub city: bool,
    /// The league's choices, kept across a change of period.
    pub keep: Vec<(&'static str, String)>,
}

fn link(p: &Picker, period: Period) -> String {
    let mut pairs: Vec<(&str, String)> = vec![("from", period.first_day()), ("to", period.last_day())];
    if let Some(t) = p.tenant {
        pairs.push(("tenant", t.to_owned()));
    }
    pairs.extend(p.keep.iter().cloned());
    format!("/console/dashboard?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

pub fn picker(lang: Lang, p: &Picker, today: NaiveDate, export: Option<String>) -> Markup {
    html! {
        form.card #period method="get" action="/console/dashboard" {
            div.row {
                label.field { span { (lang.t("dash.from")) } input type="date" name="from" value=(p.from) required; }
                label.field { span { (lang.t("dash.to")) } input type="date" name="to" value=(p.to) required; }
                @if p.city && !p.lines.is_empty() {
                    label.field {
                        span { (lang.t("dash.scope")) }
                        select name="tenant" {
                            option value="" { (lang.t("dash.whole_city")) }
                            @for (code, name) in p.lines { option value=(code) selected[p.tenant == Some(code.as_str())] { (code) " " (name) } }
                        }
                    }
                } @else if let Some(t) = p.tenant {
                    input type="hidden" name="tenant" value=(t);
                }
                @for (k, v) in &p.keep { input type="hidden" name=(k) value=(v); }
                button.primary type="submit" { (lang.t("dash.show")) }
            }
            nav.quick #quick {
                @for (id, key, period) in Period::quick(today) {
                    a.button data-period=(id) href=(link(p, period)) { (lang.t(key)) }
                }
                @if let Some(href) = export { a.button #export href=(href) download { (lang.t("dash.export")) } }
            }
        }
    }
}

fn crumbs(lang: Lang, b: &Board) -> Markup {
    html! {
        nav.crumbs #crumbs aria-label=(lang.t("dash.scope")) {
            @if b.city && b.line.is_some() {
                a href=(format!("/console/dashboard?{}", b.ask.query(&[("tenant", "")]))) { (lang.t("dash.whole_city")) }
            } @else if b.city {
                span #scope-city { (lang.t("dash.whole_city")) }
            }
            @if let Some(name) = b.line_name() { @if b.city { " › " } span #scope-line { (name) } }
        }
    }
}

fn keep(ask: &Ask) -> Vec<(&'static str, String)> {
    vec![("metric", ask.metric.to_owned()), ("min_sample", ask.min_sample.to_string())]
}

pub async fn dashboard(s: Staff, q: web::Query<DashQuery>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let today = period::today(ctx.state.core.now());
    let title = lang.t("nav.dashboard");
    let ask = match q.ask(today) {
        Ok(a) => a,
        Err(key) => {
            // The form again, as typed, with what is wrong above it.
            let pick = Picker {
                from: q.from.clone().unwrap_or_default(),
                to: q.to.clone().unwrap_or_default(),
                tenant: q.tenant.as_deref(),
                lines: &[],
                city: false,
                keep: Vec::new(),
            };
            let body = html! { (alert(Some(&Problem::text(lang.t(key))))) (picker(lang, &pick, today, None)) };
            return Ok(ctx.html(StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, &p, title, body)));
        }
    };
    let b = board::load(&ctx, &p, ask).await.map_err(|e| ConsoleError::api(lang, false, e))?;
    let pick = Picker {
        from: b.ask.period.first_day(),
        to: b.ask.period.last_day(),
        tenant: b.line.as_deref().filter(|_| b.city),
        lines: &b.lines,
        city: b.city,
        keep: keep(&b.ask),
    };
    let export = format!("/console/dashboard/export.csv?{}", b.ask.query(&[("tenant", b.line.as_deref().unwrap_or(""))]));
    let body = html! {
        // ECharts only where charts are drawn; console.js draws them when the page is ready.
        script src=(url("echarts.min.js")) defer {}
        (picker(lang, &pick, today, Some(export)))
        (crumbs(lang, &b))
        section #headline { (figures::headline(lang, &b)) }
        (lines::side_by_side(lang, &b))
        (trend::trend(lang, &b))
        (league::league(lang, &b))
    };
    Ok(ctx.ok(page(&ctx, &p, title, body)))
}

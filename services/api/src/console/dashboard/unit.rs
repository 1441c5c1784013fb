//! The last step of the drill-down: one unit's figures and its cases received in the period,
//! each linking to its case page. `GET /console/dashboard/unit?tenant=&unit=&from=&to=`.

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use hotline_core::CoreError;
use hotline_core::admin::units::UnitQuery;
use hotline_core::cases::CaseQuery;
use hotline_core::stats_read::CompareQuery;
use hotline_store::PageRequest;
use maud::html;
use serde::Deserialize;

use super::supervision::due_class;
use super::{HEADLINE, Period, exact, figure, period, shown};
use crate::console::error::{ConsoleError, PageResult, urlencode};
use crate::console::html::{Problem, alert, badge, page};
use crate::console::i18n::when;
use crate::console::session::Staff;

#[derive(Deserialize)]
pub struct UnitAsk {
    tenant: Option<String>,
    unit: String,
    from: Option<String>,
    to: Option<String>,
}

/// The first instant of a Beijing day.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    Shanghai
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc(), |t| t.with_timezone(&Utc))
}

pub async fn unit_cases(s: Staff, q: web::Query<UnitAsk>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let core = &ctx.state.core;
    let now = core.now();
    let api = |e: CoreError| ConsoleError::api(lang, false, e);
    let period = match Period::read(q.from.as_deref(), q.to.as_deref(), period::today(now)) {
        Ok(p) => p,
        Err(key) => {
            let body = html! { (alert(Some(&Problem::text(lang.t(key))))) };
            return Ok(ctx.html(StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, &p, lang.t("nav.dashboard"), body)));
        }
    };
    let code = q.tenant.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| p.tenant.code.as_str().to_owned());
    // The unit's figures first: the comparison is refused to unit staff and the front desk, and
    // to a line's administrator asking for another line.
    let compare = CompareQuery {
        dimension: "unit".into(),
        tenant: Some(code.clone()),
        from: Some(period.first_day()),
        to: Some(period.last_day()),
        metrics: Some(HEADLINE.join(",")),
    };
    let compared = core.stats_compare(&p, compare).await.map_err(api)?;
    let units = core.list_units(&p, &code, UnitQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT)).await.map_err(api)?;
    // A unit of another line reads as not found, like a missing one.
    let unit = units.items.into_iter().find(|u| u.id.to_string() == q.unit.trim()).ok_or_else(|| api(CoreError::NotFound("unit")))?;
    let figures = compared.entries.into_iter().find(|e| e.subject == unit.id.to_string()).map(|e| e.figures).unwrap_or_default();
    let query = CaseQuery {
        unit_id: Some(unit.id.to_string()),
        created_from: Some(start_of(period.from)),
        created_to: Some(start_of(period.to + chrono::Duration::days(1))),
        ..Default::default()
    };
    let cases = core.list_cases(&p, query, PageRequest::first(PageRequest::MAX_LIMIT)).await.map_err(api)?.items;
    let back = format!("/console/dashboard?tenant={}&from={}&to={}", urlencode(&code), period.from, period.to);
    let body = html! {
        nav.crumbs #crumbs {
            a href=(back) { (code) } " › " span #scope-unit data-unit=(unit.id) { (unit.name) }
        }
        p.muted { (period.from) " — " (period.to) }
        table #unit-figures {
            tr { @for m in HEADLINE { th.num { (lang.term("metric", m)) } } }
            tr data-key=(unit.id) {
                @for m in HEADLINE {
                    @let v = figure(&figures, m).and_then(|f| f.value);
                    td.num data-metric=(m) data-value=(exact(v)) { (shown(m, v)) }
                }
            }
        }
        h2 { (lang.t("dash.unit_cases")) " (" (cases.len()) ")" }
        @if cases.is_empty() { p.muted #unit-cases-empty { (lang.t("inbox.empty")) } } @else {
            table #unit-cases {
                tr {
                    th { (lang.t("field.tracking_number")) } th { (lang.t("field.title")) } th { (lang.t("field.status")) }
                    th { (lang.t("field.created_at")) } th { (lang.t("case.feedback_due")) }
                }
                @for c in &cases {
                    tr class=(due_class(c.feedback_due_at, now)) data-case=(c.id) {
                        td { a href=(format!("/console/cases/{}", c.id)) { (c.tracking_number) } }
                        td { (c.title) }
                        td { (badge(lang, "status", &c.status)) }
                        td { (when(c.created_at)) }
                        td { @if let Some(d) = c.feedback_due_at { (when(d)) } }
                    }
                }
            }
        }
        p { a href=(format!("/console/cases?unit_id={}", unit.id)) { (lang.t("dash.all_unit_cases")) } }
    };
    Ok(ctx.ok(page(&ctx, &p, &format!("{} · {}", lang.t("nav.dashboard"), unit.name), body)))
}

//! Finding cases (工单查询): a tracking number opens its case; words list the cases whose title
//! or description has them, newest first, within what the reader may see.

use actix_web::web;
use hotline_core::cases::CaseQuery;
use hotline_store::PageRequest;
use maud::html;
use serde::Deserialize;

use super::blank;
use super::case::time_class;
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{badge, page};
use crate::console::i18n::when;
use crate::console::session::Staff;

#[derive(Deserialize)]
pub struct Find {
    q: Option<String>,
    unit_id: Option<String>,
}

/// `GET /console/cases?q=…&unit_id=…`
pub async fn list(s: Staff, q: web::Query<Find>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let text = q.q.as_deref().and_then(blank);
    if let Some(t) = &text
        && let Ok(c) = ctx.state.core.find_case_by_tracking(&p, t).await
    {
        return Ok(ctx.redirect(&format!("/console/cases/{}", c.id)));
    }
    let query = CaseQuery { q: text.clone(), unit_id: q.unit_id.clone(), ..Default::default() };
    let rows = ctx.state.core.list_cases(&p, query, PageRequest::first(50)).await.map_err(|e| ConsoleError::api(lang, false, e))?.items;
    let body = html! {
        form.card.row method="get" action="/console/cases" {
            label.field { span { (lang.t("cases.find")) } input name="q" value=(text.clone().unwrap_or_default()) maxlength="200"; }
            button.primary type="submit" { (lang.t("portal.search")) }
        }
        @if rows.is_empty() { p.muted { (lang.t("inbox.empty")) } } @else {
            table #cases {
                tr { th { (lang.t("field.tracking_number")) } th { (lang.t("field.title")) } th { (lang.t("field.status")) } th { (lang.t("field.created_at")) } th { (lang.t("case.feedback_due")) } }
                @for c in &rows {
                    tr class=(time_class(c.feedback_due_at)) {
                        td { a href=(format!("/console/cases/{}", c.id)) { (c.tracking_number) } }
                        td { (c.title) }
                        td { (badge(lang, "status", &c.status)) }
                        td { (when(c.created_at)) }
                        td { @if let Some(d) = c.feedback_due_at { (when(d)) } }
                    }
                }
            }
        }
    };
    Ok(ctx.ok(page(&ctx, &p, lang.t("nav.cases"), body)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/cases", web::get().to(list));
}

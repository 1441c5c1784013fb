//! The unit inbox: the unit's open cases, to sign first, then in progress, each coloured by the
//! time left before its deadline.

use actix_web::web;
use hotline_core::cases::CaseQuery;
use hotline_store::PageRequest;
use maud::html;

use super::case::time_class;
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{badge, page};
use crate::console::i18n::when;
use crate::console::session::Staff;

const TABS: [(&str, &str); 3] =
    [("dispatched", "inbox.to_sign"), ("signed,in_progress,returned", "inbox.in_progress"), ("feedback_given,closed", "inbox.done")];

#[derive(serde::Deserialize)]
pub struct InboxQuery {
    tab: Option<usize>,
}

/// `GET /console/inbox?tab=0|1|2`
pub async fn inbox(s: Staff, q: web::Query<InboxQuery>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let tab = q.tab.unwrap_or(0).min(TABS.len() - 1);
    let mut rows = Vec::new();
    for status in TABS[tab].0.split(',') {
        let query = CaseQuery { unit_id: p.unit_id.map(|u| u.0.to_string()), status: Some(status.to_owned()), ..Default::default() };
        let page = ctx.state.core.list_cases(&p, query, PageRequest::first(100)).await.map_err(|e| ConsoleError::api(lang, false, e))?;
        rows.extend(page.items);
    }
    rows.sort_by_key(|c| c.feedback_due_at);
    let body = html! {
        nav.tabs {
            @for (i, (_, key)) in TABS.iter().enumerate() {
                a.on[i == tab] href=(format!("/console/inbox?tab={i}")) { (lang.t(key)) }
            }
        }
        @if rows.is_empty() { p.muted { (lang.t("inbox.empty")) } } @else {
            table #inbox {
                tr { th { (lang.t("field.tracking_number")) } th { (lang.t("field.title")) } th { (lang.t("field.status")) } th { (lang.t("case.feedback_due")) } }
                @for c in &rows {
                    tr class=(time_class(c.feedback_due_at)) {
                        td { a href=(format!("/console/cases/{}", c.id)) { (c.tracking_number) } }
                        td { (c.title) }
                        td { (badge(lang, "status", &c.status)) }
                        td { @if let Some(d) = c.feedback_due_at { (when(d)) } }
                    }
                }
            }
        }
    };
    Ok(ctx.ok(page(&ctx, &p, lang.t("nav.inbox"), body)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/inbox", web::get().to(inbox));
}

//! The dispatcher's desk (派单): the manual queue (contacts the rules could not place), returns
//! to review (退单审核), extension requests (延期审批) and the lead units of open cases (主办调整).
//! Quick decisions are taken in the row (approve an extension, refuse a return, change the lead);
//! the rest opens the case page, where every step form is.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use hotline_core::Principal;
use hotline_core::cases::{CaseQuery, CaseView, StepInput};
use hotline_domain::Role;
use hotline_domain::case::Action;
use hotline_store::PageRequest;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::blank;
use super::case::{time_class, unit_directory};
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{Problem, alert, badge, page};
use crate::console::i18n::{Lang, when};
use crate::console::session::{Ctx, Staff};
use crate::error::ApiError;

/// Each tab: its label and the statuses it lists (one query each, merged).
const TABS: [(&str, &str); 4] = [
    ("dispatch.queue", "received,accepted"),
    ("dispatch.returns", "returned"),
    ("dispatch.extensions", ""),
    ("dispatch.leads", "dispatched,signed,in_progress"),
];
const ROWS: u64 = 100;

#[derive(Deserialize)]
pub struct DispatchQuery {
    tab: Option<usize>,
}

async fn rows(ctx: &Ctx, p: &Principal, tab: usize) -> Result<Vec<CaseView>, ConsoleError> {
    let lang = ctx.lang;
    let mut queries = Vec::new();
    if tab == 2 {
        queries.push(CaseQuery { extension_pending: Some(true), ..Default::default() });
    } else {
        for status in TABS[tab].1.split(',') {
            queries.push(CaseQuery { status: Some(status.to_owned()), ..Default::default() });
        }
    }
    let mut out = Vec::new();
    for q in queries {
        let page = ctx.state.core.list_cases(p, q, PageRequest::first(ROWS)).await.map_err(|e| ConsoleError::api(lang, false, e))?;
        out.extend(page.items);
    }
    // Oldest waiting first; for open cases, the earliest deadline first.
    match tab {
        3 => out.sort_by_key(|c| (c.status != "dispatched", c.sign_due_at.or(c.feedback_due_at))),
        _ => out.sort_by_key(|c| c.created_at),
    }
    Ok(out)
}

/// What the rules decided for a contact (the latest stored decision): the unit they name, if
/// any, and their reason in words.
async fn rules_say(ctx: &Ctx, p: &Principal, c: &CaseView, names: &HashMap<Uuid, String>) -> (Option<String>, String) {
    let Ok(ds) = ctx.state.core.case_routing(p, &c.id.to_string()).await else { return (None, String::new()) };
    let Some(d) = ds.last().map(|d| &d.decision) else { return (None, String::new()) };
    let reason = d["reason"].as_str().unwrap_or_default().to_owned();
    let lead = d["lead_unit"].as_str().filter(|_| d["manual"].as_bool() != Some(true));
    match lead {
        Some(u) => {
            let name = u.parse::<Uuid>().ok().and_then(|id| names.get(&id).cloned()).unwrap_or_else(|| u.to_owned());
            (Some(name.clone()), format!("{name} — {reason}"))
        }
        None => (None, format!("{} — {reason}", ctx.lang.t("desk.manual"))),
    }
}

/// The latest return's reason, as the unit wrote it.
async fn return_reason(ctx: &Ctx, p: &Principal, c: &CaseView) -> String {
    let Ok(events) = ctx.state.core.case_events(p, &c.id.to_string(), PageRequest::first(200)).await else { return String::new() };
    events.items.iter().rev().find(|e| e.action == Action::Return.as_str()).and_then(|e| e.reason.clone()).unwrap_or_default()
}

fn unit_label(names: &HashMap<Uuid, String>, id: &Uuid) -> String {
    names.get(id).cloned().unwrap_or_else(|| id.to_string())
}

fn row_id(c: &CaseView) -> String {
    format!("row-{}", c.id)
}

/// The inline decision of a row, posted to `/console/dispatch/{id}/{decision}`; the answer
/// replaces the row.
fn decision_form(lang: Lang, c: &CaseView, decision: &str, units: &[(Uuid, String)], problem: Option<&Problem>) -> Markup {
    let target = format!("#{}", row_id(c));
    let post = format!("/console/dispatch/{}/{decision}", c.id);
    match decision {
        "extension" => html! {
            form.inline hx-post=(post) hx-target=(target) hx-swap="outerHTML" {
                (alert(problem))
                button.primary type="submit" name="approve" value="true" { (lang.t("dispatch.approve")) }
                " "
                button.danger type="submit" name="approve" value="false" { (lang.t("dispatch.refuse")) }
            }
        },
        "reject-return" => html! {
            details open[problem.is_some()] {
                summary { (lang.term("action", "reject_return")) }
                form hx-post=(post) hx-target=(target) hx-swap="outerHTML" {
                    (alert(problem))
                    textarea name="reason" required placeholder=(lang.t("field.reason")) {}
                    button.primary type="submit" { (lang.term("action", "reject_return")) }
                }
            }
        },
        _ => html! {
            details open[problem.is_some()] {
                summary { (lang.term("action", "change_lead")) }
                form hx-post=(post) hx-target=(target) hx-swap="outerHTML" {
                    (alert(problem))
                    select name="unit_id" aria-label=(lang.t("field.lead_unit_id")) {
                        @for (id, n) in units { @if Some(*id) != c.lead_unit_id { option value=(id) { (n) } } }
                    }
                    textarea name="reason" required placeholder=(lang.t("field.reason")) {}
                    button.primary type="submit" { (lang.term("action", "change_lead")) }
                }
            }
        },
    }
}

struct Row<'a> {
    c: &'a CaseView,
    /// The tab's own column: what the rules say, why returned, the extension asked, or the
    /// units.
    note: String,
    /// The rules name a unit: the queue offers to dispatch as they say.
    ruled: bool,
}

fn row(lang: Lang, tab: usize, r: &Row, units: &[(Uuid, String)], problem: Option<&Problem>) -> Markup {
    let c = r.c;
    let due = if c.status == "dispatched" { c.sign_due_at } else { c.feedback_due_at };
    html! {
        tr id=(row_id(c)) class=(time_class(due)) {
            td { a href=(format!("/console/cases/{}", c.id)) { (c.tracking_number) } }
            td { (c.title) }
            td { (badge(lang, "status", &c.status)) }
            td { (when(c.created_at)) }
            td { @if let Some(d) = due { (when(d)) } }
            td.note { (r.note) }
            td.decide {
                @match tab {
                    1 => (decision_form(lang, c, "reject-return", units, problem)),
                    2 => (decision_form(lang, c, "extension", units, problem)),
                    3 => (decision_form(lang, c, "lead", units, problem)),
                    _ => {
                        @if r.ruled {
                            form.inline hx-post=(format!("/console/dispatch/{}/dispatch", c.id)) hx-target=(format!("#{}", row_id(c))) hx-swap="outerHTML" {
                                (alert(problem))
                                button.primary type="submit" { (lang.t("dispatch.as_ruled")) }
                            }
                        }
                        a.button href=(format!("/console/cases/{}", c.id)) { (lang.t("dispatch.open")) }
                    },
                }
            }
        }
    }
}

async fn row_of<'a>(ctx: &Ctx, p: &Principal, tab: usize, c: &'a CaseView, names: &HashMap<Uuid, String>) -> Row<'a> {
    let lang = ctx.lang;
    let unit = |u: Option<Uuid>| u.map(|u| unit_label(names, &u)).unwrap_or_default();
    let (note, ruled) = match tab {
        0 => {
            let (lead, note) = rules_say(ctx, p, c, names).await;
            (note, lead.is_some())
        }
        1 => {
            let why = return_reason(ctx, p, c).await;
            (format!("{}: {why} ({} {})", unit(c.lead_unit_id), lang.t("dispatch.returns_count"), c.return_count), false)
        }
        2 => {
            let days = c.extension_days_requested.unwrap_or_default();
            (format!("{days} {} — {}", lang.t("dispatch.days"), c.extension_reason.as_deref().unwrap_or("")), false)
        }
        _ => {
            let co: Vec<String> = c.participants.iter().filter(|x| x.role == "co").map(|x| unit_label(names, &x.unit_id)).collect();
            let lead = unit(c.lead_unit_id);
            (if co.is_empty() { lead } else { format!("{lead} + {}", co.join("、")) }, false)
        }
    };
    Row { c, note, ruled }
}

/// `GET /console/dispatch?tab=0..3`
pub async fn dispatch(s: Staff, q: web::Query<DispatchQuery>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    if !p.has(Role::Dispatcher) {
        return Err(ConsoleError::api(lang, false, ApiError::new(StatusCode::FORBIDDEN, "forbidden", "the dispatcher's queues")));
    }
    let tab = q.tab.unwrap_or(0).min(TABS.len() - 1);
    let cases = rows(&ctx, &p, tab).await?;
    let units = unit_directory(&ctx, &p).await;
    let names: HashMap<Uuid, String> = units.iter().cloned().collect();
    let mut rows = Vec::with_capacity(cases.len());
    for c in &cases {
        rows.push(row_of(&ctx, &p, tab, c, &names).await);
    }
    let body = html! {
        nav.tabs {
            @for (i, (key, _)) in TABS.iter().enumerate() {
                a.on[i == tab] href=(format!("/console/dispatch?tab={i}")) { (lang.t(key)) }
            }
        }
        p.muted { (lang.t(&format!("{}_hint", TABS[tab].0))) }
        @if rows.is_empty() { p.muted #dispatch-empty { (lang.t("inbox.empty")) } } @else {
            table #dispatch {
                tr {
                    th { (lang.t("field.tracking_number")) } th { (lang.t("field.title")) } th { (lang.t("field.status")) }
                    th { (lang.t("field.created_at")) } th { (lang.t("dispatch.due")) } th { (lang.t(&format!("{}_note", TABS[tab].0))) }
                    th { (lang.t("dispatch.decide")) }
                }
                @for r in &rows { (row(lang, tab, r, &units, None)) }
            }
        }
    };
    Ok(ctx.ok(page(&ctx, &p, lang.t("nav.dispatch"), body)))
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    approve: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    reason: String,
}

/// `POST /console/dispatch/{id}/{dispatch|extension|reject-return|lead}`: the decision; the row again
/// (with the case's new state, or the refusal beside the form).
pub async fn decide(s: Staff, path: web::Path<(String, String)>, form: web::Form<DecisionForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (id, decision) = path.into_inner();
    let (action, tab, input) = match decision.as_str() {
        "dispatch" => (Action::Dispatch, 0, StepInput::default()),
        "extension" => (Action::DecideExtension, 2, StepInput { approve: Some(form.approve == "true"), ..Default::default() }),
        "reject-return" => (Action::RejectReturn, 1, StepInput { reason: blank(&form.reason), ..Default::default() }),
        "lead" => (Action::ChangeLead, 3, StepInput { unit_id: blank(&form.unit_id), reason: blank(&form.reason), ..Default::default() }),
        _ => return Err(ConsoleError::api(lang, true, ApiError::not_found("decision"))),
    };
    let units = unit_directory(&ctx, &p).await;
    let names: HashMap<Uuid, String> = units.iter().cloned().collect();
    match ctx.state.core.case_step(&p, &id, action, input).await {
        Ok(c) => {
            let done = html! {
                tr.done id=(row_id(&c)) {
                    td { a href=(format!("/console/cases/{}", c.id)) { (c.tracking_number) } }
                    td { (c.title) }
                    td { (badge(lang, "status", &c.status)) }
                    td colspan="4" { div.alert.ok role="status" { (lang.t("dispatch.done")) " " (lang.term("action", action.as_str())) } }
                }
            };
            Ok(ctx.ok(done))
        }
        Err(e) => {
            let err = ApiError::from(e);
            if !err.status.is_client_error() || err.status == StatusCode::NOT_FOUND {
                return Err(ConsoleError::api(lang, true, err));
            }
            let problem = Problem::from_api(lang, &err);
            let c = ctx.state.core.get_case(&p, &id).await.map_err(|e| ConsoleError::api(lang, true, e))?;
            let r = row_of(&ctx, &p, tab, &c, &names).await;
            Ok(ctx.html(err.status, row(lang, tab, &r, &units, Some(&problem))))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/dispatch", web::get().to(dispatch)).route("/console/dispatch/{id}/{decision}", web::post().to(decide));
}

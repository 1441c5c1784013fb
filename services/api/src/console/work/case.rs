//! One case as its reader may see it (caller data masked by the core), its history, and the
//! step forms the reader's role may use. The core decides every step; a refusal comes back as
//! words beside the form.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::Utc;
use hotline_core::Principal;
use hotline_core::cases::{CaseView, FeedbackInput, StepInput};
use hotline_domain::Role;
use hotline_domain::case::{Action, CaseStatus};
use hotline_store::PageRequest;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::blank;
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{Problem, alert, badge, choose, field, page};
use crate::console::i18n::{Lang, when};
use crate::console::session::{Ctx, Staff};
use crate::error::ApiError;

const EMERGENCY: [&str; 4] = ["110", "119", "120", "122"];
/// The feedback fields owed when the issue is not solved.
const UNRESOLVED: [&str; 4] = ["responsible_unit", "unresolved_reason", "next_steps", "next_date"];
const RETURN_REASONS: [&str; 5] = ["not_our_jurisdiction", "insufficient_information", "wrong_category", "duplicate", "other"];

/// Time left before a deadline as a colour: overdue, within a day, or comfortable.
pub fn time_class(due: Option<chrono::DateTime<Utc>>) -> &'static str {
    match due {
        None => "",
        Some(d) if d <= Utc::now() => "overdue",
        Some(d) if d - Utc::now() <= chrono::TimeDelta::hours(24) => "soon",
        Some(_) => "ok",
    }
}

/// The steps offered to a role (the core still checks unit, tenant and state).
fn steps_for(p: &Principal) -> Vec<&'static str> {
    let mut steps = Vec::new();
    if p.has_any(&[Role::Agent, Role::Dispatcher]) {
        steps.extend(["answer", "link", "transfer"]);
    }
    if p.has(Role::Dispatcher) {
        steps.extend(["accept", "dispatch", "reject_return", "decide_extension", "change_lead", "close", "reopen"]);
    }
    if p.has_any(&[Role::Dispatcher, Role::CitySupervisor]) {
        steps.push("supervision_notice");
    }
    if p.has_any(&[Role::UnitHandler, Role::UnitLead]) {
        steps.extend(["sign", "progress", "contribute", "release", "feedback", "return", "request_extension", "answer_notice"]);
    }
    steps
}

/// Whether the page offers `step` on this case to this reader: the state allows it and, for
/// unit steps, the reader's unit holds the part it needs. Only what is possible is shown; the
/// core still decides.
fn offered(p: &Principal, c: &CaseView, step: &str) -> bool {
    let Ok(action) = Action::parse(step) else { return false };
    let Ok(status) = CaseStatus::parse(&c.status) else { return false };
    let mine = p.unit_id.map(|u| u.0);
    let part = |role: &str, statuses: &[&str]| {
        c.participants.iter().any(|x| Some(x.unit_id) == mine && x.role == role && statuses.contains(&x.status.as_str()))
    };
    // A co-unit signs for its part while the case is anywhere at the units (as the core checks).
    let check = if step == "sign" && part("co", &["assigned"]) { Action::Contribute } else { action };
    if !check.allowed_from().contains(&status) {
        return false;
    }
    let leads = mine.is_some() && c.lead_unit_id == mine;
    match step {
        "decide_extension" => c.extension_days_requested.is_some(),
        "request_extension" => leads && c.extension_days_requested.is_none(),
        "sign" => part("lead", &["assigned"]) || part("co", &["assigned"]),
        "contribute" => part("co", &["assigned", "signed"]),
        "release" => leads && c.participants.iter().any(|x| x.role == "co" && matches!(x.status.as_str(), "assigned" | "signed")),
        "progress" | "feedback" | "return" | "answer_notice" => leads,
        _ => true,
    }
}

fn step_form(lang: Lang, c: &CaseView, step: &str, units: &[(Uuid, String)], problem: Option<&Problem>) -> Markup {
    let text = |name: &str| field(lang, problem, name, html! { textarea name=(name) required {} });
    let optional = |name: &str| field(lang, problem, name, html! { input name=(name); });
    let unit_choice =
        |name: &str| field(lang, problem, name, html! { select name=(name) { @for (id, n) in units { option value=(id) { (n) } } } });
    let names: HashMap<Uuid, &String> = units.iter().map(|(id, n)| (*id, n)).collect();
    let co_units: Vec<(Uuid, String)> = c
        .participants
        .iter()
        .filter(|x| x.role == "co" && matches!(x.status.as_str(), "assigned" | "signed"))
        .map(|x| (x.unit_id, names.get(&x.unit_id).map(|n| n.to_string()).unwrap_or_else(|| x.unit_id.to_string())))
        .collect();
    let fields = match step {
        "answer" => html! { (text("answer")) (field(lang, problem, "article_id", html! { input name="article_id"; })) },
        "link" => html! { (field(lang, problem, "duplicate_of", html! { input name="duplicate_of" required; })) },
        "transfer" => field(lang, problem, "line", choose(lang, "line", "emergency", &EMERGENCY, None, false)),
        "accept" => field(
            lang,
            problem,
            "urgency",
            choose(lang, "urgency", "urgency", &["general", "utilities", "emergency", "complex"], Some(&c.urgency), false),
        ),
        "dispatch" => unit_choice("lead_unit_id"),
        "change_lead" => html! { (unit_choice("unit_id")) (text("reason")) },
        "release" => html! {
            (field(lang, problem, "unit_id", html! { select name="unit_id" { @for (id, n) in &co_units { option value=(id) { (n) } } } }))
            (optional("reason"))
        },
        "progress" | "contribute" | "supervision_notice" | "answer_notice" => text("text"),
        "close" => optional("reason"),
        "reopen" => text("reason"),
        // Feedback is owed even when the issue is not solved; then it says who, why, what next
        // and by when (the core requires those when "resolved" is not ticked).
        "feedback" => html! {
            (text("text"))
            label { input type="checkbox" name="resolved" value="true" checked; " " (lang.t("case.resolved")) }
            details open[problem.is_some_and(|p| p.field.as_deref().is_some_and(|f| UNRESOLVED.contains(&f)))] {
                summary { (lang.t("case.unresolved")) }
                (optional("responsible_unit"))
                (optional("unresolved_reason"))
                (optional("next_steps"))
                (field(lang, problem, "next_date", html! { input name="next_date" type="date"; }))
            }
        },
        "return" => {
            html! { (field(lang, problem, "reason_code", choose(lang, "reason_code", "return", &RETURN_REASONS, None, false))) (text("reason")) }
        }
        "request_extension" => {
            html! { (field(lang, problem, "days", html! { input name="days" type="number" min="1" max="30" value="5"; })) (text("reason")) }
        }
        "reject_return" => text("reason"),
        "decide_extension" => html! { label { input type="checkbox" name="approve" value="true" checked; " " (lang.t("case.approve")) } },
        _ => html! {},
    };
    html! {
        form.card.step hx-post=(format!("/console/cases/{}/step/{step}", c.id)) hx-target="#case-main" hx-select="#case-main" hx-swap="outerHTML" {
            h3 { (lang.term("action", step)) }
            (alert(problem))
            (fields)
            button.primary type="submit" { (lang.term("action", step)) }
        }
    }
}

fn facts(lang: Lang, c: &CaseView, names: &HashMap<Uuid, String>) -> Markup {
    let unit = |id: &Uuid| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    html! {
        dl.facts {
            dt { (lang.t("field.tracking_number")) } dd { strong data-tracking=(c.tracking_number) { (c.tracking_number) } }
            dt { (lang.t("field.status")) } dd #status { (badge(lang, "status", &c.status)) }
            dt { (lang.t("field.contact_type")) } dd { (lang.term("type", &c.contact_type)) " · " (lang.term("channel", &c.channel)) }
            dt { (lang.t("field.title")) } dd { (c.title) }
            dt { (lang.t("field.description")) } dd { (c.description) }
            @if let Some(a) = &c.address { dt { (lang.t("field.address")) } dd { (a) } }
            @if let Some(n) = &c.caller_name { dt { (lang.t("field.caller_name")) } dd { (n) } }
            @if let Some(ph) = &c.caller_phone { dt { (lang.t("field.caller_phone")) } dd { (ph) } }
            @if let Some(id) = &c.lead_unit_id { dt { (lang.t("case.lead")) } dd { (unit(id)) } }
            @if let Some(due) = c.feedback_due_at { dt { (lang.t("case.feedback_due")) } dd { span class=(format!("badge time-{}", time_class(Some(due)))) { (when(due)) } } }
            @if let Some(a) = &c.answer { dt { (lang.t("field.answer")) } dd { (a) } }
            @if let Some(f) = &c.feedback { dt { (lang.t("case.feedback")) } dd { (f) } }
            @if let Some(r) = &c.rating { dt { (lang.t("field.rating")) } dd { (lang.term("rating", r)) } }
        }
        @if !c.participants.is_empty() {
            h2 { (lang.t("case.units")) }
            table {
                tr { th { (lang.t("case.unit")) } th { (lang.t("case.role")) } th { (lang.t("field.status")) } th { (lang.t("case.contribution")) } }
                @for x in &c.participants {
                    tr { td { (unit(&x.unit_id)) } td { (lang.term("part", &x.role)) } td { (lang.term("part", &x.status)) } td { (x.contribution.as_deref().unwrap_or("")) } }
                }
            }
        }
    }
}

/// The units `p` may dispatch to, labelled `line · name` (agents and dispatchers); for unit
/// staff the units of their own line, so the page names the participants.
pub async fn unit_directory(ctx: &Ctx, p: &Principal) -> Vec<(Uuid, String)> {
    if let Ok(targets) = ctx.state.core.dispatch_targets(p).await {
        return targets.into_iter().map(|u| (u.id, format!("{} · {}", u.line, u.name))).collect();
    }
    let q = hotline_core::admin::units::UnitQuery::default();
    let code = p.tenant.code.to_string();
    match ctx.state.core.list_units(p, &code, q, PageRequest::first(500)).await {
        Ok(page) => page.items.into_iter().map(|u| (u.id, format!("{code} · {}", u.name))).collect(),
        Err(_) => Vec::new(),
    }
}

async fn render(ctx: &Ctx, p: &Principal, id: &str, failed: Option<(&str, &Problem)>) -> Result<maud::Markup, ConsoleError> {
    let lang = ctx.lang;
    let c = ctx.state.core.get_case(p, id).await.map_err(|e| ConsoleError::api(lang, ctx.htmx, e))?;
    let events = ctx.state.core.case_events(p, id, PageRequest::first(200)).await.map_err(|e| ConsoleError::api(lang, ctx.htmx, e))?;
    let steps = steps_for(p);
    let mut units = unit_directory(ctx, p).await;
    // The lines the rules chose come first in the dispatcher's choice.
    if steps.contains(&"dispatch")
        && let Ok(decisions) = ctx.state.core.case_routing(p, id).await
    {
        let chosen: Vec<String> = decisions
            .last()
            .and_then(|d| d.decision["lines"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|l| l["code"].as_str().map(|c| format!("{c} · ")))
            .collect();
        units.sort_by_key(|(_, label)| !chosen.iter().any(|c| label.starts_with(c.as_str())));
    }
    let names: HashMap<Uuid, String> = units.iter().cloned().collect();
    Ok(html! {
        div #case-main {
            div.grid2 {
                div {
                    div.card { (facts(lang, &c, &names)) }
                    h2 { (lang.t("case.history")) }
                    ol.timeline {
                        @for e in &events.items {
                            li { time { (when(e.at)) } strong { (lang.term("action", &e.action)) } " " (e.actor_name.as_deref().unwrap_or(""))
                                 @if let Some(r) = &e.reason { " — " (r) } }
                        }
                    }
                }
                div {
                    @for step in steps.iter().filter(|s| offered(p, &c, s) || failed.is_some_and(|(f, _)| f == **s)) {
                        (step_form(lang, &c, step, &units, failed.filter(|(s, _)| s == step).map(|(_, p)| p)))
                    }
                }
            }
        }
    })
}

/// `GET /console/cases/{id}`
pub async fn show(s: Staff, id: web::Path<String>) -> PageResult {
    let Staff { ctx, p } = s;
    let body = render(&ctx, &p, &id, None).await?;
    Ok(ctx.ok(page(&ctx, &p, ctx.lang.t("case.title"), body)))
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    answer: String,
    #[serde(default)]
    article_id: String,
    #[serde(default)]
    duplicate_of: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    lead_unit_id: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    responsible_unit: String,
    #[serde(default)]
    unresolved_reason: String,
    #[serde(default)]
    next_steps: String,
    #[serde(default)]
    next_date: String,
    resolved: Option<String>,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    days: String,
    approve: Option<String>,
}

impl StepForm {
    fn input(self, step: &str) -> Result<StepInput, Problem> {
        let days = match blank(&self.days) {
            None => None,
            Some(d) => Some(d.parse::<i64>().map_err(|_| Problem { field: Some("days".into()), text: String::new() })?),
        };
        let feedback = (step == "feedback").then(|| FeedbackInput {
            text: self.text.clone(),
            resolved: self.resolved.is_some(),
            responsible_unit: blank(&self.responsible_unit),
            unresolved_reason: blank(&self.unresolved_reason),
            next_steps: blank(&self.next_steps),
            next_date: blank(&self.next_date),
        });
        Ok(StepInput {
            answer: blank(&self.answer),
            article_id: blank(&self.article_id),
            duplicate_of: blank(&self.duplicate_of),
            line: blank(&self.line),
            urgency: blank(&self.urgency),
            lead_unit_id: blank(&self.lead_unit_id),
            unit_id: blank(&self.unit_id),
            text: if step == "feedback" { None } else { blank(&self.text) },
            reason_code: blank(&self.reason_code),
            reason: blank(&self.reason),
            days,
            approve: (step == "decide_extension").then_some(self.approve.is_some()),
            feedback,
            ..Default::default()
        })
    }
}

/// `POST /console/cases/{id}/step/{step}`: the step; the case again, or the form with why not.
pub async fn step(s: Staff, path: web::Path<(String, String)>, form: web::Form<StepForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (id, step) = path.into_inner();
    let action = Action::parse(&step).map_err(|_| ConsoleError::api(lang, true, ApiError::not_found("step")))?;
    let result = match form.into_inner().input(&step) {
        Ok(input) => ctx.state.core.case_step(&p, &id, action, input).await.map(|_| ()).map_err(|e| {
            let err = ApiError::from(e);
            (err.status, Problem::from_api(lang, &err))
        }),
        Err(mut problem) => {
            problem.text = lang.t("err.not_a_number").to_owned();
            Err((StatusCode::UNPROCESSABLE_ENTITY, problem))
        }
    };
    match result {
        Ok(()) => Ok(ctx.ok(render(&ctx, &p, &id, None).await?)),
        Err((status, problem)) if status.is_client_error() && status != StatusCode::NOT_FOUND => {
            Ok(ctx.html(status, render(&ctx, &p, &id, Some((&step, &problem))).await?))
        }
        Err((status, problem)) => Err(ConsoleError::api(lang, true, ApiError::new(status, "refused", problem.text))),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/cases/{id}", web::get().to(show)).route("/console/cases/{id}/step/{step}", web::post().to(step));
}

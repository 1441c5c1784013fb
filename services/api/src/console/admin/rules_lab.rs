//! Trying a version before publishing it: simulate a sample case (the decision and the trace of
//! which rules fired and why), and replay it over the line's cases of the last 30 days against
//! the published rules. Nothing is saved.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use hotline_core::Principal;
use hotline_core::admin::tenants::TenantView;
use hotline_core::cases::IntakeInput;
use hotline_core::routing::{ReplayReport, RuleSetView, SimulateInput, Summary};
use hotline_domain::rules::{RoutingDecision, RuleAction};
use maud::{Markup, html};
use serde::Deserialize;

use super::json_edit::{self, EditorError};
use super::{base, is_platform, open, unit_names};
use crate::console::error::PageResult;
use crate::console::html::{blank, choose, field};
use crate::console::i18n::Lang;
use crate::console::session::{Ctx, Staff};
use crate::error::ApiError;

const CHANNELS: [&str; 8] = ["phone", "web", "app", "sms", "email", "letter", "visit", "wechat"];
const CONTACT_TYPES: [&str; 7] = ["complaint", "consultation", "help", "suggestion", "report", "praise", "other"];
const URGENCIES: [&str; 4] = ["general", "utilities", "emergency", "complex"];
const REPLAY_DAYS: i64 = 30;

fn url(t: &TenantView, v: &RuleSetView, what: &str) -> String {
    format!("{}/rules/{}/{what}", base(&t.code), v.id)
}

/// The sample case. On a draft's page the editor's text goes along (`rules`), so what is
/// simulated is what is typed, saved or not.
pub fn simulate_form(ctx: &Ctx, p: &Principal, t: &TenantView, v: &RuleSetView) -> Markup {
    let lang = ctx.lang;
    // From the platform, a case reaches a line through the front door; dialling the line's own
    // number starts at the line (when it keeps its number ringing).
    let dialled = if p.on_platform() && !is_platform(t) { t.numbers.first().cloned().unwrap_or_default() } else { String::new() };
    html! {
        section.card #simulate-box {
            h3 { (lang.t("admin.sim.title")) }
            form #simulate-form hx-post=(url(t, v, "simulate")) hx-target="#simulate-result" hx-include="#rules-text" {
                div.row {
                    (field(lang, None, "contact_type", choose(lang, "contact_type", "type", &CONTACT_TYPES, Some("complaint"), false)))
                    (field(lang, None, "channel", choose(lang, "channel", "channel", &CHANNELS, Some("phone"), false)))
                    (field(lang, None, "urgency", choose(lang, "urgency", "urgency", &URGENCIES, None, true)))
                }
                (field(lang, None, "title", html! { input name="title" maxlength="200"; }))
                (field(lang, None, "description", html! { textarea name="description" rows="3" required {} }))
                div.row {
                    (field(lang, None, "district", html! { input name="district" maxlength="64"; }))
                    (field(lang, None, "address", html! { input name="address" maxlength="200"; }))
                    (field(lang, None, "dialled_number", html! { input name="dialled_number" value=(dialled) maxlength="20"; }))
                }
                button.primary #simulate-button type="submit" { (lang.t("admin.sim.run")) }
            }
            div #simulate-result {}
        }
    }
}

#[derive(Deserialize, Default)]
pub struct SimForm {
    #[serde(default)]
    contact_type: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    dialled_number: String,
    /// The editor's text, on a draft's page.
    #[serde(default)]
    rules: String,
}

fn unit<'a>(names: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    names.get(id).map_or(id, String::as_str)
}

/// An action in words, units by name.
fn action(lang: Lang, a: &RuleAction, names: &HashMap<String, String>) -> String {
    let target = match a {
        RuleAction::RouteToLine { line } => line.clone(),
        RuleAction::RouteToUnit { unit: u } => unit(names, u).to_owned(),
        RuleAction::JointHandling { lead, co_units } => {
            let co: Vec<&str> = co_units.iter().map(|c| unit(names, c)).collect();
            format!("{} + {}", unit(names, lead), co.join("、"))
        }
        RuleAction::SetUrgency { urgency } => lang.term("urgency", urgency).into_owned(),
        RuleAction::SetCategory { category } => category.clone(),
        RuleAction::SetContactType { contact_type } => lang.term("type", contact_type).into_owned(),
        RuleAction::AddTag { tag } => tag.clone(),
        RuleAction::AnswerFromKb { article } => article.clone(),
        RuleAction::Notify { role, unit: u } => {
            role.clone().or_else(|| u.as_deref().map(|u| unit(names, u).to_owned())).unwrap_or_default()
        }
        RuleAction::FlagProblem { reason } => reason.clone(),
        RuleAction::TransferEmergency { line } => line.clone(),
    };
    format!("{} {target}", lang.term("ruleaction", a.kind()))
}

/// A text of the core's (a stage's outcome) with unit ids replaced by their names.
fn named(text: &str, names: &HashMap<String, String>) -> String {
    names.iter().fold(text.to_owned(), |t, (id, name)| t.replace(id.as_str(), name))
}

/// The decision and its trace.
fn decision(lang: Lang, d: &RoutingDecision, names: &HashMap<String, String>) -> Markup {
    let co: Vec<&str> = d.co_units.iter().map(|c| unit(names, c)).collect();
    html! {
        section.decision #decision data-manual=(d.manual) data-lead=[d.lead_unit.as_deref()] {
            h4 { (lang.t("admin.sim.decision")) }
            dl.facts {
                dt { (lang.t("admin.sim.lines")) }
                dd #decision-lines {
                    @for l in &d.lines { span.badge data-line=(l.code) { (l.code) " " (lang.term("part", l.role)) } " " span.muted { (l.via) } " " }
                }
                dt { (lang.t("case.lead")) }
                dd #decision-lead { @match &d.lead_unit { Some(u) => (unit(names, u)), None => "—" } }
                dt { (lang.t("admin.sim.co_units")) } dd #decision-co { @if co.is_empty() { "—" } @else { (co.join("、")) } }
                dt { (lang.t("desk.manual")) } dd #decision-manual { (lang.t(if d.manual { "admin.yes" } else { "admin.no" })) }
                dt { (lang.t("admin.sim.reason")) } dd { (d.reason) }
                @if let Some(u) = &d.urgency { dt { (lang.t("field.urgency")) } dd { (lang.term("urgency", u)) } }
                @if let Some(c) = &d.category { dt { (lang.t("field.category")) } dd { (c) } }
            }
            h4 { (lang.t("admin.sim.trace")) }
            @for st in &d.stages {
                div.stage data-tenant=(st.tenant) {
                    p {
                        strong { (st.tenant) } " "
                        // Rules checked from the editor's text are compiled as version 0.
                        @if st.evaluation.version == 0 { (lang.t("admin.sim.typed")) } @else { "v" (st.evaluation.version) }
                        " — " (named(&st.outcome, names))
                    }
                    table.trace {
                        tr { th { (lang.t("admin.sim.rule")) } th { (lang.t("admin.sim.priority")) } th { (lang.t("admin.sim.matched")) } th { (lang.t("admin.sim.actions")) } }
                        @for r in &st.evaluation.evaluated {
                            tr.matched[r.matched] data-rule=(r.name()) data-matched=(r.matched) {
                                td { (r.name()) @if r.stop && r.matched { " " span.badge { (lang.t("admin.sim.stop")) } } }
                                td { (r.rule.priority) }
                                td { (lang.t(if r.matched { "admin.yes" } else { "admin.no" })) }
                                td {
                                    @for a in r.actions() { (action(lang, a, names)) br; }
                                    @if let Some(e) = &r.error { span.error { (e) } }
                                }
                            }
                        }
                    }
                    p.muted {
                        (lang.t("admin.sim.skipped").replace("{n}", &st.evaluation.skipped.to_string()))
                        @if !st.evaluation.keywords_found.is_empty() { " · " (lang.t("admin.sim.keywords")) " " (st.evaluation.keywords_found.join("、")) }
                    }
                }
            }
        }
    }
}

/// `POST /console/admin/{code}/rules/{id}/simulate`
pub async fn simulate(s: Staff, path: web::Path<(String, String)>, f: web::Form<SimForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let rules = match blank(&f.rules).map(|text| json_edit::parse(lang, &text)).transpose() {
        Ok(rules) => rules,
        Err(e) => return Ok(ctx.html(StatusCode::UNPROCESSABLE_ENTITY, e.render(lang, "simulate-problem"))),
    };
    let case = IntakeInput {
        channel: f.channel.clone(),
        contact_type: f.contact_type.clone(),
        urgency: blank(&f.urgency),
        title: blank(&f.title),
        description: f.description.clone(),
        district: blank(&f.district),
        address: blank(&f.address),
        dialled_number: blank(&f.dialled_number),
        ..Default::default()
    };
    let input = SimulateInput {
        case: Some(case),
        tenant: Some(t.code.clone()),
        rule_set_id: rules.is_none().then_some(id),
        rules,
        ..Default::default()
    };
    match ctx.state.core.simulate(&p, input).await {
        Ok(d) => {
            let mut codes: Vec<&str> = d.lines.iter().map(|l| l.code.as_str()).collect();
            codes.push(&t.code);
            codes.sort_unstable();
            codes.dedup();
            let names = unit_names(&ctx, &p, &codes).await;
            Ok(ctx.ok(decision(lang, &d, &names)))
        }
        Err(e) => {
            let err = ApiError::from(e);
            let shown = EditorError::from_api(
                lang,
                &err,
                if err.body.reason.as_deref() == Some("invalid_rule") { "admin.rules.invalid" } else { "admin.sim.invalid_case" },
            );
            Ok(ctx.html(err.status, shown.render(lang, "simulate-problem")))
        }
    }
}

pub fn replay_form(lang: Lang, t: &TenantView, v: &RuleSetView) -> Markup {
    html! {
        section.card #replay-box {
            h3 { (lang.t("admin.replay.title")) }
            p.muted { (lang.t("admin.replay.hint")) }
            form #replay-form hx-post=(url(t, v, "replay")) hx-target="#replay-result" {
                button #replay-button type="submit" { (lang.t("admin.replay.run")) }
            }
            div #replay-result {}
        }
    }
}

fn summary(lang: Lang, s: &Summary, names: &HashMap<String, String>) -> Markup {
    html! {
        (s.lines.join(" · "))
        @if let Some(u) = &s.lead_unit_id { " → " strong { (unit(names, u)) } }
        @if !s.co_unit_ids.is_empty() { " + " (s.co_unit_ids.iter().map(|c| unit(names, c)).collect::<Vec<_>>().join("、")) }
        @if s.manual { " " span.badge.time-soon { (lang.t("desk.manual")) } }
    }
}

fn report(lang: Lang, r: &ReplayReport, names: &HashMap<String, String>) -> Markup {
    let line = lang.t("admin.replay.result").replace("{cases}", &r.cases.to_string()).replace("{changed}", &r.changed.to_string());
    html! {
        div #replay-report data-cases=(r.cases) data-changed=(r.changed) {
            p { strong { (line) } }
            @if !r.examples.is_empty() {
                table.replay {
                    tr { th { (lang.t("field.tracking_number")) } th { (lang.t("admin.replay.before")) } th { (lang.t("admin.replay.after")) } }
                    @for x in &r.examples {
                        tr data-tracking=(x.tracking_number) {
                            td { a href=(format!("/console/cases/{}", x.case_id)) { (x.tracking_number) } }
                            td.del { (summary(lang, &x.before, names)) }
                            td.add { (summary(lang, &x.after, names)) }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /console/admin/{code}/rules/{id}/replay`: this version over the last 30 days' cases.
pub async fn replay(s: Staff, path: web::Path<(String, String)>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let to = ctx.state.core.now();
    let from = to - chrono::TimeDelta::days(REPLAY_DAYS);
    match ctx.state.core.replay(&p, &t.code, &id, from, to).await {
        Ok(r) => {
            let names = unit_names(&ctx, &p, &[&t.code]).await;
            Ok(ctx.ok(report(lang, &r, &names)))
        }
        Err(e) => {
            let err = ApiError::from(e);
            Ok(ctx.html(err.status, EditorError::from_api(lang, &err, "admin.rules.invalid").render(lang, "replay-problem")))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/admin/{code}/rules/{id}/simulate", web::post().to(simulate))
        .route("/console/admin/{code}/rules/{id}/replay", web::post().to(replay));
}

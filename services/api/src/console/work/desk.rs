//! The agent desk: a contact written down while the assistant (rules, learned suggestion,
//! knowledge, duplicates) follows the typing; on saving, the tracking number and the next step.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use hotline_core::DeskAssist;
use hotline_core::cases::IntakeInput;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::blank;
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{Problem, alert, choose, field, page};
use crate::console::i18n::{Lang, when};
use crate::console::session::{Ctx, Staff};
use crate::error::ApiError;

const CHANNELS: [&str; 8] = ["phone", "web", "app", "sms", "email", "letter", "visit", "wechat"];
const CONTACT_TYPES: [&str; 7] = ["complaint", "consultation", "help", "suggestion", "report", "praise", "other"];

#[derive(Deserialize, Default)]
pub struct Draft {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    contact_type: String,
    #[serde(default)]
    caller_name: String,
    #[serde(default)]
    caller_phone: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    district: String,
}

impl Draft {
    fn input(&self) -> IntakeInput {
        IntakeInput {
            channel: self.channel.clone(),
            contact_type: self.contact_type.clone(),
            caller_name: blank(&self.caller_name),
            caller_phone: blank(&self.caller_phone),
            title: blank(&self.title),
            description: self.description.clone(),
            address: blank(&self.address),
            district: blank(&self.district),
            ..Default::default()
        }
    }
}

fn selected<'a>(v: &'a str, default: &'static str) -> Option<&'a str> {
    Some(if v.is_empty() { default } else { v })
}

fn form(ctx: &Ctx, d: &Draft, problem: Option<&Problem>) -> Markup {
    let lang = ctx.lang;
    html! {
        form.card #desk-form hx-post="/console/desk/intake" hx-target="#desk-form" hx-swap="outerHTML" {
            (alert(problem))
            div.row {
                (field(lang, problem, "channel", choose(lang, "channel", "channel", &CHANNELS, selected(&d.channel, "phone"), false)))
                (field(lang, problem, "contact_type", choose(lang, "contact_type", "type", &CONTACT_TYPES, selected(&d.contact_type, "complaint"), false)))
            }
            div.row {
                (field(lang, problem, "caller_name", html! { input name="caller_name" value=(d.caller_name); }))
                (field(lang, problem, "caller_phone", html! { input name="caller_phone" type="tel" value=(d.caller_phone); }))
            }
            (field(lang, problem, "title", html! { input name="title" value=(d.title); }))
            // hx-swap is inherited from the form (outerHTML): the assistant fills #assist instead.
            (field(lang, problem, "description", html! {
                textarea name="description" required
                    hx-post="/console/desk/assist" hx-trigger="input changed delay:500ms, load" hx-include="#desk-form" hx-target="#assist" hx-swap="innerHTML" { (d.description) }
            }))
            div.row {
                (field(lang, problem, "address", html! { input name="address" value=(d.address); }))
                (field(lang, problem, "district", html! { input name="district" value=(d.district); }))
            }
            button.primary type="submit" { (lang.t("desk.save")) }
        }
    }
}

/// `GET /console/desk`
pub async fn desk(s: Staff) -> HttpResponse {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let body = html! {
        div.grid2 {
            div { (form(&ctx, &Draft::default(), None)) }
            aside.card.assist #assist { p.muted { (lang.t("desk.assist_hint")) } }
        }
    };
    ctx.ok(page(&ctx, &p, lang.t("nav.desk"), body))
}

/// A rule trace names units by id; the agent reads their names.
fn named(text: &str, units: &[(uuid::Uuid, String)]) -> String {
    units.iter().fold(text.to_owned(), |t, (id, name)| t.replace(&id.to_string(), name))
}

fn routing(lang: Lang, d: &Value, units: &[(uuid::Uuid, String)]) -> Markup {
    let lines: Vec<String> = d["lines"]
        .as_array()
        .map(|ls| ls.iter().map(|l| format!("{} ({})", l["code"].as_str().unwrap_or(""), l["via"].as_str().unwrap_or(""))).collect())
        .unwrap_or_default();
    html! {
        section #routing {
            h3 { (lang.t("desk.rules")) }
            @if d["manual"].as_bool() == Some(true) { p { span.badge.time-soon { (lang.t("desk.manual")) } } }
            p { strong data-lines=(lines.join(",")) { (lines.join(" · ")) } }
            @if let Some(reason) = d["reason"].as_str() { p.muted { (named(reason, units)) } }
            @if let Some(stages) = d["stages"].as_array() {
                ul.trace { @for s in stages { li { (s["tenant"].as_str().unwrap_or("")) ": " (named(s["outcome"].as_str().unwrap_or(""), units)) } } }
            }
        }
    }
}

fn assist_panel(lang: Lang, a: &DeskAssist, units: &[(uuid::Uuid, String)]) -> Markup {
    html! {
        (routing(lang, &a.decision, units))
        section {
            h3 { (lang.t("desk.suggestion")) }
            @if a.suggestion.suggestions.is_empty() { p.muted { (lang.t("desk.no_model")) } }
            ul { @for s in &a.suggestion.suggestions { li { (s.name) " " span.muted { (format!("{:.0}%", s.confidence * 100.0)) } } } }
        }
        section {
            h3 { (lang.t("desk.articles")) }
            @if a.articles.is_empty() { p.muted { (lang.t("desk.none")) } }
            ul { @for h in &a.articles { li.hit { @for s in &h.title { @if s.hit { mark { (s.text) } } @else { (s.text) } } " " span.badge { (h.tenant_code) } } } }
        }
        section {
            h3 { (lang.t("desk.duplicates")) }
            @if a.duplicates.is_empty() { p.muted { (lang.t("desk.none")) } }
            ul { @for c in &a.duplicates {
                li { a href=(format!("/console/cases/{}", c.case_id)) { (c.tracking_number) } " " (c.title) " "
                     span.muted { (format!("{:.2}", c.score.total)) " · " (when(c.created_at)) } }
            } }
        }
    }
}

/// `POST /console/desk/assist`: the assistant for the draft so far (nothing saved).
pub async fn assist(s: Staff, d: web::Form<Draft>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    if d.description.trim().is_empty() {
        return Ok(ctx.ok(html! { p.muted { (lang.t("desk.assist_hint")) } }));
    }
    match ctx.state.core.desk_assist(&p, d.input()).await {
        Ok(a) => Ok(ctx.ok(assist_panel(lang, &a, &super::case::unit_directory(&ctx, &p).await))),
        // A draft the rules cannot read yet (say, a phone half typed) is not an error to shout.
        Err(e) => {
            let err = ApiError::from(e);
            if err.status == StatusCode::UNPROCESSABLE_ENTITY {
                Ok(ctx.ok(html! { p.muted { (Problem::from_api(lang, &err).text) } }))
            } else {
                Err(ConsoleError::api(lang, true, err))
            }
        }
    }
}

/// `POST /console/desk/intake`: the case; then its tracking number and the steps it may take.
pub async fn intake(s: Staff, d: web::Form<Draft>) -> HttpResponse {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    match ctx.state.core.create_case(&p, d.input(), None).await {
        Ok(result) => {
            let r = result.receipt;
            let lines = r.routing.as_ref().map(|s| s.lines.join(" · ")).unwrap_or_default();
            ctx.html(
                StatusCode::CREATED,
                html! {
                    div.card #desk-form {
                        div.alert.ok role="status" { (lang.t("desk.saved")) }
                        p.tracking data-tracking=(r.tracking_number) { (r.tracking_number) }
                        p { (lang.t("desk.routed_to")) " " strong #routed { (lines) } }
                        div.actions {
                            a.button.primary href=(format!("/console/cases/{}", r.case_id)) { (lang.t("desk.next_step")) }
                            a.button href="/console/desk" { (lang.t("desk.another")) }
                        }
                    }
                },
            )
        }
        Err(e) => {
            let err = ApiError::from(e);
            let problem = Problem::from_api(lang, &err);
            ctx.html(err.status, form(&ctx, &d, Some(&problem)))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/desk", web::get().to(desk))
        .route("/console/desk/assist", web::post().to(assist))
        .route("/console/desk/intake", web::post().to(intake));
}

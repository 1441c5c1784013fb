//! Calendar and time limits (工作日历与时限): the line's working calendar and time zone (the core
//! lets only the city admin change them; anyone else reads its refusal beside the form), and
//! the time-limit policy: the limits in force per urgency class, and the line's own overrides
//! edited as JSON.

use actix_web::http::StatusCode;
use actix_web::web;
use hotline_core::admin::tenants::{TenantView, UpdateTenant};
use hotline_domain::calendar::sla::{Limit, SlaPolicy, Stage, parse_overrides};
use hotline_domain::case::{ContactType, Urgency};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::json_edit::{self, EditorError};
use super::rules_diff::pretty;
use super::{base, frame, open, refused};
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{Problem, alert, field};
use crate::console::i18n::{Lang, when};
use crate::console::session::Staff;
use crate::error::ApiError;

/// The calendars the core knows (`WorkingCalendar::named`).
const CALENDARS: [&str; 2] = ["cn-2026", "weekdays"];
const STAGES: [(Stage, &str); 4] =
    [(Stage::Dispatch, "dispatch"), (Stage::Sign, "sign"), (Stage::Feedback, "feedback"), (Stage::Close, "close")];

fn url(code: &str) -> String {
    format!("{}/calendar", base(code))
}

#[derive(Deserialize, Default)]
pub struct CalendarForm {
    #[serde(default)]
    calendar: String,
    #[serde(default)]
    time_zone: String,
}

fn calendar_form(lang: Lang, t: &TenantView, f: &CalendarForm, problem: Option<&Problem>, saved: bool) -> Markup {
    html! {
        form.card #calendar-form hx-post=(url(&t.code)) hx-target="this" hx-swap="outerHTML" {
            h3 { (lang.t("admin.cal.title")) }
            (alert(problem))
            @if saved { div.alert.ok role="status" { (lang.t("admin.saved")) } }
            div.row {
                (field(lang, problem, "calendar", html! {
                    select name="calendar" { @for c in CALENDARS { option value=(c) selected[f.calendar == c] { (lang.term("calendar", c)) } } }
                }))
                (field(lang, problem, "time_zone", html! { input name="time_zone" value=(f.time_zone) maxlength="64"; }))
            }
            p.muted { (lang.t("admin.cal.city_only")) }
            button.primary type="submit" { (lang.t("admin.save")) }
        }
    }
}

/// A limit in words: natural time, working time or working days.
fn limit(lang: Lang, l: Limit) -> String {
    let span = |m: i64| {
        if m % 1440 == 0 {
            lang.t("admin.sla.days").replace("{n}", &(m / 1440).to_string())
        } else if m % 60 == 0 {
            lang.t("admin.sla.hours").replace("{n}", &(m / 60).to_string())
        } else {
            lang.t("admin.sla.minutes").replace("{n}", &m.to_string())
        }
    };
    match l {
        Limit::Natural(d) => span(d.num_minutes()),
        Limit::Working(d) => format!("{} {}", lang.t("admin.sla.working"), span(d.num_minutes())),
        Limit::WorkingDays(n) => lang.t("admin.sla.working_days").replace("{n}", &n.to_string()),
    }
}

/// The limits in force per urgency class for one contact type; cells the overrides change are
/// marked.
fn sla_table(lang: Lang, entries: &Value, contact_type: ContactType) -> Markup {
    let own = SlaPolicy::with_overrides(parse_overrides(entries).unwrap_or_default());
    let defaults = SlaPolicy::defaults();
    html! {
        table.sla #sla-table data-contact-type=(contact_type.as_str()) {
            tr { th { (lang.t("field.urgency")) } @for (_, s) in STAGES { th { (lang.term("stage", s)) } } }
            @for u in Urgency::ALL {
                tr data-urgency=(u.as_str()) {
                    th { (lang.term("urgency", u.as_str())) }
                    @for (stage, s) in STAGES {
                        @let l = own.limit(*u, contact_type, stage);
                        td.overridden[l != defaults.limit(*u, contact_type, stage)] data-stage=(s) {
                            @match l { Some(l) => (limit(lang, l)), None => "—" }
                        }
                    }
                }
            }
        }
    }
}

fn sla_box(lang: Lang, t: &TenantView, entries: &Value, text: &str, ct: ContactType, error: Option<&EditorError>, saved: bool) -> Markup {
    html! {
        div #sla-box {
            h3 { (lang.t("admin.sla.title")) }
            form.row #sla-type method="get" action=(url(&t.code)) {
                label.field { span { (lang.t("field.contact_type")) }
                    select name="ct" { @for c in ContactType::ALL { option value=(c.as_str()) selected[*c == ct] { (lang.term("type", c.as_str())) } } }
                }
                button type="submit" { (lang.t("admin.sla.show")) }
            }
            (sla_table(lang, entries, ct))
            p.muted { (lang.t("admin.sla.marked")) }
            form.card #sla-form hx-post=(format!("{}/sla", url(&t.code))) hx-target="#sla-box" hx-swap="outerHTML" {
                @if let Some(e) = error { (e.render(lang, "sla-problem")) }
                @if saved { div.alert.ok #sla-saved role="status" { (lang.t("admin.saved")) } }
                label.field.invalid[error.is_some()] {
                    span { (lang.t("field.entries")) }
                    textarea.code #sla-text name="entries" spellcheck="false" rows="12" { (text) }
                }
                p.muted { (lang.t("admin.sla.format")) }
                input type="hidden" name="ct" value=(ct.as_str());
                button.primary type="submit" { (lang.t("admin.save")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Show {
    ct: Option<String>,
}

fn contact_type(ct: Option<&str>) -> ContactType {
    ct.and_then(|c| ContactType::parse(c).ok()).unwrap_or(ContactType::Complaint)
}

/// `GET /console/admin/{code}/calendar?ct=…`
pub async fn show(s: Staff, code: web::Path<String>, q: web::Query<Show>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let sla = ctx.state.core.get_sla_policy(&p, &t.code).await.map_err(|e| ConsoleError::api(lang, false, e))?;
    let f = CalendarForm { calendar: t.calendar.clone(), time_zone: t.time_zone.clone() };
    let body = html! {
        (calendar_form(lang, &t, &f, None, false))
        (sla_box(lang, &t, &sla.entries, &pretty(&sla.entries), contact_type(q.ct.as_deref()), None, false))
        @if let Some(at) = sla.updated_at { p.muted { (lang.t("admin.sla.updated")) " " (when(at)) } }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "calendar", body)))
}

/// `POST /console/admin/{code}/calendar`: the core refuses anyone but the city admin.
pub async fn save_calendar(s: Staff, code: web::Path<String>, f: web::Form<CalendarForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let input = UpdateTenant { calendar: Some(f.calendar.clone()), time_zone: Some(f.time_zone.clone()), ..Default::default() };
    match ctx.state.core.update_tenant(&p, &t.code, input).await {
        Ok(saved) => {
            let f = CalendarForm { calendar: saved.calendar.clone(), time_zone: saved.time_zone.clone() };
            Ok(ctx.ok(calendar_form(lang, &saved, &f, None, true)))
        }
        Err(e) => {
            let (status, problem) = refused(lang, e)?;
            Ok(ctx.html(status, calendar_form(lang, &t, &f, Some(&problem), false)))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct SlaForm {
    #[serde(default)]
    entries: String,
    ct: Option<String>,
}

/// `POST /console/admin/{code}/calendar/sla`: the overrides; faults beside the editor, the
/// text kept.
pub async fn save_sla(s: Staff, code: web::Path<String>, f: web::Form<SlaForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let ct = contact_type(f.ct.as_deref());
    let current = ctx.state.core.get_sla_policy(&p, &t.code).await.map_err(|e| ConsoleError::api(lang, true, e))?;
    let failed = |e: EditorError| sla_box(lang, &t, &current.entries, &f.entries, ct, Some(&e), false);
    let entries = match json_edit::parse(lang, &f.entries) {
        Ok(v) => v,
        Err(e) => return Ok(ctx.html(StatusCode::UNPROCESSABLE_ENTITY, failed(e))),
    };
    match ctx.state.core.set_sla_policy(&p, &t.code, entries).await {
        Ok(saved) => Ok(ctx.ok(sla_box(lang, &t, &saved.entries, &pretty(&saved.entries), ct, None, true))),
        Err(e) => {
            let err = ApiError::from(e);
            if !err.status.is_client_error() || err.status == StatusCode::NOT_FOUND {
                return Err(ConsoleError::api(lang, true, err));
            }
            Ok(ctx.html(err.status, failed(EditorError::from_api(lang, &err, "admin.sla.invalid"))))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/admin/{code}/calendar", web::get().to(show))
        .route("/console/admin/{code}/calendar", web::post().to(save_calendar))
        .route("/console/admin/{code}/calendar/sla", web::post().to(save_sla));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_marks_its_cell_and_reads_in_words() {
        let entries = serde_json::json!([{"urgency": "general", "stage": "feedback", "limit": {"working_days": 2}}]);
        let html = sla_table(Lang::Zh, &entries, ContactType::Help).into_string();
        // general × feedback of a request for help: the override (2 working days) in front of the
        // default (7 days); a more specific default (general × suggestion) would still win.
        let row = html.split("data-urgency=\"general\"").nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(row.contains("class=\"overridden\" data-stage=\"feedback\">2 个工作日"), "{row}");
        assert!(!row.contains("class=\"overridden\" data-stage=\"dispatch\""), "{row}");
        assert_eq!(limit(Lang::En, Limit::Natural(chrono::Duration::minutes(90))), "90 min");
    }
}

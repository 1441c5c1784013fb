//! Rule sets (规则): the versions of a line's rules; a new draft starts from the published rules;
//! a draft is edited as JSON with its faults beside the editor; publishing makes a version the
//! active one, and publishing an earlier one (after a confirmation) is the rollback.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use hotline_core::Principal;
use hotline_core::admin::tenants::TenantView;
use hotline_core::routing::{RuleSetInput, RuleSetView};
use hotline_store::PageRequest;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::json_edit::{self, EditorError, legend, unit_on_line, units_in};
use super::rules_diff::pretty;
use super::{base, confirm, frame, is_platform, open, refused, rules_lab, unit_names, user_names};
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{alert, badge, blank};
use crate::console::i18n::{Lang, when};
use crate::console::session::{Ctx, Staff};
use crate::error::ApiError;

fn rules_url(code: &str) -> String {
    format!("{}/rules", base(code))
}

fn version_url(code: &str, id: impl std::fmt::Display) -> String {
    format!("{}/rules/{id}", base(code))
}

async fn versions(ctx: &Ctx, p: &Principal, code: &str) -> Result<Vec<RuleSetView>, ConsoleError> {
    let page = ctx.state.core.list_rule_sets(p, code, PageRequest::first(PageRequest::MAX_LIMIT)).await;
    Ok(page.map_err(|e| ConsoleError::api(ctx.lang, ctx.htmx, e))?.items)
}

/// `GET /console/admin/{code}/rules`: the versions, a new draft, rollbacks and the diff.
pub async fn list(s: Staff, code: web::Path<String>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let sets = versions(&ctx, &p, &t.code).await?;
    let people = user_names(&ctx, &p, &t.code).await;
    let published = sets.iter().find(|s| s.status == "published");
    let who = |id: Option<uuid::Uuid>| id.map(|id| people.get(&id).cloned().unwrap_or_else(|| id.to_string()[..8].to_owned()));
    let body = html! {
        form.card.row #new-draft hx-post=(format!("{}/new", rules_url(&t.code))) hx-target="#new-draft-result" {
            label.field { span { (lang.t("field.note")) } input name="note" maxlength="200" placeholder=(lang.t("admin.rules.note_hint")); }
            button.primary #new-draft-button type="submit" {
                (lang.t("admin.rules.new_draft"))
                @if let Some(p) = published { " (" (lang.t("admin.rules.from")) " v" (p.version) ")" }
            }
        }
        div #new-draft-result {}
        div #rules-confirm {}
        table #rule-versions {
            tr {
                th { (lang.t("admin.rules.version")) } th { (lang.t("field.status")) } th { (lang.t("field.note")) }
                th { (lang.t("admin.rules.created")) } th { (lang.t("admin.rules.published_by")) } th { (lang.t("admin.rules.published_at")) } th {}
            }
            @for s in &sets {
                tr data-version=(s.version) data-status=(s.status) data-id=(s.id) {
                    td { a.version-open href=(version_url(&t.code, s.id)) { "v" (s.version) } }
                    td { (badge(lang, "ruleset", &s.status)) }
                    td { (s.note.as_deref().unwrap_or("")) }
                    td { (when(s.created_at)) }
                    td { (who(s.published_by).unwrap_or_default()) }
                    td { @if let Some(at) = s.published_at { (when(at)) } }
                    td.actions {
                        @if s.status == "draft" { a.button href=(version_url(&t.code, s.id)) { (lang.t("admin.rules.edit")) } }
                        @if s.status == "superseded" {
                            button.rollback type="submit" hx-post=(format!("{}/publish", version_url(&t.code, s.id))) hx-target="#rules-confirm"
                                data-rollback=(s.version) { (lang.t("admin.rules.rollback")) }
                        }
                        @if let Some(p) = published.filter(|p| p.id != s.id) {
                            " " a.diff-link href=(format!("{}/diff?a={}&b={}", rules_url(&t.code), p.id, s.id)) { (lang.t("admin.rules.diff")) }
                        }
                    }
                }
            }
        }
        @if sets.is_empty() { p.muted { (lang.t("admin.rules.none")) } }
        p { a #diff-open href=(format!("{}/diff", rules_url(&t.code))) { (lang.t("admin.diff.title")) } }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "rules", body)))
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /console/admin/{code}/rules/new`: a draft holding the published rules, then its page.
pub async fn new_draft(s: Staff, code: web::Path<String>, f: web::Form<NoteForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let sets = versions(&ctx, &p, &t.code).await?;
    let rules = sets.iter().find(|s| s.status == "published").map_or_else(|| Value::Array(vec![]), |s| s.rules.clone());
    match ctx.state.core.create_rule_set(&p, &t.code, RuleSetInput { rules, note: blank(&f.note) }).await {
        Ok(v) => Ok(ctx.redirect(&version_url(&t.code, v.id))),
        Err(e) => {
            let (status, problem) = refused(lang, e)?;
            Ok(ctx.html(status, alert(Some(&problem))))
        }
    }
}

/// What the editor shows: the text as typed (or as stored), and how the last save went.
struct Editor<'a> {
    text: &'a str,
    note: &'a str,
    error: Option<EditorError>,
    saved: bool,
}

fn editor(lang: Lang, t: &TenantView, v: &RuleSetView, e: Editor<'_>, names: &HashMap<String, String>) -> Markup {
    let draft = v.status == "draft";
    // The legend follows the text being edited when it reads as JSON, else the stored rules.
    let shown: Value = serde_json::from_str(e.text).unwrap_or_else(|_| v.rules.clone());
    html! {
        div #rule-editor data-status=(v.status) data-version=(v.version) {
            h2 { "v" (v.version) " " (badge(lang, "ruleset", &v.status)) @if let Some(n) = &v.note { " " span.muted { (n) } } }
            @if !draft { @if let Some(err) = &e.error { (err.render(lang, "rules-problem")) } }
            @if draft {
                form #rule-form hx-post=(version_url(&t.code, v.id)) hx-target="#rule-editor" hx-swap="outerHTML" {
                    @if let Some(err) = &e.error { (err.render(lang, "rules-problem")) }
                    @if e.saved { div.alert.ok #rules-saved role="status" { (lang.t("admin.rules.saved")) } }
                    label.field.invalid[e.error.is_some()] {
                        span { (lang.t("field.rules")) }
                        textarea.code #rules-text name="rules" spellcheck="false" rows="24" { (e.text) }
                    }
                    label.field { span { (lang.t("field.note")) } input name="note" maxlength="200" value=(e.note); }
                    button.primary #save-draft type="submit" { (lang.t("admin.rules.save")) }
                    " " span.muted { (lang.t("admin.rules.editor_hint")) }
                }
            } @else {
                pre.json #rules-json {
                    @for line in e.text.lines() {
                        (line) @if let Some(n) = unit_on_line(line, names) { span.unit-name { "  ← " (n) } } "\n"
                    }
                }
            }
            @if !is_platform(t) { h3 { (lang.t("admin.rules.units")) } (legend(lang, &units_in(&shown, names))) }
        }
    }
}

fn publish_box(lang: Lang, t: &TenantView, v: &RuleSetView) -> Markup {
    let url = format!("{}/publish", version_url(&t.code, v.id));
    html! {
        section.card #publish-box {
            h3 { (lang.t("admin.rules.publish_title")) }
            @match v.status.as_str() {
                "published" => { p.muted #publish-active { (lang.t("admin.rules.is_active")) } }
                status => {
                    form #publish-form hx-post=(url) hx-target="#publish-result" {
                        button.primary #publish-button type="submit" data-status=(status) {
                            (lang.t(if status == "draft" { "admin.rules.publish" } else { "admin.rules.rollback" }))
                        }
                    }
                    div #publish-result {}
                }
            }
        }
    }
}

/// `GET /console/admin/{code}/rules/{id}`: a version; a draft in the editor, with simulation,
/// replay and publishing beside it.
pub async fn show(s: Staff, path: web::Path<(String, String)>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let v = ctx.state.core.get_rule_set(&p, &t.code, &id).await.map_err(|e| ConsoleError::api(lang, false, e))?;
    let names = unit_names(&ctx, &p, &[&t.code]).await;
    let text = pretty(&v.rules);
    let note = v.note.clone().unwrap_or_default();
    let body = html! {
        div.grid2 {
            div { (editor(lang, &t, &v, Editor { text: &text, note: &note, error: None, saved: false }, &names)) }
            aside {
                (publish_box(lang, &t, &v))
                (rules_lab::simulate_form(&ctx, &p, &t, &v))
                (rules_lab::replay_form(lang, &t, &v))
                p { a href=(rules_url(&t.code)) { (lang.t("admin.rules.back")) } }
            }
        }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "rules", body)))
}

#[derive(Deserialize, Default)]
pub struct DraftForm {
    #[serde(default)]
    rules: String,
    #[serde(default)]
    note: String,
}

/// `POST /console/admin/{code}/rules/{id}`: saves a draft; a fault is shown beside the editor,
/// which keeps the text as typed.
pub async fn save(s: Staff, path: web::Path<(String, String)>, f: web::Form<DraftForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let v = ctx.state.core.get_rule_set(&p, &t.code, &id).await.map_err(|e| ConsoleError::api(lang, true, e))?;
    let names = unit_names(&ctx, &p, &[&t.code]).await;
    let kept = |error| Editor { text: &f.rules, note: &f.note, error: Some(error), saved: false };
    let rules = match json_edit::parse(lang, &f.rules) {
        Ok(rules) => rules,
        Err(e) => return Ok(ctx.html(StatusCode::UNPROCESSABLE_ENTITY, editor(lang, &t, &v, kept(e), &names))),
    };
    match ctx.state.core.update_rule_set(&p, &t.code, &id, RuleSetInput { rules, note: blank(&f.note) }).await {
        Ok(saved) => {
            let text = pretty(&saved.rules);
            let note = saved.note.clone().unwrap_or_default();
            Ok(ctx.ok(editor(lang, &t, &saved, Editor { text: &text, note: &note, error: None, saved: true }, &names)))
        }
        Err(e) => {
            let err = ApiError::from(e);
            if !err.status.is_client_error() || err.status == StatusCode::NOT_FOUND {
                return Err(ConsoleError::api(lang, true, err));
            }
            let status = err.status;
            Ok(ctx.html(status, editor(lang, &t, &v, kept(EditorError::from_api(lang, &err, "admin.rules.invalid")), &names)))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /console/admin/{code}/rules/{id}/publish`: publishes a draft; an earlier version is
/// published again (rolled back to) only once confirmed. Then the versions.
pub async fn publish(s: Staff, path: web::Path<(String, String)>, f: web::Form<ConfirmForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let v = ctx.state.core.get_rule_set(&p, &t.code, &id).await.map_err(|e| ConsoleError::api(lang, true, e))?;
    if v.status == "superseded" && f.confirm != "yes" {
        let active = versions(&ctx, &p, &t.code).await?.into_iter().find(|s| s.status == "published").map(|s| s.version);
        let question = lang
            .t("admin.rules.rollback_question")
            .replace("{to}", &v.version.to_string())
            .replace("{from}", &active.map(|a| a.to_string()).unwrap_or_else(|| "—".into()));
        let url = format!("{}/publish", version_url(&t.code, v.id));
        return Ok(ctx.ok(confirm(lang, "rollback-confirm", &question, &url, &rules_url(&t.code), lang.t("admin.rules.rollback_confirm"))));
    }
    match ctx.state.core.publish_rule_set(&p, &t.code, &id).await {
        Ok(_) => Ok(ctx.redirect(&rules_url(&t.code))),
        Err(e) => {
            let (status, problem) = refused(lang, e)?;
            Ok(ctx.html(status, alert(Some(&problem))))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/admin/{code}/rules", web::get().to(list))
        .route("/console/admin/{code}/rules/new", web::post().to(new_draft))
        .route("/console/admin/{code}/rules/{id}", web::get().to(show))
        .route("/console/admin/{code}/rules/{id}", web::post().to(save))
        .route("/console/admin/{code}/rules/{id}/publish", web::post().to(publish));
}

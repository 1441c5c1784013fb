//! Line admin (热线管理): rule sets, units, users, calendars and time limits, the knowledge base
//! and API keys of one line. A city admin picks any line (the platform 12345 included); a tenant
//! admin goes straight to their own. Every page calls the core as the signed-in user, so the
//! core's permission and tenancy checks (and its audit of refusals) are the pages' own.

mod api_keys;
mod calendar;
mod json_edit;
mod knowledge;
mod rules;
mod rules_diff;
mod rules_lab;
mod units;
mod users;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use hotline_core::admin::tenants::{TenantQuery, TenantView};
use hotline_core::admin::units::UnitQuery;
use hotline_core::admin::users::UserQuery;
use hotline_core::{CoreError, Principal};
use hotline_domain::{Role, TenantKind};
use hotline_store::PageRequest;
use maud::{Markup, html};

use super::error::{ConsoleError, PageResult};
use super::html::{Problem, badge, page};
use super::i18n::Lang;
use super::session::{Ctx, Staff};
use crate::error::ApiError;

/// The tabs of a line, in the order an administrator sets a line up.
const TABS: [(&str, &str); 6] = [
    ("rules", "admin.tab.rules"),
    ("units", "admin.tab.units"),
    ("users", "admin.tab.users"),
    ("calendar", "admin.tab.calendar"),
    ("knowledge", "admin.tab.knowledge"),
    ("keys", "admin.tab.keys"),
];

/// Who administers a line: the city admin every line, a tenant admin their own. The nav shows
/// the admin pages to these two roles only; the core checks each call again.
fn administers(p: &Principal, t: &TenantView) -> bool {
    p.has(Role::CityAdmin) && p.on_platform() || p.has(Role::TenantAdmin) && p.tenant.code.as_str() == t.code
}

/// The line behind `/console/admin/{code}/…`: another tenant's line is "not found" (the core
/// hides it like a missing one); seeing a line is not administering it, so anyone else is
/// refused with the forbidden words.
pub(super) async fn open(ctx: &Ctx, p: &Principal, code: &str) -> Result<TenantView, ConsoleError> {
    let t = ctx.state.core.get_tenant(p, code).await.map_err(|e| ConsoleError::api(ctx.lang, ctx.htmx, e))?;
    if !administers(p, &t) {
        return Err(ConsoleError::api(
            ctx.lang,
            ctx.htmx,
            CoreError::forbidden("a line is administered by its tenant admin or the city admin"),
        ));
    }
    Ok(t)
}

pub(super) fn is_platform(t: &TenantView) -> bool {
    t.kind == TenantKind::Platform
}

pub(super) fn base(code: &str) -> String {
    format!("/console/admin/{code}")
}

/// A line's page: its name, the tabs, and the tab's body.
pub(super) fn frame(ctx: &Ctx, p: &Principal, t: &TenantView, tab: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    let label = TABS.iter().find(|(k, _)| *k == tab).map_or("nav.admin", |(_, l)| l);
    let title = format!("{} · {}", lang.t(label), t.name);
    page(
        ctx,
        p,
        &title,
        html! {
            p.admin-line #admin-line data-line=(t.code) {
                span.badge { (t.code) } " " (t.name)
                @if p.has(Role::CityAdmin) { " · " a href="/console/admin" { (lang.t("admin.other_line")) } }
            }
            nav.tabs #admin-tabs {
                @for (key, label) in TABS {
                    // The platform has no units of its own: lines do. Integrator keys are the
                    // security administrator's or the line admin's, not the system administrator's.
                    @if !(key == "units" && is_platform(t) || key == "keys" && !p.has(Role::TenantAdmin)) {
                        a.on[key == tab] href=(format!("{}/{key}", base(&t.code))) data-tab=(key) { (lang.t(label)) }
                    }
                }
            }
            div #admin-main data-tab=(tab) { (body) }
        },
    )
}

/// The API's error as words about the form field it concerns: `roles[1]` is about `roles`, and
/// conflicts name the field they come from.
pub(super) fn problem(lang: Lang, err: &ApiError) -> Problem {
    let mut p = Problem::from_api(lang, err);
    let conflict = match err.body.code.as_str() {
        "username_taken" => Some("username"),
        "unit_exists" => Some("name"),
        "fallback_exists" => Some("is_district_fallback"),
        "self_lockout" => Some("status"),
        _ => None,
    };
    p.field = conflict.map(str::to_owned).or_else(|| p.field.map(|f| f.split('[').next().unwrap_or_default().to_owned()));
    p
}

/// A refusal to show beside the form (a validation error, a conflict, a missing right); a
/// missing or hidden record, or a failure, is an error of its own.
pub(super) fn refused(lang: Lang, e: CoreError) -> Result<(StatusCode, Problem), ConsoleError> {
    let err = ApiError::from(e);
    if err.status.is_client_error() && err.status != StatusCode::NOT_FOUND {
        Ok((err.status, problem(lang, &err)))
    } else {
        Err(ConsoleError::api(lang, true, err))
    }
}

/// A line's units by id (for rules, decisions and user lists); empty for the platform.
pub(super) async fn unit_names(ctx: &Ctx, p: &Principal, codes: &[&str]) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for code in codes {
        if let Ok(page) = ctx.state.core.list_units(p, code, UnitQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT)).await {
            names.extend(page.items.into_iter().map(|u| (u.id.to_string(), u.name)));
        }
    }
    names
}

/// Users' names by id, for "published by": the line's users, the reader's own tenant's, and the
/// reader.
pub(super) async fn user_names(ctx: &Ctx, p: &Principal, code: &str) -> HashMap<uuid::Uuid, String> {
    let mut names = HashMap::from([(p.id, p.name.clone())]);
    for c in [code, p.tenant.code.as_str()] {
        if let Ok(page) = ctx.state.core.list_users(p, c, UserQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT)).await {
            names.extend(page.items.into_iter().map(|u| (u.id, u.display_name)));
        }
    }
    names
}

/// A confirmation before something that cannot be undone from this page: the same form again
/// with `confirm=yes` (no script dialog, so it reads the same in every browser and test).
pub(super) fn confirm(lang: Lang, id: &str, question: &str, action: &str, cancel: &str, button: &str) -> Markup {
    html! {
        div.card.confirm #(id) role="alertdialog" {
            p { (question) }
            form.row hx-post=(action) hx-target="this" hx-swap="outerHTML" {
                input type="hidden" name="confirm" value="yes";
                button.danger type="submit" data-confirm="yes" { (button) }
                a.button href=(cancel) { (lang.t("admin.cancel")) }
            }
        }
    }
}

/// `GET /console/admin`: the city admin picks a line; a tenant admin goes to their own.
pub async fn index(s: Staff) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    if !(p.has(Role::CityAdmin) && p.on_platform()) {
        if p.has(Role::TenantAdmin) {
            return Ok(ctx.redirect(&format!("{}/rules", base(p.tenant.code.as_str()))));
        }
        return Err(ConsoleError::api(lang, false, CoreError::forbidden("line admin is for tenant admins and the city admin")));
    }
    let lines = ctx
        .state
        .core
        .list_tenants(&p, TenantQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT))
        .await
        .map_err(|e| ConsoleError::api(lang, false, e))?
        .items;
    let body = html! {
        p.muted { (lang.t("admin.pick_line")) }
        table #lines {
            tr { th { (lang.t("admin.line_code")) } th { (lang.t("admin.line_name")) } th { (lang.t("admin.line_numbers")) } th { (lang.t("field.status")) } }
            @for t in &lines {
                tr data-line=(t.code) {
                    td { a.line-open href=(format!("{}/rules", base(&t.code))) data-line=(t.code) { (t.code) } }
                    td { (t.name) @if is_platform(t) { " " span.badge { (lang.t("admin.platform")) } } }
                    td { (t.numbers.join(" · ")) }
                    td { (badge(lang, "state", t.status.as_str())) }
                }
            }
        }
    };
    Ok(ctx.ok(page(&ctx, &p, lang.t("nav.admin"), body)))
}

/// `GET /console/admin/{code}`: the line's first tab.
pub async fn line(s: Staff, code: web::Path<String>) -> PageResult {
    let Staff { ctx, p } = s;
    let t = open(&ctx, &p, &code).await?;
    Ok(ctx.redirect(&format!("{}/rules", base(&t.code))))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/admin", web::get().to(index)).route("/console/admin/{code}", web::get().to(line));
    // The diff's path comes before a version's (`rules/diff` is not a version id).
    rules_diff::configure(cfg);
    rules::configure(cfg);
    rules_lab::configure(cfg);
    units::configure(cfg);
    users::configure(cfg);
    calendar::configure(cfg);
    knowledge::configure(cfg);
    api_keys::configure(cfg);
}

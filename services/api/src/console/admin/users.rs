//! Users (用户): the line's accounts with roles and unit; create one with an initial password;
//! edit roles, unit and status; reset a password. The password rules and a taken user name are
//! shown beside their fields.

use std::collections::HashMap;

use actix_web::web;
use hotline_core::Principal;
use hotline_core::admin::tenants::TenantView;
use hotline_core::admin::users::{CreateUser, UpdateUser, UserQuery, UserView};
use hotline_domain::{Role, UserStatus};
use hotline_store::PageRequest;
use maud::{Markup, html};

use super::{base, frame, is_platform, open, refused, unit_names};
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{Problem, alert, badge, blank, field};
use crate::console::i18n::Lang;
use crate::console::session::{Ctx, Staff};

/// The roles an administrator hands out on a line or on the platform (the core still refuses
/// a role that does not fit).
const LINE_ROLES: [Role; 6] = [Role::TenantAdmin, Role::Dispatcher, Role::Agent, Role::UnitLead, Role::UnitHandler, Role::Auditor];
const PLATFORM_ROLES: [Role; 5] = [Role::CityAdmin, Role::CitySupervisor, Role::Dispatcher, Role::Agent, Role::Auditor];

fn list_url(code: &str) -> String {
    format!("{}/users", base(code))
}

/// A form as posted: repeated names (the role check boxes) kept.
struct Posted(Vec<(String, String)>);

impl Posted {
    fn get(&self, key: &str) -> String {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }

    fn of(u: &UserView) -> Self {
        let mut pairs = vec![
            ("display_name".to_owned(), u.display_name.clone()),
            ("email".to_owned(), u.email.clone().unwrap_or_default()),
            ("unit_id".to_owned(), u.unit_id.map(|x| x.to_string()).unwrap_or_default()),
            ("status".to_owned(), u.status.as_str().to_owned()),
        ];
        pairs.extend(u.roles.iter().map(|r| ("roles".to_owned(), r.as_str().to_owned())));
        Posted(pairs)
    }
}

fn roles_of(t: &TenantView) -> &'static [Role] {
    if is_platform(t) { &PLATFORM_ROLES } else { &LINE_ROLES }
}

fn role_boxes(lang: Lang, t: &TenantView, f: &Posted, problem: Option<&Problem>) -> Markup {
    let chosen = f.all("roles");
    field(
        lang,
        problem,
        "roles",
        html! {
            span.checks {
                @for r in roles_of(t) {
                    label.check { input type="checkbox" name="roles" value=(r.as_str()) checked[chosen.iter().any(|c| c == r.as_str())]; " " (lang.term("role", r.as_str())) }
                }
            }
        },
    )
}

fn unit_choice(lang: Lang, units: &HashMap<String, String>, f: &Posted, problem: Option<&Problem>) -> Markup {
    let chosen = f.get("unit_id");
    let mut sorted: Vec<(&String, &String)> = units.iter().collect();
    sorted.sort_by(|a, b| a.1.cmp(b.1));
    field(
        lang,
        problem,
        "unit_id",
        html! { select name="unit_id" { option value="" { "—" } @for (id, name) in sorted { option value=(id) selected[chosen == *id] { (name) } } } },
    )
}

fn create_form(lang: Lang, t: &TenantView, units: &HashMap<String, String>, f: &Posted, problem: Option<&Problem>) -> Markup {
    html! {
        form.card #user-create hx-post=(list_url(&t.code)) hx-target="this" hx-swap="outerHTML" {
            h3 { (lang.t("admin.users.create")) }
            (alert(problem))
            div.row {
                (field(lang, problem, "username", html! { input name="username" value=(f.get("username")) maxlength="64" required autocomplete="off"; }))
                (field(lang, problem, "display_name", html! { input name="display_name" value=(f.get("display_name")) maxlength="128" required; }))
            }
            (field(lang, problem, "email", html! { input name="email" type="email" value=(f.get("email")) maxlength="254"; }))
            (role_boxes(lang, t, f, problem))
            @if !is_platform(t) { (unit_choice(lang, units, f, problem)) }
            (field(lang, problem, "password", html! { input name="password" type="password" minlength="8" maxlength="128" required autocomplete="new-password"; }))
            p.muted { (lang.t("admin.users.password_rules")) }
            button.primary type="submit" { (lang.t("admin.users.create")) }
        }
    }
}

/// `GET /console/admin/{code}/users`
pub async fn list(s: Staff, code: web::Path<String>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let users = ctx
        .state
        .core
        .list_users(&p, &t.code, UserQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT))
        .await
        .map_err(|e| ConsoleError::api(lang, false, e))?
        .items;
    let units = unit_names(&ctx, &p, &[&t.code]).await;
    let body = html! {
        div.grid2 {
            table #users {
                tr { th { (lang.t("field.username")) } th { (lang.t("field.display_name")) } th { (lang.t("field.roles")) } th { (lang.t("field.unit_id")) } th { (lang.t("field.status")) } }
                @for u in &users {
                    tr data-user=(u.username) data-status=(u.status.as_str()) {
                        td { a.user-open href=(format!("{}/{}", list_url(&t.code), u.id)) { (u.username) } }
                        td { (u.display_name) }
                        td { @for r in &u.roles { (badge(lang, "role", r.as_str())) " " } }
                        td { @if let Some(id) = u.unit_id { (units.get(&id.to_string()).cloned().unwrap_or_default()) } }
                        td { (badge(lang, "state", u.status.as_str())) }
                    }
                }
            }
            div { (create_form(lang, &t, &units, &Posted(Vec::new()), None)) }
        }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "users", body)))
}

/// `POST /console/admin/{code}/users`
pub async fn create(s: Staff, code: web::Path<String>, f: web::Form<Vec<(String, String)>>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let f = Posted(f.into_inner());
    let input = CreateUser {
        username: f.get("username"),
        display_name: f.get("display_name"),
        email: blank(&f.get("email")),
        password: f.get("password"),
        roles: f.all("roles"),
        unit_id: blank(&f.get("unit_id")),
    };
    match ctx.state.core.create_user(&p, &t.code, input).await {
        Ok(_) => Ok(ctx.redirect(&list_url(&t.code))),
        Err(e) => {
            let (status, problem) = refused(lang, e)?;
            let units = unit_names(&ctx, &p, &[&t.code]).await;
            Ok(ctx.html(status, create_form(lang, &t, &units, &f, Some(&problem))))
        }
    }
}

/// What the last post on the user's page did.
#[derive(Clone, Copy)]
enum Outcome<'a> {
    Fresh,
    Done(&'a str),
    Failed(&'a str, &'a Problem),
}

fn edit_forms(ctx: &Ctx, t: &TenantView, u: &UserView, units: &HashMap<String, String>, f: &Posted, outcome: Outcome<'_>) -> Markup {
    let lang = ctx.lang;
    let failed = match outcome {
        Outcome::Failed(form, p) => Some((form, p)),
        _ => None,
    };
    let url = format!("{}/{}", list_url(&t.code), u.id);
    let about = |form: &str| failed.filter(|(f, _)| *f == form).map(|(_, p)| p);
    let (edit, reset) = (about("edit"), about("password"));
    html! {
        div #user-forms {
          @if let Outcome::Done(form) = outcome {
            div.alert.ok #user-saved role="status" data-form=(form) {
                (lang.t(if form == "password" { "admin.users.reset_done" } else { "admin.saved" }))
            }
          }
          div.grid2 {
            form.card #user-edit hx-post=(url) hx-target="#user-forms" hx-swap="outerHTML" {
                h3 { (u.username) }
                (alert(edit))
                (field(lang, edit, "display_name", html! { input name="display_name" value=(f.get("display_name")) maxlength="128" required; }))
                (field(lang, edit, "email", html! { input name="email" type="email" value=(f.get("email")) maxlength="254"; }))
                (role_boxes(lang, t, f, edit))
                @if !is_platform(t) { (unit_choice(lang, units, f, edit)) }
                (field(lang, edit, "status", html! {
                    select name="status" { @for s in UserStatus::ALL { option value=(s.as_str()) selected[f.get("status") == s.as_str()] { (lang.term("state", s.as_str())) } } }
                }))
                button.primary type="submit" { (lang.t("admin.save")) }
            }
            form.card #user-password hx-post=(format!("{url}/password")) hx-target="#user-forms" hx-swap="outerHTML" {
                h3 { (lang.t("admin.users.reset")) }
                (alert(reset))
                (field(lang, reset, "password", html! { input name="password" type="password" minlength="8" maxlength="128" required autocomplete="new-password"; }))
                p.muted { (lang.t("admin.users.reset_hint")) }
                button type="submit" { (lang.t("admin.users.reset")) }
            }
          }
        }
    }
}

async fn edit_page(
    ctx: &Ctx,
    p: &Principal,
    code: &str,
    id: &str,
) -> Result<(TenantView, UserView, HashMap<String, String>), ConsoleError> {
    let t = open(ctx, p, code).await?;
    let u = ctx.state.core.get_user(p, &t.code, id).await.map_err(|e| ConsoleError::api(ctx.lang, ctx.htmx, e))?;
    let units = unit_names(ctx, p, &[&t.code]).await;
    Ok((t, u, units))
}

/// `GET /console/admin/{code}/users/{id}`
pub async fn edit(s: Staff, path: web::Path<(String, String)>) -> PageResult {
    let Staff { ctx, p } = s;
    let (code, id) = path.into_inner();
    let (t, u, units) = edit_page(&ctx, &p, &code, &id).await?;
    let body = html! {
        (edit_forms(&ctx, &t, &u, &units, &Posted::of(&u), Outcome::Fresh))
        p { a href=(list_url(&t.code)) { (ctx.lang.t("admin.users.back")) } }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "users", body)))
}

/// `POST /console/admin/{code}/users/{id}`: roles, unit, status, name and e-mail.
pub async fn update(s: Staff, path: web::Path<(String, String)>, f: web::Form<Vec<(String, String)>>) -> PageResult {
    let Staff { ctx, p } = s;
    let (code, id) = path.into_inner();
    let (t, u, units) = edit_page(&ctx, &p, &code, &id).await?;
    let f = Posted(f.into_inner());
    let input = UpdateUser {
        display_name: Some(f.get("display_name")),
        email: Some(blank(&f.get("email"))),
        roles: Some(f.all("roles")),
        unit_id: (!is_platform(&t)).then(|| blank(&f.get("unit_id"))),
        status: blank(&f.get("status")),
        password: None,
    };
    answer(&ctx, &p, &t, &u, &units, &f, "edit", input).await
}

/// `POST /console/admin/{code}/users/{id}/password`: a new password; the user's sessions end.
pub async fn reset(s: Staff, path: web::Path<(String, String)>, f: web::Form<Vec<(String, String)>>) -> PageResult {
    let Staff { ctx, p } = s;
    let (code, id) = path.into_inner();
    let (t, u, units) = edit_page(&ctx, &p, &code, &id).await?;
    let input = UpdateUser { password: Some(Posted(f.into_inner()).get("password")), ..Default::default() };
    answer(&ctx, &p, &t, &u, &units, &Posted::of(&u), "password", input).await
}

#[allow(clippy::too_many_arguments)]
async fn answer(
    ctx: &Ctx,
    p: &Principal,
    t: &TenantView,
    u: &UserView,
    units: &HashMap<String, String>,
    f: &Posted,
    form: &str,
    input: UpdateUser,
) -> PageResult {
    let lang = ctx.lang;
    match ctx.state.core.update_user(p, &t.code, &u.id.to_string(), input).await {
        Ok(saved) => Ok(ctx.ok(edit_forms(ctx, t, &saved, units, &Posted::of(&saved), Outcome::Done(form)))),
        Err(e) => {
            let (status, problem) = refused(lang, e)?;
            Ok(ctx.html(status, edit_forms(ctx, t, u, units, f, Outcome::Failed(form, &problem))))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/admin/{code}/users", web::get().to(list))
        .route("/console/admin/{code}/users", web::post().to(create))
        .route("/console/admin/{code}/users/{id}", web::get().to(edit))
        .route("/console/admin/{code}/users/{id}", web::post().to(update))
        .route("/console/admin/{code}/users/{id}/password", web::post().to(reset));
}

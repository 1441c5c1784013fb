//! Signing in and out, the language switch, and the home page that sends each role to its work.

use actix_web::{HttpRequest, HttpResponse, web};
use hotline_core::auth::LoginOutcome;
use hotline_core::mfa::{Enrolment, SecondFactor};
use hotline_domain::Role;
use maud::html;
use serde::Deserialize;

use super::error::{ConsoleError, PageResult};
use super::html::{Problem, alert, field, page, public_page};
use super::session::{Ctx, LANG_COOKIE, Staff, Visitor, safe_next};
use crate::error::ApiError;
use crate::extract::client_info;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_form(ctx: &Ctx, next: &str, username: &str, problem: Option<&Problem>) -> maud::Markup {
    let lang = ctx.lang;
    html! {
        form.card.narrow #login hx-post="/console/login" hx-target="#login" hx-swap="outerHTML" {
            (alert(problem))
            input type="hidden" name="next" value=(next);
            (field(lang, problem, "username", html! { input name="username" value=(username) autocomplete="username" required autofocus; }))
            (field(lang, problem, "password", html! { input name="password" type="password" autocomplete="current-password" required; }))
            button.primary type="submit" { (lang.t("login.submit")) }
        }
    }
}

/// The second step: a code for the challenge of the first.
fn code_form(ctx: &Ctx, next: &str, challenge: &str, problem: Option<&Problem>) -> maud::Markup {
    let lang = ctx.lang;
    html! {
        form.card.narrow #login hx-post="/console/login/mfa" hx-target="#login" hx-swap="outerHTML" {
            (alert(problem))
            p { (lang.t("login.mfa_hint")) }
            input type="hidden" name="next" value=(next);
            input type="hidden" name="mfa_token" value=(challenge);
            (field(lang, problem, "code", html! { input name="code" autocomplete="one-time-code" required autofocus; }))
            button.primary type="submit" { (lang.t("login.submit")) }
        }
    }
}

/// The QR code of an `otpauth://` URI as inline SVG (no request leaves the page: the secret
/// must not reach a QR service).
fn qr_svg(uri: &str) -> Option<maud::PreEscaped<String>> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build();
    // The renderer's output starts with an XML declaration, which does not belong inside HTML.
    let start = svg.find("<svg")?;
    Some(maud::PreEscaped(svg[start..].to_owned()))
}

/// The key in groups of four, as authenticator apps show and people type it.
fn grouped(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// Enrolment at sign-in, for an account that must have a second factor and has none: the
/// secret as a QR code, a link and a typed key; confirming with the first code signs in. The
/// secret travels back in hidden fields only to show the page again after a wrong code; the
/// server confirms against its own stored copy.
fn enrol_form(ctx: &Ctx, next: &str, challenge: &str, e: &Enrolment, problem: Option<&Problem>) -> maud::Markup {
    let lang = ctx.lang;
    html! {
        form.card.narrow #login hx-post="/console/login/mfa/enrol" hx-target="#login" hx-swap="outerHTML" {
            h2 { (lang.t("login.enrol_title")) }
            (alert(problem))
            p { (lang.t("login.enrol_hint")) }
            @if let Some(svg) = qr_svg(&e.otpauth_uri) { div.qr data-testid="mfa-qr" { (svg) } }
            p { (lang.t("login.enrol_key")) ": " code data-testid="mfa-secret" { (grouped(&e.secret)) } }
            p { a href=(e.otpauth_uri) { (lang.t("login.enrol_link")) } }
            input type="hidden" name="next" value=(next);
            input type="hidden" name="mfa_token" value=(challenge);
            input type="hidden" name="secret" value=(e.secret);
            input type="hidden" name="otpauth_uri" value=(e.otpauth_uri);
            (field(lang, problem, "code", html! { input name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus; }))
            button.primary type="submit" { (lang.t("login.enrol_confirm")) }
        }
    }
}

/// `GET /console/login`
pub async fn login_page(v: Visitor, q: web::Query<NextQuery>) -> HttpResponse {
    let ctx = v.0;
    let next = safe_next(q.next.as_deref().unwrap_or("/console")).to_owned();
    ctx.ok(public_page(&ctx, ctx.lang.t("login.title"), login_form(&ctx, &next, "", None)))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// `POST /console/login`: the API's login; the tokens go into HttpOnly cookies.
pub async fn login(req: HttpRequest, v: Visitor, form: web::Form<LoginForm>) -> HttpResponse {
    let mut ctx = v.0;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref().unwrap_or("/console")).to_owned();
    let client = client_info(&req, ctx.state.settings.trust_proxy_headers);
    match ctx.state.core.login(&form.username, &form.password, &client).await {
        Ok(LoginOutcome::Signed(pair)) => {
            ctx.signed_in(pair);
            ctx.redirect(&next)
        }
        Ok(LoginOutcome::SecondFactor { challenge, enrol: false, .. }) => ctx.ok(code_form(&ctx, &next, &challenge, None)),
        Ok(LoginOutcome::SecondFactor { challenge, enrol: true, .. }) => {
            match ctx.state.core.enrol_with_challenge(&challenge, &client).await {
                Ok(enrolment) => ctx.ok(enrol_form(&ctx, &next, &challenge, &enrolment, None)),
                Err(e) => {
                    let err = ApiError::from(e);
                    let problem = Problem::from_api(ctx.lang, &err);
                    ctx.html(err.status, login_form(&ctx, &next, &form.username, Some(&problem)))
                }
            }
        }
        Err(e) => {
            let err = ApiError::from(e);
            let problem = Problem::from_api(ctx.lang, &err);
            ctx.html(err.status, login_form(&ctx, &next, &form.username, Some(&problem)))
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    mfa_token: String,
    code: String,
    next: Option<String>,
}

/// `POST /console/login/mfa`: the second step; a code with six digits is a TOTP code, anything
/// longer a recovery code.
pub async fn login_mfa(req: HttpRequest, v: Visitor, form: web::Form<CodeForm>) -> HttpResponse {
    let mut ctx = v.0;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref().unwrap_or("/console")).to_owned();
    let client = client_info(&req, ctx.state.settings.trust_proxy_headers);
    let code = form.code.trim();
    let factor = if code.len() <= 6 { SecondFactor::Code(code) } else { SecondFactor::RecoveryCode(code) };
    match ctx.state.core.complete_login(&form.mfa_token, factor, &client).await {
        Ok(pair) => {
            ctx.signed_in(pair);
            ctx.redirect(&next)
        }
        Err(e) => {
            let err = ApiError::from(e);
            let problem = Problem::from_api(ctx.lang, &err);
            if err.body.code == "invalid_mfa_code" || err.body.code == "too_many_attempts" {
                ctx.html(err.status, code_form(&ctx, &next, &form.mfa_token, Some(&problem)))
            } else {
                ctx.html(err.status, login_form(&ctx, &next, "", Some(&problem)))
            }
        }
    }
}

#[derive(Deserialize)]
pub struct EnrolForm {
    mfa_token: String,
    code: String,
    secret: String,
    otpauth_uri: String,
    next: Option<String>,
}

/// `POST /console/login/mfa/enrol`: confirms the enrolment with its first code, signs in and
/// shows the recovery codes, once.
pub async fn login_enrol(req: HttpRequest, v: Visitor, form: web::Form<EnrolForm>) -> HttpResponse {
    let mut ctx = v.0;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref().unwrap_or("/console")).to_owned();
    let client = client_info(&req, ctx.state.settings.trust_proxy_headers);
    match ctx.state.core.confirm_with_challenge(&form.mfa_token, form.code.trim(), &client).await {
        Ok((pair, codes)) => {
            ctx.signed_in(pair);
            let lang = ctx.lang;
            ctx.ok(html! {
                div.card.narrow #login {
                    h2 { (lang.t("login.recovery_title")) }
                    p { (lang.t("login.recovery_hint")) }
                    ul.codes data-testid="recovery-codes" { @for c in &codes { li { code { (c) } } } }
                    a.button.primary href=(next) { (lang.t("login.continue")) }
                }
            })
        }
        Err(e) => {
            let err = ApiError::from(e);
            let problem = Problem::from_api(ctx.lang, &err);
            if err.body.code == "invalid_mfa_code" || err.body.code == "too_many_attempts" {
                let shown = Enrolment { secret: form.secret, otpauth_uri: form.otpauth_uri };
                ctx.html(err.status, enrol_form(&ctx, &next, &form.mfa_token, &shown, Some(&problem)))
            } else {
                ctx.html(err.status, login_form(&ctx, &next, "", Some(&problem)))
            }
        }
    }
}

/// `POST /console/logout`: ends the session everywhere (its refresh token too).
pub async fn logout(s: Staff) -> PageResult {
    let Staff { mut ctx, p } = s;
    ctx.state.core.logout(&p).await.map_err(|e| ConsoleError::api(ctx.lang, ctx.htmx, e))?;
    ctx.sign_out();
    Ok(ctx.redirect("/console/login"))
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    back: Option<String>,
}

/// `GET /console/lang?to=en|zh&back=…`
pub async fn switch_lang(v: Visitor, q: web::Query<LangQuery>) -> HttpResponse {
    let ctx = v.0;
    let value = if q.to == "en" { "en" } else { "zh" };
    let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, value)
        .path("/")
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    let mut res = ctx.redirect(safe_next(q.back.as_deref().unwrap_or("/console")));
    let _ = res.add_cookie(&cookie);
    res
}

/// `GET /console`: what this account can do, one tile per place of work.
pub async fn home(s: Staff) -> HttpResponse {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let tiles: [(&str, &str, &str, bool); 7] = [
        ("/console/desk", "nav.desk", "home.desk", p.has_any(&[Role::Agent, Role::Dispatcher])),
        ("/console/dispatch", "nav.dispatch", "home.dispatch", p.has(Role::Dispatcher)),
        ("/console/inbox", "nav.inbox", "home.inbox", p.has_any(&[Role::UnitHandler, Role::UnitLead])),
        ("/console/admin", "nav.admin", "home.admin", p.has_any(&[Role::TenantAdmin, Role::CityAdmin])),
        ("/console/dashboard", "nav.dashboard", "home.dashboard", p.has_any(&[Role::CityAdmin, Role::CitySupervisor, Role::TenantAdmin])),
        (
            "/console/supervision",
            "nav.supervision",
            "home.supervision",
            p.has_any(&[Role::CitySupervisor, Role::Dispatcher, Role::TenantAdmin, Role::UnitLead]),
        ),
        ("/console/cases", "nav.cases", "home.cases", !p.has_any(&[Role::Integrator, Role::SecurityAdmin])),
    ];
    let body = html! {
        p { (lang.t("home.hello")) " " strong { (p.name) } " (" (p.tenant.code) ")" }
        div.tiles {
            @for (href, title, text, shown) in tiles {
                @if shown { a.tile href=(href) { strong { (lang.t(title)) } span { (lang.t(text)) } } }
            }
        }
    };
    ctx.ok(page(&ctx, &p, lang.t("nav.home"), body))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console", web::get().to(home))
        .route("/console/", web::get().to(home))
        .route("/console/login", web::get().to(login_page))
        .route("/console/login", web::post().to(login))
        .route("/console/login/mfa", web::post().to(login_mfa))
        .route("/console/login/mfa/enrol", web::post().to(login_enrol))
        .route("/console/logout", web::post().to(logout))
        .route("/console/lang", web::get().to(switch_lang));
}

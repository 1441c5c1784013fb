//! The pages' frame and the small pieces every page uses: layout, navigation by role, form
//! fields with their errors, status badges.

use hotline_core::Principal;
use hotline_domain::Role;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::assets::url;
use super::i18n::Lang;
use super::session::Ctx;
use crate::error::ApiError;

/// Scripts and styles come from this site only (no inline script, no CDN); no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                       frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// htmx swaps error answers too (they carry the form with its field errors) and adds no inline
/// style (the CSP forbids it).
const HTMX_CONFIG: &str = r#"{"includeIndicatorStyles":false,"allowScriptTags":false,"responseHandling":[{"code":"204","swap":false},{"code":"...","swap":true}]}"#;

fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="htmx-config" content=(HTMX_CONFIG);
            title { (title) " · " (lang.t("app.name")) }
            // No favicon request (a 404 in every browser's console).
            link rel="icon" href="data:,";
            link rel="stylesheet" href=(url("console.css"));
            script src=(url("htmx.min.js")) defer {}
            script src=(url("console.js")) defer {}
        }
    }
}

fn csrf_headers(ctx: &Ctx) -> String {
    serde_json::json!({ "X-CSRF-Token": ctx.csrf }).to_string()
}

fn lang_switch(ctx: &Ctx) -> Markup {
    let other = ctx.lang.other();
    let href = format!("/console/lang?to={}&back={}", if other == Lang::En { "en" } else { "zh" }, super::error::urlencode(&ctx.here));
    html! { a.lang href=(href) hreflang=(other.code()) { (if other == Lang::En { "English" } else { "中文" }) } }
}

/// Where each role works, in the order of the work.
fn nav(lang: Lang, p: &Principal) -> Markup {
    let items: [(&str, &str, bool); 8] = [
        ("/console", "nav.home", true),
        ("/console/desk", "nav.desk", p.has_any(&[Role::Agent, Role::Dispatcher])),
        ("/console/dispatch", "nav.dispatch", p.has(Role::Dispatcher)),
        ("/console/inbox", "nav.inbox", p.has_any(&[Role::UnitHandler, Role::UnitLead])),
        ("/console/cases", "nav.cases", !p.has(Role::Integrator)),
        ("/console/admin", "nav.admin", p.has_any(&[Role::TenantAdmin, Role::CityAdmin])),
        ("/console/dashboard", "nav.dashboard", p.has_any(&[Role::CityAdmin, Role::CitySupervisor, Role::TenantAdmin])),
        (
            "/console/supervision",
            "nav.supervision",
            p.has_any(&[Role::CitySupervisor, Role::Dispatcher, Role::TenantAdmin, Role::UnitLead]),
        ),
    ];
    html! {
        nav.main {
            @for (href, key, shown) in items {
                @if shown { a href=(href) { (lang.t(key)) } }
            }
        }
    }
}

/// A staff page: header with navigation, who is signed in, language switch and sign-out.
pub fn page(ctx: &Ctx, p: &Principal, title: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body hx-headers=(csrf_headers(ctx)) {
                header.top {
                    a.brand href="/console" { (lang.t("app.name")) }
                    (nav(lang, p))
                    div.who {
                        span.user { (p.name) " · " (p.tenant.code) }
                        (lang_switch(ctx))
                        button.link hx-post="/console/logout" { (lang.t("nav.logout")) }
                    }
                }
                main #main { h1 { (title) } (body) }
            }
        }
    }
}

/// The citizen portal's frame (and the sign-in page's): no staff navigation.
pub fn public_page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body.portal hx-headers=(csrf_headers(ctx)) {
                header.top {
                    a.brand href="/" { (lang.t("portal.name")) }
                    nav.main {
                        a href="/" { (lang.t("portal.submit")) }
                        a href="/track" { (lang.t("portal.track")) }
                        a href="/kb" { (lang.t("portal.kb")) }
                    }
                    div.who { (lang_switch(ctx)) }
                }
                main #main { h1 { (title) } (body) }
            }
        }
    }
}

/// An error page without the request's context (it may have failed before one existed).
pub fn bare_page(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body { main #main { h1 { (title) } (body) p { a href="/console" { (lang.t("err.back")) } } } }
        }
    }
}

/// What went wrong, in the reader's language, and the field it is about.
#[derive(Debug, Default)]
pub struct Problem {
    pub field: Option<String>,
    pub text: String,
}

impl Problem {
    pub fn text(text: &str) -> Self {
        Problem { field: None, text: text.to_owned() }
    }

    /// The API's error as words: the specific rule (`err.<reason>`), else the code
    /// (`err.<code>`), else the API's own message under a translated heading.
    pub fn from_api(lang: Lang, err: &ApiError) -> Self {
        let body = &err.body;
        let known =
            [body.reason.as_deref(), Some(body.code.as_str())].into_iter().flatten().map(|c| format!("err.{c}")).find(|k| Lang::has(k));
        let text = match known {
            Some(ref key) => lang.t(key).to_owned(),
            None => format!("{}: {}", lang.t("err.refused"), body.message),
        };
        let text = match (&body.field, lang) {
            (Some(f), _) if known.is_some() => format!("{text} ({})", lang.t(&format!("field.{f}"))),
            _ => text,
        };
        Problem { field: body.field.clone(), text }
    }

    fn is_about(&self, name: &str) -> bool {
        self.field.as_deref().is_some_and(|f| f == name || f.ends_with(&format!(".{name}")))
    }
}

/// The alert at the top of a form that failed.
pub fn alert(problem: Option<&Problem>) -> Markup {
    html! { @if let Some(p) = problem { div.alert.error role="alert" { (p.text) } } }
}

/// A labelled control; marked invalid with the message when the problem is about it.
pub fn field(lang: Lang, problem: Option<&Problem>, name: &str, control: Markup) -> Markup {
    let bad = problem.filter(|p| p.is_about(name));
    html! {
        label.field.invalid[bad.is_some()] {
            span { (lang.t(&format!("field.{name}"))) }
            (control)
            @if let Some(p) = bad { small.error { (p.text) } }
        }
    }
}

/// A `<select>` of a vocabulary's values with their labels.
pub fn choose(lang: Lang, name: &str, vocabulary: &str, values: &[&str], selected: Option<&str>, blank: bool) -> Markup {
    html! {
        select name=(name) {
            @if blank { option value="" { "—" } }
            @for v in values {
                option value=(v) selected[selected == Some(*v)] { (lang.term(vocabulary, v)) }
            }
        }
    }
}

pub fn badge(lang: Lang, vocabulary: &str, value: &str) -> Markup {
    html! { span class=(format!("badge {vocabulary}-{value}")) { (lang.term(vocabulary, value)) } }
}

/// Raw markup the server itself built (JSON for a chart's data attribute is escaped by maud).
pub fn raw(s: String) -> PreEscaped<String> {
    PreEscaped(s)
}

/// A form's text, `None` when left empty.
pub fn blank(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

//! What a console page shows when it cannot do what was asked: a sign-in redirect, an
//! expired-form notice, or the API's error in words (never its JSON).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use hotline_core::CoreError;
use maud::html;

use super::html::{CSP, Problem, bare_page};
use super::i18n::Lang;
use crate::error::ApiError;

#[derive(Debug)]
pub enum ConsoleError {
    /// Not signed in (or the session ended): to the sign-in page, then back.
    SignIn { next: String, htmx: bool },
    /// A POST without the page's CSRF token.
    Csrf(Lang),
    /// The API refused or failed.
    Api { lang: Lang, err: ApiError, htmx: bool },
}

pub type PageResult = Result<HttpResponse, ConsoleError>;

impl ConsoleError {
    pub fn api(lang: Lang, htmx: bool, err: impl Into<ApiError>) -> Self {
        ConsoleError::Api { lang, err: err.into(), htmx }
    }
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsoleError::SignIn { .. } => write!(f, "sign in"),
            ConsoleError::Csrf(_) => write!(f, "csrf token missing or wrong"),
            ConsoleError::Api { err, .. } => write!(f, "{err}"),
        }
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::SignIn { htmx: true, .. } => StatusCode::OK,
            ConsoleError::SignIn { .. } => StatusCode::SEE_OTHER,
            ConsoleError::Csrf(_) => StatusCode::FORBIDDEN,
            ConsoleError::Api { err, .. } => err.status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (lang, status, problem, htmx) = match self {
            ConsoleError::SignIn { next, htmx } => {
                let to = format!("/console/login?next={}", urlencode(next));
                let name = if *htmx { "HX-Redirect" } else { header::LOCATION.as_str() };
                return HttpResponse::build(self.status_code()).insert_header((name, to)).finish();
            }
            ConsoleError::Csrf(lang) => (*lang, StatusCode::FORBIDDEN, Problem::text(lang.t("err.csrf_failed")), false),
            ConsoleError::Api { lang, err, htmx } => (*lang, err.status, Problem::from_api(*lang, err), *htmx),
        };
        let body = html! { div.alert.error role="alert" { (problem.text) } };
        let markup = if htmx { body } else { bare_page(lang, lang.t("err.title"), body) };
        let mut res = HttpResponse::build(status);
        if let ConsoleError::Api { err, .. } = self
            && let Some(secs) = err.retry_after
        {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
            .content_type("text/html; charset=utf-8")
            .body(markup.into_string())
    }
}

impl From<(Lang, bool, CoreError)> for ConsoleError {
    fn from((lang, htmx, e): (Lang, bool, CoreError)) -> Self {
        ConsoleError::api(lang, htmx, e)
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|q| q[1..].to_owned()).unwrap_or_default()
}

/// A refusal of the edge (a spent request budget, a body too large) as a page in the visitor's
/// language, or as the fragment an htmx request swaps in.
pub(crate) fn edge_refusal(req: &actix_web::HttpRequest, err: ApiError) -> HttpResponse {
    let lang = Lang::from_cookie(req.cookie(super::session::LANG_COOKIE).as_ref().map(|c| c.value()));
    let htmx = req.headers().contains_key("hx-request");
    ConsoleError::api(lang, htmx, err).error_response()
}

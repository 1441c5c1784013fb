//! Who is at the browser: the console's cookies, the CSRF check and the session's renewal.
//!
//! The console signs in with the API's own tokens, kept where page scripts cannot read them:
//! `hl_at` (access token) and `hl_rt` (refresh token, sent to `/console` only), both HttpOnly,
//! SameSite=Strict and Secure (unless `console_secure_cookies` is off). Every POST must carry the
//! `X-CSRF-Token` header (htmx sends it from the page's `hx-headers`) equal to the HttpOnly
//! `hl_csrf` cookie: a cross-site page can neither read the cookie nor set the header.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::dev::Payload;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, web};
use base64::Engine;
use hotline_core::Principal;
use hotline_core::auth::TokenPair;
use maud::Markup;
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::error::ConsoleError;
use super::i18n::Lang;
use crate::extract::client_info;
use crate::state::AppState;

pub const ACCESS_COOKIE: &str = "hl_at";
pub const REFRESH_COOKIE: &str = "hl_rt";
pub const CSRF_COOKIE: &str = "hl_csrf";
pub const LANG_COOKIE: &str = "hl_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What every console and portal page knows about its request.
pub struct Ctx {
    pub state: web::Data<AppState>,
    pub lang: Lang,
    pub csrf: String,
    /// The request came from htmx (answer with a fragment or an `HX-Redirect`).
    pub htmx: bool,
    /// Path and query, to come back to after signing in or switching language.
    pub here: String,
    new_csrf: bool,
    renewed: Option<TokenPair>,
    signed_out: bool,
}

/// A page for anyone (the citizen portal, the sign-in page).
pub struct Visitor(pub Ctx);

/// A signed-in staff member.
pub struct Staff {
    pub ctx: Ctx,
    pub p: Principal,
}

fn new_csrf() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(name).map(|c| c.value().to_owned()).filter(|v| !v.is_empty())
}

impl Ctx {
    fn read(req: &HttpRequest) -> Result<Ctx, ConsoleError> {
        let state = req.app_data::<web::Data<AppState>>().expect("AppState is registered").clone();
        let lang = Lang::from_cookie(cookie(req, LANG_COOKIE).as_deref());
        let existing = cookie(req, CSRF_COOKIE);
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            let ok = existing.as_deref().is_some_and(|c| !sent.is_empty() && bool::from(c.as_bytes().ct_eq(sent.as_bytes())));
            if !ok {
                return Err(ConsoleError::Csrf(lang));
            }
        }
        let htmx = req.headers().contains_key("hx-request");
        // An htmx request's own URL is a fragment's; the page it came from is where to return.
        let here = if htmx {
            req.headers().get("hx-current-url").and_then(|v| v.to_str().ok()).map(local_part).unwrap_or_else(|| "/console".into())
        } else {
            req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into())
        };
        let (csrf, new_csrf) = match existing {
            Some(c) => (c, false),
            None => (new_csrf(), true),
        };
        Ok(Ctx { state, lang, csrf, htmx, here, new_csrf, renewed: None, signed_out: false })
    }

    fn secure(&self) -> bool {
        self.state.settings.console_secure_cookies
    }

    fn base_cookie<'a>(&self, name: &'a str, value: String, path: &'a str) -> Cookie<'a> {
        Cookie::build(name, value).path(path).http_only(true).secure(self.secure()).same_site(SameSite::Strict).finish()
    }

    fn set_cookies(&self, res: &mut HttpResponseBuilder) {
        if self.new_csrf {
            res.cookie(self.base_cookie(CSRF_COOKIE, self.csrf.clone(), "/"));
        }
        if let Some(pair) = &self.renewed {
            let age = time::Duration::seconds(pair.refresh_expires_in as i64);
            let mut at = self.base_cookie(ACCESS_COOKIE, pair.access_token.clone(), "/");
            at.set_max_age(age);
            let mut rt = self.base_cookie(REFRESH_COOKIE, pair.refresh_token.clone(), "/console");
            rt.set_max_age(age);
            res.cookie(at).cookie(rt);
        }
        if self.signed_out {
            for (name, path) in [(ACCESS_COOKIE, "/"), (REFRESH_COOKIE, "/console")] {
                let mut c = self.base_cookie(name, String::new(), path);
                c.make_removal();
                res.cookie(c);
            }
        }
    }

    /// A page or fragment, with the cookies this request changed.
    pub fn html(&self, status: StatusCode, body: Markup) -> HttpResponse {
        let mut res = HttpResponse::build(status);
        self.set_cookies(&mut res);
        res.insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::CONTENT_SECURITY_POLICY, super::html::CSP))
            .content_type("text/html; charset=utf-8")
            .body(body.into_string())
    }

    pub fn ok(&self, body: Markup) -> HttpResponse {
        self.html(StatusCode::OK, body)
    }

    /// A file to download (a CSV export), with the cookies this request changed; never cached.
    pub fn download(&self, content_type: &str, filename: &str, body: String) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        self.set_cookies(&mut res);
        res.insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
            .content_type(content_type)
            .body(body)
    }

    /// Go to `to`: htmx follows `HX-Redirect`, a plain request a 303.
    pub fn redirect(&self, to: &str) -> HttpResponse {
        let mut res = if self.htmx { HttpResponse::Ok() } else { HttpResponse::SeeOther() };
        self.set_cookies(&mut res);
        let name = if self.htmx { "HX-Redirect" } else { header::LOCATION.as_str() };
        res.insert_header((name, to.to_owned())).insert_header((header::CACHE_CONTROL, "no-store")).finish()
    }

    pub fn signed_in(&mut self, pair: TokenPair) {
        self.renewed = Some(pair);
    }

    pub fn sign_out(&mut self) {
        self.signed_out = true;
    }
}

/// Path and query of an absolute URL on this site.
fn local_part(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    safe_next(path).to_owned()
}

/// A place to go back to: only a path on this site (an open redirect would let a phishing
/// link sign someone in and send them elsewhere).
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next } else { "/console" }
}

/// A refresh token presented twice revokes its session (it looks stolen). Two requests from
/// one browser may both find the access token expired, so the pair one of them obtained is
/// handed to the other for a minute instead of refreshing again.
static RECENT: LazyLock<Mutex<HashMap<String, (Instant, TokenPair)>>> = LazyLock::new(Default::default);
const GRACE: Duration = Duration::from_secs(60);

async fn renew(state: &AppState, req: &HttpRequest, refresh: &str) -> Option<TokenPair> {
    if let Some((at, pair)) = RECENT.lock().ok()?.get(refresh)
        && at.elapsed() < GRACE
    {
        return Some(pair.clone());
    }
    let pair = state.core.refresh(refresh, &client_info(req, state.settings.trust_proxy_headers)).await.ok()?;
    if let Ok(mut recent) = RECENT.lock() {
        recent.retain(|_, (at, _)| at.elapsed() < GRACE);
        recent.insert(refresh.to_owned(), (Instant::now(), pair.clone()));
    }
    Some(pair)
}

async fn principal(ctx: &mut Ctx, req: &HttpRequest) -> Option<Principal> {
    let state = ctx.state.clone();
    if let Some(token) = cookie(req, ACCESS_COOKIE)
        && let Ok(p) = state.core.authenticate_token(&token).await
    {
        return Some(p);
    }
    let refresh = cookie(req, REFRESH_COOKIE)?;
    let pair = renew(&state, req, &refresh).await?;
    let p = state.core.authenticate_token(&pair.access_token).await.ok()?;
    ctx.renewed = Some(pair);
    Some(p)
}

impl FromRequest for Visitor {
    type Error = ConsoleError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ctx::read(req).map(Visitor))
    }
}

impl FromRequest for Staff {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let mut ctx = Ctx::read(&req)?;
            match principal(&mut ctx, &req).await {
                Some(p) => {
                    crate::request_log::record_tenant(p.tenant.id.0, p.tenant.code.as_str());
                    // For the edge's audit of refusals and exports (audit_edge).
                    actix_web::HttpMessage::extensions_mut(&req).insert(p.clone());
                    Ok(Staff { ctx, p })
                }
                None => Err(ConsoleError::SignIn { next: ctx.here.clone(), htmx: ctx.htmx }),
            }
        })
    }
}

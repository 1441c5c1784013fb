//! The citizen portal (市民门户) at `/`: submit a case with its place, track it by tracking
//! number and the phone's last four digits, rate it once (or decline the return visit), and
//! search the public knowledge base. The same public use cases as `/api/v1/public/…`, so the
//! same per-address budget and the same data minimisation apply.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use hotline_core::cases::{CitizenProof, IntakeInput, PublicCaseView, StepInput};
use hotline_domain::kb_search::Segment;
use maud::{Markup, html};
use serde::Deserialize;

use super::error::{ConsoleError, PageResult};
use super::html::{Problem, alert, badge, blank, choose, field, public_page};
use super::i18n::{Lang, when};
use super::session::{Ctx, Visitor};
use crate::error::ApiError;
use crate::extract::client_ip;

const CONTACT_TYPES: [&str; 5] = ["complaint", "consultation", "help", "suggestion", "praise"];
const RATINGS: [&str; 5] = ["very_satisfied", "satisfied", "neutral", "dissatisfied", "very_dissatisfied"];

#[derive(Deserialize, Default)]
pub struct SubmitForm {
    #[serde(default)]
    contact_type: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    long: String,
    #[serde(default)]
    caller_name: String,
    #[serde(default)]
    caller_phone: String,
    /// Set when the form is drawn: a double click or a resend makes one case, not two.
    #[serde(default)]
    idempotency_key: String,
}

/// A coordinate as typed; an unreadable one is the field's error, not a silent drop.
fn coordinate(s: &str, name: &str) -> Result<Option<f64>, Problem> {
    match blank(s) {
        None => Ok(None),
        Some(v) => v.parse::<f64>().map(Some).map_err(|_| Problem { field: Some(name.into()), text: String::new() }),
    }
}

fn submit_form(ctx: &Ctx, f: &SubmitForm, problem: Option<&Problem>) -> Markup {
    let lang = ctx.lang;
    let key = if f.idempotency_key.is_empty() { uuid::Uuid::new_v4().to_string() } else { f.idempotency_key.clone() };
    html! {
        form.card #submit hx-post="/portal/submit" hx-target="#submit" hx-swap="outerHTML" {
            (alert(problem))
            input type="hidden" name="idempotency_key" value=(key);
            (field(lang, problem, "contact_type", choose(lang, "contact_type", "type", &CONTACT_TYPES, Some(f.contact_type.as_str()).filter(|s| !s.is_empty()).or(Some("complaint")), false)))
            (field(lang, problem, "title", html! { input name="title" value=(f.title) maxlength="200"; }))
            (field(lang, problem, "description", html! { textarea name="description" required maxlength="4000" { (f.description) } }))
            div.row {
                (field(lang, problem, "address", html! { input name="address" value=(f.address) maxlength="300"; }))
                (field(lang, problem, "district", html! { input name="district" value=(f.district) maxlength="100"; }))
            }
            div.row {
                (field(lang, problem, "lat", html! { input name="lat" value=(f.lat) inputmode="decimal"; }))
                (field(lang, problem, "long", html! { input name="long" value=(f.long) inputmode="decimal"; }))
                button type="button" data-locate { (lang.t("portal.locate")) }
            }
            div.row {
                (field(lang, problem, "caller_name", html! { input name="caller_name" value=(f.caller_name) autocomplete="name" maxlength="100"; }))
                (field(lang, problem, "caller_phone", html! { input name="caller_phone" value=(f.caller_phone) type="tel" autocomplete="tel" required; }))
            }
            p.muted { (lang.t("portal.privacy")) }
            button.primary type="submit" { (lang.t("portal.send")) }
        }
    }
}

/// `GET /`
pub async fn home(v: Visitor) -> HttpResponse {
    let ctx = v.0;
    let body = html! {
        p { (ctx.lang.t("portal.intro")) }
        (submit_form(&ctx, &SubmitForm::default(), None))
    };
    ctx.ok(public_page(&ctx, ctx.lang.t("portal.submit"), body))
}

fn problem_of(lang: Lang, e: impl Into<ApiError>) -> (StatusCode, Problem) {
    let err = e.into();
    (err.status, Problem::from_api(lang, &err))
}

/// `POST /portal/submit`: the case, then its tracking number.
pub async fn submit(req: HttpRequest, v: Visitor, form: web::Form<SubmitForm>) -> HttpResponse {
    let ctx = v.0;
    let lang = ctx.lang;
    let f = form.into_inner();
    let located = coordinate(&f.lat, "lat").and_then(|lat| coordinate(&f.long, "long").map(|long| (lat, long)));
    let (lat, long) = match located {
        Ok(pair) => pair,
        Err(mut p) => {
            p.text = lang.t("err.not_a_number").to_owned();
            return ctx.html(StatusCode::UNPROCESSABLE_ENTITY, submit_form(&ctx, &f, Some(&p)));
        }
    };
    let input = IntakeInput {
        channel: "web".into(),
        contact_type: f.contact_type.clone(),
        title: blank(&f.title),
        description: f.description.clone(),
        address: blank(&f.address),
        district: blank(&f.district),
        lat,
        long,
        caller_name: blank(&f.caller_name),
        caller_phone: blank(&f.caller_phone),
        ..Default::default()
    };
    let ip = client_ip(&req, ctx.state.settings.trust_proxy_headers);
    let key = blank(&f.idempotency_key);
    match ctx.state.core.public_create_case(&ip, input, key.as_deref()).await {
        Ok(result) => {
            let r = result.receipt;
            let track = format!("/track?n={}", r.tracking_number);
            ctx.html(
                StatusCode::CREATED,
                html! {
                    div.card #submit {
                        div.alert.ok role="status" { (lang.t("portal.received")) }
                        p { (lang.t("portal.your_number")) }
                        p.tracking data-tracking=(r.tracking_number) { (r.tracking_number) }
                        p.muted { (lang.t("portal.keep_number")) " " (when(r.created_at)) }
                        a.button.primary href=(track) { (lang.t("portal.track")) }
                    }
                },
            )
        }
        Err(e) => {
            let (status, p) = problem_of(lang, e);
            ctx.html(status, submit_form(&ctx, &f, Some(&p)))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct TrackQuery {
    n: Option<String>,
    d: Option<String>,
}

fn track_form(ctx: &Ctx, n: &str, problem: Option<&Problem>) -> Markup {
    let lang = ctx.lang;
    html! {
        form.card.narrow method="get" action="/track" {
            (alert(problem))
            (field(lang, problem, "tracking_number", html! { input name="n" value=(n) required; }))
            (field(lang, problem, "phone_last4", html! { input name="d" inputmode="numeric" maxlength="4" pattern="[0-9]{4}" required; }))
            button.primary type="submit" { (lang.t("portal.look_up")) }
        }
    }
}

fn case_card(ctx: &Ctx, v: &PublicCaseView, digits: &str, problem: Option<&Problem>) -> Markup {
    let lang = ctx.lang;
    html! {
        div.card #case {
            dl.facts {
                dt { (lang.t("field.tracking_number")) } dd.tracking-sm { (v.tracking_number) }
                dt { (lang.t("field.status")) } dd { (badge(lang, "status", &v.status)) }
                dt { (lang.t("field.contact_type")) } dd { (lang.term("type", &v.contact_type)) }
                dt { (lang.t("field.created_at")) } dd { (when(v.created_at)) }
                @if let Some(at) = v.closed_at { dt { (lang.t("field.closed_at")) } dd { (when(at)) } }
                @if let Some(a) = &v.answer { dt { (lang.t("field.answer")) } dd { (a) } }
                @if let Some(r) = &v.rating { dt { (lang.t("field.rating")) } dd { (lang.term("rating", r)) } }
                @if let Some(l) = &v.linked_to { dt { (lang.t("portal.linked_to")) } dd { (l) } }
            }
            @if v.can_rate {
                form #rate hx-post="/track/rate" hx-target="#case" hx-swap="outerHTML" {
                    h2 { (lang.t("portal.rate")) }
                    (alert(problem))
                    input type="hidden" name="n" value=(v.tracking_number);
                    input type="hidden" name="d" value=(digits);
                    (field(lang, problem, "rating", choose(lang, "rating", "rating", &RATINGS, Some("satisfied"), false)))
                    (field(lang, problem, "comment", html! { textarea name="comment" maxlength="1000" {} }))
                    label { input type="checkbox" name="no_return_visit" value="true"; " " (lang.t("portal.no_return_visit")) }
                    div.actions { button.primary type="submit" { (lang.t("portal.send_rating")) } }
                }
            }
        }
    }
}

/// `GET /track?n=…&d=…`: the form, or the case when both are given.
pub async fn track(req: HttpRequest, v: Visitor, q: web::Query<TrackQuery>) -> PageResult {
    let ctx = v.0;
    let lang = ctx.lang;
    let n = q.n.clone().unwrap_or_default();
    let title = lang.t("portal.track");
    let (Some(number), Some(digits)) = (blank(&n), q.d.as_deref().and_then(blank)) else {
        return Ok(ctx.ok(public_page(&ctx, title, track_form(&ctx, &n, None))));
    };
    let ip = client_ip(&req, ctx.state.settings.trust_proxy_headers);
    let proof = CitizenProof { phone_last4: Some(digits.clone()), token: None };
    match ctx.state.core.public_track(&ip, &number, proof).await {
        Ok(view) => Ok(ctx.ok(public_page(&ctx, title, case_card(&ctx, &view, &digits, None)))),
        Err(e) => {
            let err = ApiError::from(e);
            if err.status == StatusCode::TOO_MANY_REQUESTS || err.status.is_server_error() {
                // As answered (with its Retry-After), not as "not found".
                return Err(ConsoleError::api(lang, false, err));
            }
            // Wrong number or wrong digits read the same: nobody learns which numbers exist.
            let p = Problem::text(lang.t("portal.not_found"));
            Ok(ctx.html(StatusCode::NOT_FOUND, public_page(&ctx, title, track_form(&ctx, &number, Some(&p)))))
        }
    }
}

#[derive(Deserialize)]
pub struct RateForm {
    n: String,
    d: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
    no_return_visit: Option<String>,
}

/// `POST /track/rate`: once; the card comes back with the rating in it.
pub async fn rate(req: HttpRequest, v: Visitor, form: web::Form<RateForm>) -> HttpResponse {
    let ctx = v.0;
    let lang = ctx.lang;
    let f = form.into_inner();
    let ip = client_ip(&req, ctx.state.settings.trust_proxy_headers);
    let proof = || CitizenProof { phone_last4: Some(f.d.clone()), token: None };
    let input = StepInput {
        rating: Some(f.rating.clone()),
        comment: blank(&f.comment),
        no_return_visit: Some(f.no_return_visit.is_some()),
        ..Default::default()
    };
    match ctx.state.core.public_rate(&ip, &f.n, proof(), input).await {
        Ok(view) => ctx.ok(case_card(&ctx, &view, &f.d, None)),
        Err(e) => {
            let (status, p) = problem_of(lang, e);
            match ctx.state.core.public_track(&ip, &f.n, proof()).await {
                Ok(view) => ctx.html(status, case_card(&ctx, &view, &f.d, Some(&p))),
                Err(_) => ctx.html(status, html! { div.alert.error role="alert" { (p.text) } }),
            }
        }
    }
}

#[derive(Deserialize)]
pub struct KbQuery {
    q: Option<String>,
}

fn segments(parts: &[Segment]) -> Markup {
    html! { @for s in parts { @if s.hit { mark { (s.text) } } @else { (s.text) } } }
}

/// `GET /kb?q=…`: the public articles of every line.
pub async fn kb(req: HttpRequest, v: Visitor, q: web::Query<KbQuery>) -> HttpResponse {
    let ctx = v.0;
    let lang = ctx.lang;
    let query = q.q.clone().unwrap_or_default();
    let results = match blank(&query) {
        None => None,
        Some(text) => {
            let ip = client_ip(&req, ctx.state.settings.trust_proxy_headers);
            Some(ctx.state.core.public_search_kb(&ip, &text, None, Some(10)).await.map_err(|e| problem_of(lang, e).1))
        }
    };
    let body = html! {
        form.card.row method="get" action="/kb" {
            label.field { span { (lang.t("portal.kb_question")) } input name="q" value=(query) required maxlength="200"; }
            button.primary type="submit" { (lang.t("portal.search")) }
        }
        @match &results {
            Some(Ok(found)) if found.hits.is_empty() => p.muted { (lang.t("portal.kb_none")) },
            Some(Ok(found)) => ol.hits {
                @for h in &found.hits {
                    li.card.hit {
                        a href=(format!("/kb/{}", h.article_id)) { strong { (segments(&h.title)) } }
                        " " span.badge { (h.tenant_code) }
                        p { (segments(&h.snippet)) }
                    }
                }
            },
            Some(Err(p)) => (alert(Some(p))),
            None => {},
        }
    };
    ctx.ok(public_page(&ctx, lang.t("portal.kb"), body))
}

/// `GET /kb/{id}`: one public article.
pub async fn article(req: HttpRequest, v: Visitor, id: web::Path<String>) -> PageResult {
    let ctx = v.0;
    let lang = ctx.lang;
    let ip = client_ip(&req, ctx.state.settings.trust_proxy_headers);
    let (a, line) = ctx.state.core.public_article(&ip, &id).await.map_err(|e| ConsoleError::api(lang, false, e))?;
    let body = html! {
        article.card {
            p.muted { (line) " · " (when(a.updated_at)) }
            @for para in a.body.split("\n\n") { p { (para) } }
        }
        p { a href="/kb" { (lang.t("portal.kb_back")) } }
    };
    Ok(ctx.ok(public_page(&ctx, &a.title, body)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/portal/submit", web::post().to(submit))
        .route("/track", web::get().to(track))
        .route("/track/rate", web::post().to(rate))
        .route("/kb", web::get().to(kb))
        .route("/kb/{id}", web::get().to(article));
}

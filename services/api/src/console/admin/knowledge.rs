//! Knowledge base (知识库): the line's articles by status; write one; a new version; submit,
//! approve or reject (a second person decides: the core refuses the author, and the page says
//! so); archive.

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use hotline_core::admin::tenants::TenantView;
use hotline_core::kb::{ArticleInput, ArticleView};
use hotline_domain::kb::VersionAction;
use hotline_store::entities::kb_article_version;
use maud::{Markup, html};
use serde::Deserialize;

use super::{base, frame, open, refused};
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{Problem, alert, badge, blank, field};
use crate::console::i18n::{Lang, day, when};
use crate::console::session::{Ctx, Staff};
use crate::error::ApiError;

const STATUSES: [&str; 3] = ["draft", "published", "archived"];

fn list_url(code: &str) -> String {
    format!("{}/knowledge", base(code))
}

#[derive(Deserialize, Default)]
pub struct ArticleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    category: String,
    public: Option<String>,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    review_at: String,
}

/// A day typed in a date field: its start in Beijing time.
fn date(name: &str, s: &str) -> Result<Option<DateTime<Utc>>, Problem> {
    let Some(s) = blank(s) else { return Ok(None) };
    let d = NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| Problem { field: Some(name.into()), text: String::new() })?;
    let local = d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(Shanghai).single());
    local.map(|l| Some(l.with_timezone(&Utc))).ok_or_else(|| Problem { field: Some(name.into()), text: String::new() })
}

impl ArticleForm {
    fn of(v: &kb_article_version::Model) -> Self {
        let d = |x: Option<DateTime<Utc>>| x.map(day).unwrap_or_default();
        ArticleForm {
            title: v.title.clone(),
            body: v.body.clone(),
            tags: v.tags.split(',').filter(|t| !t.is_empty()).collect::<Vec<_>>().join(", "),
            category: v.category.clone().unwrap_or_default(),
            public: v.public.then(|| "true".into()),
            valid_from: d(v.valid_from),
            valid_until: d(v.valid_until),
            review_at: d(v.review_at),
        }
    }

    fn input(&self, lang: Lang) -> Result<ArticleInput, Problem> {
        let dated = |name: &str, s: &str| {
            date(name, s).map_err(|mut p| {
                p.text = lang.t("admin.kb.bad_date").to_owned();
                p
            })
        };
        Ok(ArticleInput {
            title: self.title.clone(),
            body: self.body.clone(),
            tags: self.tags.split([',', '，', '、']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect(),
            category: blank(&self.category),
            public: self.public.is_some(),
            valid_from: dated("valid_from", &self.valid_from)?,
            valid_until: dated("valid_until", &self.valid_until)?,
            review_at: dated("review_at", &self.review_at)?,
            owner_id: None,
        })
    }
}

fn article_form(lang: Lang, id: &str, action: &str, heading: &str, f: &ArticleForm, problem: Option<&Problem>) -> Markup {
    let input = |name: &str, kind: &str, value: &str| field(lang, problem, name, html! { input name=(name) type=(kind) value=(value); });
    html! {
        form.card #(id) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            h3 { (heading) }
            (alert(problem))
            (field(lang, problem, "title", html! { input name="title" value=(f.title) maxlength="200" required; }))
            (field(lang, problem, "body", html! { textarea name="body" rows="8" required { (f.body) } }))
            div.row { (input("tags", "text", &f.tags)) (input("category", "text", &f.category)) }
            div.row { (input("valid_from", "date", &f.valid_from)) (input("valid_until", "date", &f.valid_until)) (input("review_at", "date", &f.review_at)) }
            (field(lang, problem, "public", html! { input type="checkbox" name="public" value="true" checked[f.public.is_some()]; }))
            button.primary type="submit" { (heading) }
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

/// `GET /console/admin/{code}/knowledge?status=…`
pub async fn list(s: Staff, code: web::Path<String>, q: web::Query<ListQuery>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let status = q.status.as_deref().filter(|s| STATUSES.contains(s));
    let articles = ctx.state.core.list_articles(&p, &t.code, status).await.map_err(|e| ConsoleError::api(lang, false, e))?;
    let body = html! {
        nav.tabs.sub #kb-status {
            a.on[status.is_none()] href=(list_url(&t.code)) { (lang.t("admin.kb.all")) }
            @for st in STATUSES { a.on[status == Some(st)] href=(format!("{}?status={st}", list_url(&t.code))) data-status=(st) { (lang.term("article", st)) } }
        }
        div.grid2 {
            div {
                @if articles.is_empty() { p.muted { (lang.t("admin.kb.none")) } } @else {
                table #articles {
                    tr { th { (lang.t("field.title")) } th { (lang.t("field.status")) } th { (lang.t("admin.kb.versions")) } th { (lang.t("admin.kb.updated")) } }
                    @for a in &articles {
                        tr data-article=(a.article.id) data-status=(a.article.status) {
                            td { a.article-open href=(format!("{}/{}", list_url(&t.code), a.article.id)) { (a.article.title) } }
                            td { (badge(lang, "article", &a.article.status)) @for f in &a.flags { " " (badge(lang, "flag", f.as_str())) } }
                            td { @if let Some(v) = a.article.published_version { "v" (v) " / " } "v" (a.article.latest_version) }
                            td { (when(a.article.updated_at)) }
                        }
                    }
                }
                }
            }
            (article_form(lang, "article-create", &list_url(&t.code), lang.t("admin.kb.create"), &ArticleForm::default(), None))
        }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "knowledge", body)))
}

/// `POST /console/admin/{code}/knowledge`: a new article (version 1, a draft), then its page.
pub async fn create(s: Staff, code: web::Path<String>, f: web::Form<ArticleForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let result = match f.input(lang) {
        Ok(input) => ctx.state.core.create_article(&p, &t.code, input).await.map_err(|e| refused(lang, e)),
        Err(problem) => Err(Ok((StatusCode::UNPROCESSABLE_ENTITY, problem))),
    };
    match result {
        Ok(a) => Ok(ctx.redirect(&format!("{}/{}", list_url(&t.code), a.article.id))),
        Err(refusal) => {
            let (status, problem) = refusal?;
            Ok(ctx.html(status, article_form(lang, "article-create", &list_url(&t.code), lang.t("admin.kb.create"), &f, Some(&problem))))
        }
    }
}

/// An article of this line (another line's reads as not found, like a missing one).
async fn article(ctx: &Ctx, p: &hotline_core::Principal, t: &TenantView, id: &str) -> Result<ArticleView, ConsoleError> {
    let a = ctx.state.core.get_article(p, id).await.map_err(|e| ConsoleError::api(ctx.lang, ctx.htmx, e))?;
    if a.tenant_code != t.code {
        return Err(ConsoleError::api(ctx.lang, ctx.htmx, ApiError::not_found("article")));
    }
    Ok(a)
}

fn version_steps(lang: Lang, url: &str, v: &kb_article_version::Model) -> Markup {
    let step = |action: &str| format!("{url}/versions/{}/{action}", v.version);
    html! {
        @match v.state.as_str() {
            "draft" => { button.step type="submit" hx-post=(step("submit")) hx-target="#article-step-result" data-step="submit" { (lang.term("vaction", "submit")) } }
            "submitted" => {
                button.step.primary type="submit" hx-post=(step("approve")) hx-target="#article-step-result" data-step="approve" { (lang.term("vaction", "approve")) }
                form.row.reject hx-post=(step("reject")) hx-target="#article-step-result" {
                    input name="reason" maxlength="500" placeholder=(lang.t("admin.kb.reject_reason"));
                    button.danger type="submit" data-step="reject" { (lang.term("vaction", "reject")) }
                }
            }
            _ => {}
        }
    }
}

/// `GET /console/admin/{code}/knowledge/{id}`: the article, its versions and their steps.
pub async fn show(s: Staff, path: web::Path<(String, String)>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let a = article(&ctx, &p, &t, &id).await?;
    let url = format!("{}/{}", list_url(&t.code), a.article.id);
    let latest = a.versions.first();
    let body = html! {
        div.grid2 {
            div {
                div.card #article data-status=(a.article.status) {
                    h2 { (a.article.title) " " (badge(lang, "article", &a.article.status)) }
                    p.article-body { (a.article.body) }
                }
                div #article-step-result {}
                table #article-versions {
                    tr { th { (lang.t("admin.rules.version")) } th { (lang.t("field.status")) } th { (lang.t("field.title")) } th { (lang.t("admin.kb.author")) } th { (lang.t("admin.kb.decided")) } th {} }
                    @for v in &a.versions {
                        tr data-version=(v.version) data-state=(v.state) {
                            td { "v" (v.version) }
                            td { (badge(lang, "version", &v.state)) }
                            td { (v.title) }
                            td { (v.author_name) " " span.muted { (when(v.created_at)) } }
                            td { @if let Some(at) = v.decided_at { (when(at)) } @if let Some(r) = &v.reason { " — " (r) } }
                            td.actions { @if a.article.status != "archived" { (version_steps(lang, &url, v)) } }
                        }
                    }
                }
                @if a.article.status != "archived" {
                    form #article-archive hx-post=(format!("{url}/archive")) hx-target="#article-step-result" {
                        button.danger type="submit" { (lang.t("admin.kb.archive")) }
                    }
                }
                p { a href=(list_url(&t.code)) { (lang.t("admin.kb.back")) } }
            }
            @if a.article.status != "archived" {
                @let f = latest.map(ArticleForm::of).unwrap_or_default();
                (article_form(lang, "article-edit", &format!("{url}/versions"), lang.t("admin.kb.new_version"), &f, None))
            }
        }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "knowledge", body)))
}

/// `POST /console/admin/{code}/knowledge/{id}/versions`: new content (a draft replaced in place,
/// else a new version).
pub async fn edit(s: Staff, path: web::Path<(String, String)>, f: web::Form<ArticleForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let a = article(&ctx, &p, &t, &id).await?;
    let url = format!("{}/{}", list_url(&t.code), a.article.id);
    let result = match f.input(lang) {
        Ok(input) => ctx.state.core.edit_article(&p, &id, input).await.map(|_| ()).map_err(|e| refused(lang, e)),
        Err(problem) => Err(Ok((StatusCode::UNPROCESSABLE_ENTITY, problem))),
    };
    match result {
        Ok(()) => Ok(ctx.redirect(&url)),
        Err(refusal) => {
            let (status, problem) = refusal?;
            Ok(ctx.html(
                status,
                article_form(lang, "article-edit", &format!("{url}/versions"), lang.t("admin.kb.new_version"), &f, Some(&problem)),
            ))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    reason: String,
}

/// `POST /console/admin/{code}/knowledge/{id}/versions/{version}/{submit|approve|reject}`
pub async fn step(s: Staff, path: web::Path<(String, String, i32, String)>, f: web::Form<StepForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id, version, action) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let a = article(&ctx, &p, &t, &id).await?;
    let action = VersionAction::parse(&action).map_err(|_| ConsoleError::api(lang, true, ApiError::not_found("step")))?;
    match ctx.state.core.article_step(&p, &id, version, action, blank(&f.reason)).await {
        Ok(_) => Ok(ctx.redirect(&format!("{}/{}", list_url(&t.code), a.article.id))),
        Err(e) => {
            let (status, problem) = refused(lang, e)?;
            Ok(ctx.html(status, alert(Some(&problem))))
        }
    }
}

/// `POST /console/admin/{code}/knowledge/{id}/archive`
pub async fn archive(s: Staff, path: web::Path<(String, String)>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let a = article(&ctx, &p, &t, &id).await?;
    match ctx.state.core.archive_article(&p, &id).await {
        Ok(_) => Ok(ctx.redirect(&format!("{}/{}", list_url(&t.code), a.article.id))),
        Err(e) => {
            let (status, problem) = refused(lang, e)?;
            Ok(ctx.html(status, alert(Some(&problem))))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/admin/{code}/knowledge", web::get().to(list))
        .route("/console/admin/{code}/knowledge", web::post().to(create))
        .route("/console/admin/{code}/knowledge/{id}", web::get().to(show))
        .route("/console/admin/{code}/knowledge/{id}/versions", web::post().to(edit))
        .route("/console/admin/{code}/knowledge/{id}/versions/{version}/{action}", web::post().to(step))
        .route("/console/admin/{code}/knowledge/{id}/archive", web::post().to(archive));
}

//! API keys (接口密钥): the line's keys for other systems; a new key's secret is shown once,
//! with a warning (only its hash is kept); revoking asks for a confirmation first.

use actix_web::http::StatusCode;
use actix_web::web;
use hotline_store::PageRequest;
use maud::html;
use serde::Deserialize;

use super::{base, confirm, frame, open, refused};
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{alert, field};
use crate::console::i18n::when;
use crate::console::session::Staff;

fn list_url(code: &str) -> String {
    format!("{}/keys", base(code))
}

/// `GET /console/admin/{code}/keys`: never a secret.
pub async fn list(s: Staff, code: web::Path<String>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let keys = ctx
        .state
        .core
        .list_api_keys(&p, &t.code, PageRequest::first(PageRequest::MAX_LIMIT))
        .await
        .map_err(|e| ConsoleError::api(lang, false, e))?
        .items;
    let body = html! {
        form.card.row #key-create hx-post=(list_url(&t.code)) hx-target="#key-created" {
            (field(lang, None, "key_name", html! { input name="name" maxlength="128" required placeholder=(lang.t("admin.keys.name_hint")); }))
            button.primary type="submit" { (lang.t("admin.keys.create")) }
        }
        div #key-created {}
        div #key-confirm {}
        @if keys.is_empty() { p.muted { (lang.t("admin.keys.none")) } } @else {
        table #api-keys {
            tr { th { (lang.t("field.key_name")) } th { (lang.t("admin.keys.prefix")) } th { (lang.t("admin.rules.created")) } th { (lang.t("admin.keys.last_used")) } th { (lang.t("field.status")) } th {} }
            @for k in &keys {
                tr data-key=(k.id) data-revoked=(k.revoked_at.is_some()) {
                    td { (k.name) }
                    td { code { (k.prefix) } }
                    td { (when(k.created_at)) }
                    td { @if let Some(at) = k.last_used_at { (when(at)) } }
                    td { @match k.revoked_at {
                        Some(at) => { span.badge.state-inactive { (lang.t("admin.keys.revoked")) } " " (when(at)) }
                        None => { span.badge.state-active { (lang.t("admin.keys.active")) } }
                    } }
                    td { @if k.revoked_at.is_none() {
                        button.danger.revoke type="submit" hx-post=(format!("{}/{}/revoke", list_url(&t.code), k.id)) hx-target="#key-confirm" data-key=(k.id) {
                            (lang.t("admin.keys.revoke"))
                        }
                    } }
                }
            }
        }
        }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "keys", body)))
}

#[derive(Deserialize, Default)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
}

/// `POST /console/admin/{code}/keys`: the key, and its secret this once.
pub async fn create(s: Staff, code: web::Path<String>, f: web::Form<KeyForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    match ctx.state.core.create_api_key(&p, &t.code, &f.name).await {
        Ok((key, secret)) => Ok(ctx.html(
            StatusCode::CREATED,
            html! {
                div.alert.warn #new-secret role="status" data-key=(key.id) {
                    p { strong { (lang.t("admin.keys.secret_once")) } }
                    p { (key.name) ": " code #api-secret data-secret=(secret) { (secret) } }
                    a.button href=(list_url(&t.code)) { (lang.t("admin.keys.copied")) }
                }
            },
        )),
        Err(e) => {
            let (status, mut problem) = refused(lang, e)?;
            problem.field = None;
            Ok(ctx.html(status, alert(Some(&problem))))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /console/admin/{code}/keys/{id}/revoke`: once confirmed, the key stops working.
pub async fn revoke(s: Staff, path: web::Path<(String, String)>, f: web::Form<ConfirmForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let url = format!("{}/{id}/revoke", list_url(&t.code));
    if f.confirm != "yes" {
        let keys = ctx.state.core.list_api_keys(&p, &t.code, PageRequest::first(PageRequest::MAX_LIMIT)).await;
        let keys = keys.map_err(|e| ConsoleError::api(lang, true, e))?.items;
        let name = keys.iter().find(|k| k.id.to_string() == id).map(|k| k.name.clone()).unwrap_or_default();
        let question = lang.t("admin.keys.revoke_question").replace("{name}", &name);
        return Ok(ctx.ok(confirm(lang, "revoke-confirm", &question, &url, &list_url(&t.code), lang.t("admin.keys.revoke"))));
    }
    match ctx.state.core.revoke_api_key(&p, &t.code, &id).await {
        Ok(_) => Ok(ctx.redirect(&list_url(&t.code))),
        Err(e) => {
            let (status, problem) = refused(lang, e)?;
            Ok(ctx.html(status, alert(Some(&problem))))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/admin/{code}/keys", web::get().to(list))
        .route("/console/admin/{code}/keys", web::post().to(create))
        .route("/console/admin/{code}/keys/{id}/revoke", web::post().to(revoke));
}

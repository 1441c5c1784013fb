//! Units (单位): the line's handling units with kind, district and status; create one; edit
//! its name, kind, parent, district, district fallback and whether it is active.

use actix_web::http::StatusCode;
use actix_web::web;
use hotline_core::admin::tenants::TenantView;
use hotline_core::admin::units::{CreateUnit, UnitQuery, UnitView, UpdateUnit};
use hotline_domain::{UnitKind, UnitStatus};
use hotline_store::PageRequest;
use maud::{Markup, html};
use serde::Deserialize;

use super::{base, frame, open, refused};
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{Problem, alert, badge, blank, field};
use crate::console::i18n::Lang;
use crate::console::session::{Ctx, Staff};

fn list_url(code: &str) -> String {
    format!("{}/units", base(code))
}

async fn all_units(ctx: &Ctx, p: &hotline_core::Principal, code: &str) -> Result<Vec<UnitView>, ConsoleError> {
    let page = ctx.state.core.list_units(p, code, UnitQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT)).await;
    Ok(page.map_err(|e| ConsoleError::api(ctx.lang, ctx.htmx, e))?.items)
}

#[derive(Deserialize, Default)]
pub struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    district: String,
    is_district_fallback: Option<String>,
    #[serde(default)]
    status: String,
}

impl UnitForm {
    fn of(u: &UnitView) -> Self {
        UnitForm {
            name: u.name.clone(),
            kind: u.kind.as_str().to_owned(),
            parent_id: u.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            district: u.district.clone().unwrap_or_default(),
            is_district_fallback: u.is_district_fallback.then(|| "true".to_owned()),
            status: u.status.as_str().to_owned(),
        }
    }
}

/// The create form (`unit` = None) or the edit form of a unit.
fn form(lang: Lang, t: &TenantView, units: &[UnitView], unit: Option<&UnitView>, f: &UnitForm, problem: Option<&Problem>) -> Markup {
    let (id, action) = match unit {
        Some(u) => ("unit-edit", format!("{}/{}", list_url(&t.code), u.id)),
        None => ("unit-create", list_url(&t.code)),
    };
    let kinds: Vec<&str> = UnitKind::ALL.iter().map(|k| k.as_str()).collect();
    html! {
        form.card #(id) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            h3 { (lang.t(if unit.is_some() { "admin.units.edit" } else { "admin.units.create" })) }
            (alert(problem))
            div.row {
                (field(lang, problem, "name", html! { input name="name" value=(f.name) maxlength="128" required; }))
                (field(lang, problem, "kind", html! {
                    select name="kind" { @for k in &kinds { option value=(k) selected[f.kind == *k] { (lang.term("unitkind", k)) } } }
                }))
            }
            div.row {
                (field(lang, problem, "parent_id", html! {
                    select name="parent_id" {
                        option value="" { "—" }
                        @for u in units.iter().filter(|u| unit.is_none_or(|me| me.id != u.id)) {
                            option value=(u.id) selected[f.parent_id == u.id.to_string()] { (u.name) }
                        }
                    }
                }))
                (field(lang, problem, "district", html! { input name="district" value=(f.district) maxlength="64"; }))
            }
            (field(lang, problem, "is_district_fallback", html! {
                input type="checkbox" name="is_district_fallback" value="true" checked[f.is_district_fallback.is_some()];
            }))
            @if unit.is_some() {
                (field(lang, problem, "status", html! {
                    select name="status" { @for s in UnitStatus::ALL { option value=(s.as_str()) selected[f.status == s.as_str()] { (lang.term("state", s.as_str())) } } }
                }))
            }
            button.primary type="submit" { (lang.t(if unit.is_some() { "admin.save" } else { "admin.units.create" })) }
        }
    }
}

/// `GET /console/admin/{code}/units`
pub async fn list(s: Staff, code: web::Path<String>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let units = all_units(&ctx, &p, &t.code).await?;
    let name_of = |id: Option<uuid::Uuid>| id.and_then(|id| units.iter().find(|u| u.id == id)).map(|u| u.name.as_str()).unwrap_or("");
    let body = html! {
        div.grid2 {
            table #units {
                tr { th { (lang.t("field.name")) } th { (lang.t("field.kind")) } th { (lang.t("field.district")) } th { (lang.t("field.parent_id")) } th { (lang.t("field.status")) } }
                @for u in &units {
                    tr data-unit=(u.id) data-status=(u.status.as_str()) {
                        td { a.unit-open href=(format!("{}/{}", list_url(&t.code), u.id)) { (u.name) } }
                        td { (lang.term("unitkind", u.kind.as_str())) }
                        td { (u.district.as_deref().unwrap_or("")) @if u.is_district_fallback { " " span.badge { (lang.t("admin.units.fallback")) } } }
                        td { (name_of(u.parent_id)) }
                        td { (badge(lang, "state", u.status.as_str())) }
                    }
                }
            }
            div { (form(lang, &t, &units, None, &UnitForm { kind: "department_office".into(), ..Default::default() }, None)) }
        }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "units", body)))
}

/// `POST /console/admin/{code}/units`: the new unit, then the list.
pub async fn create(s: Staff, code: web::Path<String>, f: web::Form<UnitForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let input = CreateUnit {
        name: f.name.clone(),
        kind: f.kind.clone(),
        parent_id: blank(&f.parent_id),
        district: blank(&f.district),
        is_district_fallback: f.is_district_fallback.is_some(),
    };
    match ctx.state.core.create_unit(&p, &t.code, input).await {
        Ok(_) => Ok(ctx.redirect(&list_url(&t.code))),
        Err(e) => {
            let (status, problem) = refused(lang, e)?;
            let units = all_units(&ctx, &p, &t.code).await?;
            Ok(ctx.html(status, form(lang, &t, &units, None, &f, Some(&problem))))
        }
    }
}

/// `GET /console/admin/{code}/units/{id}`
pub async fn edit(s: Staff, path: web::Path<(String, String)>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let u = ctx.state.core.get_unit(&p, &t.code, &id).await.map_err(|e| ConsoleError::api(lang, false, e))?;
    let units = all_units(&ctx, &p, &t.code).await?;
    let body = html! {
        (form(lang, &t, &units, Some(&u), &UnitForm::of(&u), None))
        p { a href=(list_url(&t.code)) { (lang.t("admin.units.back")) } }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "units", body)))
}

/// `POST /console/admin/{code}/units/{id}`
pub async fn update(s: Staff, path: web::Path<(String, String)>, f: web::Form<UnitForm>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let (code, id) = path.into_inner();
    let t = open(&ctx, &p, &code).await?;
    let u = ctx.state.core.get_unit(&p, &t.code, &id).await.map_err(|e| ConsoleError::api(lang, true, e))?;
    let input = UpdateUnit {
        name: Some(f.name.clone()),
        kind: Some(f.kind.clone()),
        parent_id: Some(blank(&f.parent_id)),
        district: Some(blank(&f.district)),
        is_district_fallback: Some(f.is_district_fallback.is_some()),
        status: blank(&f.status),
    };
    match ctx.state.core.update_unit(&p, &t.code, &id, input).await {
        Ok(_) => Ok(ctx.redirect(&list_url(&t.code))),
        Err(e) => {
            let (status, problem): (StatusCode, Problem) = refused(lang, e)?;
            let units = all_units(&ctx, &p, &t.code).await?;
            Ok(ctx.html(status, form(lang, &t, &units, Some(&u), &f, Some(&problem))))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/admin/{code}/units", web::get().to(list))
        .route("/console/admin/{code}/units", web::post().to(create))
        .route("/console/admin/{code}/units/{id}", web::get().to(edit))
        .route("/console/admin/{code}/units/{id}", web::post().to(update));
}

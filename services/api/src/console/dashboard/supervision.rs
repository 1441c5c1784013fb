//! The supervision board (督办): cases near their deadline, overdue, or problem cases, and the
//! hot spots. `GET /console/supervision?view=near_due|overdue|problem|hot_spots&tenant=`.
//! The core decides who may read each queue; a refusal is shown in words under the tabs.

use std::collections::HashMap;

use actix_web::web;
use chrono::{DateTime, TimeDelta, Utc};
use hotline_core::admin::tenants::TenantQuery;
use hotline_core::admin::units::UnitQuery;
use hotline_core::cases::CaseView;
use hotline_core::supervision::HotSpotView;
use hotline_core::{CoreError, Principal};
use hotline_store::PageRequest;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::supervision_view::{cases_table, spots_table};
use crate::console::error::PageResult;
use crate::console::html::{Problem, alert, page};
use crate::console::session::{Ctx, Staff};
use crate::error::ApiError;

pub const VIEWS: [&str; 4] = ["near_due", "overdue", "problem", "hot_spots"];
/// The view when none (or an unknown one) is asked for: what needs supervising now.
pub const DEFAULT_VIEW: &str = "overdue";

#[derive(Deserialize, Default)]
pub struct SupAsk {
    pub view: Option<String>,
    /// A line's code, to look at one line (the city office).
    pub tenant: Option<String>,
}

impl SupAsk {
    pub fn view(&self) -> &'static str {
        let asked = self.view.as_deref().unwrap_or_default();
        VIEWS.iter().copied().find(|v| *v == asked).unwrap_or(DEFAULT_VIEW)
    }

    pub fn tenant(&self) -> Option<String> {
        self.tenant.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
    }
}

/// Time left before a deadline, by the core's clock: overdue, within a day, or comfortable.
pub fn due_class(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> &'static str {
    match due {
        None => "",
        Some(d) if d <= now => "overdue",
        Some(d) if d - now <= TimeDelta::hours(24) => "soon",
        Some(_) => "ok",
    }
}

/// Names the reader may read: line codes by tenant id, unit names by id.
#[derive(Default)]
pub struct Names {
    pub lines: HashMap<Uuid, String>,
    pub units: HashMap<Uuid, String>,
    /// The line code of each unit named.
    pub unit_lines: HashMap<Uuid, String>,
}

impl Names {
    /// Whatever the reader may list; what they may not stays an id (a dispatcher sees other
    /// lines' cases but not their directories).
    pub async fn read(ctx: &Ctx, p: &Principal) -> Names {
        let core = &ctx.state.core;
        let mut names = Names::default();
        // The front door's dispatchers choose among every line's units, so they may name them.
        if let Ok(targets) = core.dispatch_targets(p).await {
            for u in targets {
                names.unit_lines.insert(u.id, u.line);
                names.units.insert(u.id, u.name);
            }
        }
        let Ok(tenants) = core.list_tenants(p, TenantQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT)).await else {
            return names;
        };
        for t in tenants.items {
            if let Ok(units) = core.list_units(p, &t.code, UnitQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT)).await {
                for u in units.items {
                    names.unit_lines.insert(u.id, t.code.clone());
                    names.units.insert(u.id, u.name);
                }
            }
            names.lines.insert(t.id, t.code);
        }
        names
    }

    pub fn line(&self, id: Uuid) -> String {
        self.lines.get(&id).cloned().unwrap_or_else(|| short(id))
    }

    pub fn unit(&self, id: Uuid) -> String {
        self.units.get(&id).cloned().unwrap_or_else(|| short(id))
    }
}

fn short(id: Uuid) -> String {
    let s = id.simple().to_string();
    format!("…{}", &s[s.len() - 8..])
}

/// A case as the board lists it.
pub struct Row {
    pub case: CaseView,
    /// The line doing the work: the lead unit's, else the one that took the case.
    pub line: String,
    pub lead: Option<String>,
    /// The earliest deadline some unit has passed, if any; else the lead's feedback deadline.
    pub due: Option<DateTime<Utc>>,
    pub overdue_by: Option<TimeDelta>,
}

fn row(c: CaseView, names: &Names, now: DateTime<Utc>) -> Row {
    let lead = c.participants.iter().find(|x| x.role == "lead");
    let line = match lead {
        Some(l) => names.unit_lines.get(&l.unit_id).cloned().unwrap_or_else(|| names.line(l.tenant_id)),
        None => names.line(c.tenant_id),
    };
    // Every clock still running: the lead's feedback, its sign-for while unsigned, and a
    // co-unit's sign-for or contribution while it still owes them.
    let mut clocks: Vec<DateTime<Utc>> = c.feedback_due_at.into_iter().collect();
    if c.status == "dispatched" {
        clocks.extend(c.sign_due_at);
    }
    for x in c.participants.iter().filter(|x| x.role == "co") {
        if x.status == "assigned" {
            clocks.extend(x.sign_due_at);
        }
        if x.status == "assigned" || x.status == "signed" {
            clocks.extend(x.contribute_due_at);
        }
    }
    let open = ["dispatched", "signed", "in_progress"].contains(&c.status.as_str());
    let passed = clocks.iter().copied().filter(|d| *d <= now).min().filter(|_| open);
    Row {
        line,
        lead: c.lead_unit_id.map(|u| names.unit(u)),
        due: passed.or(c.feedback_due_at),
        overdue_by: passed.map(|d| now - d),
        case: c,
    }
}

/// What a tab shows.
pub enum Loaded {
    Cases(Vec<Row>),
    Spots(Vec<(HotSpotView, Vec<String>)>),
}

pub async fn load(ctx: &Ctx, p: &Principal, view: &str, tenant: Option<String>) -> Result<Loaded, CoreError> {
    let core = &ctx.state.core;
    let now = core.now();
    if view == "hot_spots" {
        let spots = core.hot_spots(p, None).await?;
        let names = Names::read(ctx, p).await;
        let spots = spots
            .into_iter()
            .map(|s| {
                let mut lines: Vec<String> = s.cases.iter().map(|c| names.line(c.tenant_id)).collect();
                lines.sort();
                lines.dedup();
                (s, lines)
            })
            .collect();
        return Ok(Loaded::Spots(spots));
    }
    let cases = core.list_supervision(p, view, tenant, PageRequest::first(PageRequest::MAX_LIMIT)).await?.items;
    let names = Names::read(ctx, p).await;
    let mut rows: Vec<Row> = cases.into_iter().map(|c| row(c, &names, now)).collect();
    // The most pressing first.
    rows.sort_by_key(|r| (r.due.is_none(), r.due));
    Ok(Loaded::Cases(rows))
}

fn tabs(ctx: &Ctx, view: &str, tenant: Option<&str>, export: bool) -> Markup {
    let lang = ctx.lang;
    let href = |v: &str| {
        let mut pairs = vec![("view", v)];
        pairs.extend(tenant.map(|t| ("tenant", t)));
        format!("/console/supervision?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
    };
    let export_href = href(view).replacen("/console/supervision?", "/console/supervision/export.csv?", 1);
    html! {
        nav.tabs #supervision-tabs {
            @for v in VIEWS { a.on[v == view] data-view=(v) href=(href(v)) { (lang.t(&format!("sup.{v}"))) } }
        }
        @if export { p.actions { a.button #export href=(export_href) download { (lang.t("dash.export")) } } }
    }
}

pub async fn board(s: Staff, q: web::Query<SupAsk>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let view = q.view();
    let tenant = q.tenant();
    let now = ctx.state.core.now();
    let title = lang.t("nav.supervision");
    let (status, content) = match load(&ctx, &p, view, tenant.clone()).await {
        Ok(Loaded::Cases(rows)) => (actix_web::http::StatusCode::OK, cases_table(lang, &rows, now)),
        Ok(Loaded::Spots(spots)) => (actix_web::http::StatusCode::OK, spots_table(lang, &spots)),
        Err(e) => {
            let err = ApiError::from(e);
            (err.status, alert(Some(&Problem::from_api(lang, &err))))
        }
    };
    let body = html! {
        (tabs(&ctx, view, tenant.as_deref(), status.is_success()))
        section #supervision data-view=(view) { (content) }
    };
    Ok(ctx.html(status, page(&ctx, &p, title, body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_is_read_by_the_given_clock() {
        let now = Utc::now();
        assert_eq!(due_class(Some(now - TimeDelta::minutes(1)), now), "overdue");
        assert_eq!(due_class(Some(now + TimeDelta::hours(3)), now), "soon");
        assert_eq!(due_class(Some(now + TimeDelta::days(3)), now), "ok");
        assert_eq!(due_class(None, now), "");
        let q = SupAsk { view: Some("<x>".into()), tenant: Some(" ".into()) };
        assert_eq!((q.view(), q.tenant()), ("overdue", None), "an unknown view is the overdue queue");
    }
}

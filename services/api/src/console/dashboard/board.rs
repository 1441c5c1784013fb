//! Everything one dashboard view shows, read from the core as the signed-in user: the page and
//! its CSV export draw from the same [`Board`], so the export has the page's numbers.

use std::collections::HashMap;

use hotline_core::admin::tenants::TenantQuery;
use hotline_core::admin::units::UnitQuery;
use hotline_core::stats_read::{CompareQuery, Figure, Figures, Ranking, Series, SeriesQuery, Summary, SummaryQuery};
use hotline_core::{CoreError, Principal};
use hotline_domain::Role;
use hotline_domain::stats::{Counts, Metric, Value};
use hotline_domain::tenant::TenantKind;
use hotline_store::PageRequest;

use super::{Ask, HEADLINE, Period, RATES};
use crate::console::session::Ctx;

/// Platform roles the core lets read every line's figures (`stats_read::CITY_ROLES`).
const CITY_ROLES: [Role; 4] = [Role::CitySupervisor, Role::CityAdmin, Role::Dispatcher, Role::Auditor];

pub struct Board {
    pub ask: Ask,
    pub previous_period: Period,
    /// Whether the reader sees the whole city (and may choose a line).
    pub city: bool,
    /// The line shown, by code; `None` is the whole city.
    pub line: Option<String>,
    /// `line` (the city's lines side by side) or `unit` (one line's units).
    pub dimension: &'static str,
    /// The lines the reader may choose, (code, name).
    pub lines: Vec<(String, String)>,
    /// Names of the compared keys (line codes or unit ids).
    pub names: HashMap<String, String>,
    pub summary: Summary,
    pub previous: Summary,
    /// One entry per line or unit, in the order shown.
    pub entries: Vec<Figures>,
    pub series: Series,
    pub ranking: Ranking,
}

impl Board {
    /// A key's name as shown (the key itself when the reader may not read names).
    pub fn name(&self, key: &str) -> String {
        self.names.get(key).cloned().unwrap_or_else(|| short(key))
    }

    /// The name of the line shown, or `None` for the city.
    pub fn line_name(&self) -> Option<String> {
        let code = self.line.as_deref()?;
        Some(self.lines.iter().find(|(c, _)| c == code).map_or_else(|| code.to_owned(), |(c, n)| format!("{c} {n}")))
    }
}

/// A unit id shortened for a label when its name cannot be read (ids are long).
fn short(key: &str) -> String {
    if key.len() > 12 && key.contains('-') { format!("…{}", &key[key.len() - 8..]) } else { key.to_owned() }
}

/// Figures of a key without any counter: counts are zero, rates undefined.
fn empty(subject: &str, metrics: &[&str]) -> Figures {
    let mut counts = Counts::default();
    counts.overdue_now = Some(0);
    let figures = metrics
        .iter()
        .filter_map(|m| Metric::parse(m).ok())
        .map(|m| Figure {
            metric: m.as_str(),
            chinese: m.chinese(),
            value: match m.value(&counts) {
                Value::Count(n) => Some(n as f64),
                Value::Ratio(v) => v,
            },
            sample: 0,
        })
        .collect();
    Figures { subject: subject.to_owned(), figures }
}

pub async fn load(ctx: &Ctx, p: &Principal, ask: Ask) -> Result<Board, CoreError> {
    let core = &ctx.state.core;
    let city = p.on_platform() && p.has_any(&CITY_ROLES);
    // Readers who may not list every tenant (a dispatcher) see the codes only.
    let tenants = if city {
        core.list_tenants(p, TenantQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT)).await?.items
    } else {
        Vec::new()
    };
    let mut lines: Vec<(String, String)> =
        tenants.iter().filter(|t| t.kind == TenantKind::Line).map(|t| (t.code.clone(), t.name.clone())).collect();
    let line = match (&ask.tenant, city) {
        (None, true) => None,
        // A line the city does not have reads as not found, like the REST API's 404s.
        (Some(code), true) if p.is_city_wide() && !lines.iter().any(|(c, _)| c == code) => return Err(CoreError::NotFound("tenant")),
        (Some(code), _) => Some(code.clone()),
        // A line's administrator starts at their line; the core refuses anyone else.
        (None, false) => Some(p.tenant.code.as_str().to_owned()),
    };
    if let Some(code) = line.as_deref().filter(|c| !city && *c == p.tenant.code.as_str()) {
        // A line's administrator reads their own line's name (another line is refused below).
        if let Ok(t) = core.get_tenant(p, code).await {
            lines.push((t.code, t.name));
        }
    }
    let dimension = if line.is_some() { "unit" } else { "line" };
    let (from, to) = (Some(ask.period.first_day()), Some(ask.period.last_day()));
    let side: Vec<&str> = HEADLINE.to_vec();

    // The comparison first: it is what unit staff and the front desk may not read.
    let compare = CompareQuery {
        dimension: dimension.to_owned(),
        tenant: line.clone(),
        from: from.clone(),
        to: to.clone(),
        metrics: Some(side.join(",")),
    };
    let compared = core.stats_compare(p, compare.clone()).await?;
    let summary = core
        .stats_summary(p, SummaryQuery { tenant: line.clone(), from: from.clone(), to: to.clone(), metrics: Some(HEADLINE.join(",")) })
        .await?;
    let previous_period = ask.period.previous();
    // "Overdue now" is a state at the moment of reading: it has no previous value.
    let before: Vec<&str> = HEADLINE.iter().copied().filter(|m| *m != "overdue_now").collect();
    let previous = core
        .stats_summary(
            p,
            SummaryQuery {
                tenant: line.clone(),
                from: Some(previous_period.first_day()),
                to: Some(previous_period.last_day()),
                metrics: Some(before.join(",")),
            },
        )
        .await?;
    let trend: Vec<&str> = std::iter::once("received").chain(RATES).collect();
    let series = core
        .stats_timeseries(
            p,
            SeriesQuery {
                bucket: Some(ask.period.bucket().to_owned()),
                tenant: line.clone(),
                from: from.clone(),
                to: to.clone(),
                metrics: Some(trend.join(",")),
            },
        )
        .await?;
    let ranking = core.stats_rankings(p, CompareQuery { metrics: None, ..compare }, ask.metric, Some(ask.min_sample)).await?;

    let mut names: HashMap<String, String> = tenants.into_iter().map(|t| (t.code, t.name)).collect();
    if let Some(code) = &line {
        // Unit names of lines the reader may not list stay ids.
        if let Ok(units) = core.list_units(p, code, UnitQuery::default(), PageRequest::first(PageRequest::MAX_LIMIT)).await {
            names.extend(units.items.into_iter().map(|u| (u.id.to_string(), u.name)));
        }
    }
    let mut entries = compared.entries;
    if line.is_none() {
        // Every line is shown, a line without cases as well: its absence is news too.
        for (code, _) in &lines {
            if !entries.iter().any(|e| &e.subject == code) {
                entries.push(empty(code, &side));
            }
        }
        entries.sort_by(|a, b| a.subject.cmp(&b.subject));
    } else {
        entries.sort_by_key(|e| names.get(&e.subject).cloned().unwrap_or_else(|| e.subject.clone()));
    }
    Ok(Board { ask, previous_period, city, line, dimension, lines, names, summary, previous, entries, series, ranking })
}

//! CSV exports of what the pages show (UTF-8 with BOM, formula-safe cells: `crate::csv`), under
//! the same scope rules, read from the same loaders as the pages.

use actix_web::http::StatusCode;
use actix_web::web;
use maud::html;

use super::board::{self, Board};
use super::supervision::{self, Loaded, SupAsk};
use super::supervision_view::place;
use super::{DashQuery, HEADLINE, exact, figure, period};
use crate::console::error::{ConsoleError, PageResult};
use crate::console::html::{Problem, alert, page};
use crate::console::i18n::when;
use crate::console::session::Staff;

const CSV: &str = "text/csv; charset=utf-8";

const DASHBOARD_HEADER: [&str; 9] = ["section", "subject", "name", "label", "metric", "chinese", "value", "sample", "place"];

/// One row per figure shown: the headline (this period, the city beside a line, the period
/// before), the side-by-side table, the trend and the league table.
fn dashboard_rows(b: &Board) -> Vec<Vec<String>> {
    let span = |p: super::Period| format!("{}..{}", p.from, p.to);
    let mut rows = Vec::new();
    let mut figures = |section: &str, subject: &str, name: String, label: String, figs: &[hotline_core::stats_read::Figure]| {
        for f in figs {
            rows.push(vec![
                section.to_owned(),
                subject.to_owned(),
                name.clone(),
                label.clone(),
                f.metric.to_owned(),
                f.chinese.to_owned(),
                exact(f.value),
                f.sample.to_string(),
                String::new(),
            ]);
        }
    };
    let scope = b.line_name().unwrap_or_else(|| "platform".to_owned());
    let current = &b.summary.current;
    figures("current", &current.subject, scope.clone(), span(b.ask.period), &current.figures);
    if let Some(r) = b.summary.reference.as_ref().filter(|_| b.line.is_some()) {
        figures("reference", &r.subject, "platform".to_owned(), span(b.ask.period), &r.figures);
    }
    figures("previous", &b.previous.current.subject, scope, span(b.previous_period), &b.previous.current.figures);
    for e in &b.entries {
        let shown: Vec<_> = HEADLINE.iter().filter_map(|m| figure(&e.figures, m).cloned()).collect();
        figures(b.dimension, &e.subject, b.name(&e.subject), span(b.ask.period), &shown);
    }
    for p in &b.series.points {
        figures("trend", &b.series.subject, b.series.bucket.to_owned(), p.label.clone(), &p.figures);
    }
    let r = &b.ranking;
    let chinese = hotline_domain::stats::Metric::parse(r.metric).map(|m| m.chinese()).unwrap_or_default();
    for x in &r.ranked {
        rows.push(vec![
            "league".into(),
            x.key.clone(),
            b.name(&x.key),
            format!("min_sample={}", r.min_sample),
            r.metric.to_owned(),
            chinese.to_owned(),
            exact(x.value),
            x.sample.to_string(),
            x.place.to_string(),
        ]);
    }
    for k in &r.too_few {
        let row = ["too_few", k, &b.name(k), &format!("min_sample={}", r.min_sample), r.metric, chinese, "", "", ""];
        rows.push(row.iter().map(|s| s.to_string()).collect());
    }
    rows
}

/// `GET /console/dashboard/export.csv?from=&to=&tenant=&metric=&min_sample=`
pub async fn dashboard_csv(s: Staff, q: web::Query<DashQuery>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let ask = match q.ask(period::today(ctx.state.core.now())) {
        Ok(a) => a,
        Err(key) => {
            let body = html! { (alert(Some(&Problem::text(lang.t(key))))) };
            return Ok(ctx.html(StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, &p, lang.t("nav.dashboard"), body)));
        }
    };
    let b = board::load(&ctx, &p, ask).await.map_err(|e| ConsoleError::api(lang, false, e))?;
    let name = format!("dashboard-{}-{}-{}.csv", b.line.as_deref().unwrap_or("city"), b.ask.period.from, b.ask.period.to);
    Ok(ctx.download(CSV, &name, crate::csv::render(&DASHBOARD_HEADER, &dashboard_rows(&b))))
}

/// `GET /console/supervision/export.csv?view=&tenant=`
pub async fn supervision_csv(s: Staff, q: web::Query<SupAsk>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let view = q.view();
    let loaded = supervision::load(&ctx, &p, view, q.tenant()).await.map_err(|e| ConsoleError::api(lang, false, e))?;
    let name = format!("supervision-{view}.csv");
    let body = match loaded {
        Loaded::Cases(rows) => {
            let header = ["tracking_number", "title", "line", "lead_unit", "status", "due", "overdue_minutes", "problem"];
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|r| {
                    vec![
                        r.case.tracking_number,
                        r.case.title,
                        r.line,
                        r.lead.unwrap_or_default(),
                        r.case.status,
                        r.due.map(when).unwrap_or_default(),
                        r.overdue_by.map(|d| d.num_minutes().to_string()).unwrap_or_default(),
                        r.case.problem.to_string(),
                    ]
                })
                .collect();
            crate::csv::render(&header, &rows)
        }
        Loaded::Spots(spots) => {
            let header = ["title", "place", "case_count", "lines", "first_at", "last_at", "cases"];
            let rows: Vec<Vec<String>> = spots
                .iter()
                .map(|(s, lines)| {
                    vec![
                        s.spot.title.clone(),
                        place(s),
                        s.spot.case_count.to_string(),
                        lines.join(" "),
                        when(s.spot.first_at),
                        when(s.spot.last_at),
                        s.cases.iter().map(|c| c.tracking_number.as_str()).collect::<Vec<_>>().join(" "),
                    ]
                })
                .collect();
            crate::csv::render(&header, &rows)
        }
    };
    Ok(ctx.download(CSV, &name, body))
}

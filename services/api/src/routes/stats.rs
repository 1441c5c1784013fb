//! The statistics for the city office (issue 6): figures read from counters (and the open cases
//! for overdue now), as JSON or CSV.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use hotline_core::stats_read::{CompareQuery, Figures, SeriesQuery, Summary, SummaryQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::csv;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryParams {
    /// A line's code (city office and platform staff only; a line and a unit see themselves).
    pub tenant: Option<String>,
    /// First local day, `YYYY-MM-DD` (default: 30 days up to `to`).
    pub from: Option<String>,
    /// Last local day, `YYYY-MM-DD` (default: today).
    pub to: Option<String>,
    /// Comma-separated figure names from docs/METRICS.md (default: all).
    pub metrics: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FigureResponse {
    /// The API name of the figure (docs/METRICS.md).
    pub metric: String,
    pub chinese: String,
    /// Null when undefined (a rate without denominator).
    pub value: Option<f64>,
    /// What the figure rests on: its denominator, or the count itself.
    pub sample: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresResponse {
    /// `platform`, a line's code, or a unit's id.
    pub subject: String,
    pub figures: Vec<FigureResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryResponse {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub current: FiguresResponse,
    /// The level above, to compare with: the platform for a line, the line for a unit.
    pub reference: Option<FiguresResponse>,
}

impl From<hotline_core::stats_read::Figure> for FigureResponse {
    fn from(x: hotline_core::stats_read::Figure) -> Self {
        Self { metric: x.metric.to_owned(), chinese: x.chinese.to_owned(), value: x.value, sample: x.sample }
    }
}

impl From<Figures> for FiguresResponse {
    fn from(f: Figures) -> Self {
        Self { subject: f.subject, figures: f.figures.into_iter().map(FigureResponse::from).collect() }
    }
}

impl From<Summary> for SummaryResponse {
    fn from(s: Summary) -> Self {
        Self { from: s.from, to: s.to, current: s.current.into(), reference: s.reference.map(Into::into) }
    }
}

/// The figures of a period (docs/METRICS.md) for the platform, a line or a unit, with the level
/// above beside them. Read from counters (overdue now: from the open cases). `Accept: text/csv`
/// or `/stats/summary.csv` gives CSV (UTF-8 with BOM).
#[utoipa::path(
    tag = "statistics",
    params(SummaryParams),
    responses(
        (status = 200, body = SummaryResponse),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/stats/summary")]
pub async fn stats_summary(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<SummaryParams>,
) -> ApiResult<HttpResponse> {
    summary(csv::wanted(&req), auth, state, q).await
}

async fn summary(as_csv: bool, auth: Auth, state: web::Data<AppState>, q: web::Query<SummaryParams>) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let query = SummaryQuery { tenant: q.tenant, from: q.from, to: q.to, metrics: q.metrics };
    let s: SummaryResponse = state.core.stats_summary(&auth.0, query).await?.into();
    if as_csv {
        let rows: Vec<Vec<String>> = std::iter::once(&s.current).chain(s.reference.iter()).flat_map(figure_rows).collect();
        return Ok(csv::response("summary", &FIGURE_HEADER, &rows));
    }
    Ok(HttpResponse::Ok().json(s))
}

const FIGURE_HEADER: [&str; 5] = ["subject", "metric", "chinese", "value", "sample"];

fn figure_rows(f: &FiguresResponse) -> Vec<Vec<String>> {
    f.figures
        .iter()
        .map(|x| vec![f.subject.clone(), x.metric.clone(), x.chinese.clone(), csv::number(x.value), x.sample.to_string()])
        .collect()
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompareParams {
    /// `line`, `unit`, `district`, `category`, `contact_type`, `urgency` or `channel`.
    pub dimension: String,
    /// A line's code, to compare within one line (a line's administrators: always their own).
    pub tenant: Option<String>,
    /// First local day, `YYYY-MM-DD` (default: 30 days up to `to`).
    pub from: Option<String>,
    /// Last local day, `YYYY-MM-DD` (default: today).
    pub to: Option<String>,
    /// Comma-separated figure names from docs/METRICS.md (default: all).
    pub metrics: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompareResponse {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dimension: String,
    /// One entry per line (by code), unit (by id), district, category, contact type, urgency or
    /// channel.
    pub entries: Vec<FiguresResponse>,
}

/// The figures of each line, unit, district, category, contact type, urgency or channel side by
/// side, for the city office (across lines) and for a line's administrators (within their line).
/// `Accept: text/csv` or `/stats/compare.csv` gives CSV.
#[utoipa::path(
    tag = "statistics",
    params(CompareParams),
    responses(
        (status = 200, body = CompareResponse),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/stats/compare")]
pub async fn stats_compare(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<CompareParams>,
) -> ApiResult<HttpResponse> {
    compare(csv::wanted(&req), auth, state, q).await
}

async fn compare(as_csv: bool, auth: Auth, state: web::Data<AppState>, q: web::Query<CompareParams>) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let query = CompareQuery { dimension: q.dimension, tenant: q.tenant, from: q.from, to: q.to, metrics: q.metrics };
    let c = state.core.stats_compare(&auth.0, query).await?;
    let body = CompareResponse {
        from: c.from,
        to: c.to,
        dimension: c.dimension.to_owned(),
        entries: c.entries.into_iter().map(Into::into).collect(),
    };
    if as_csv {
        let rows: Vec<Vec<String>> = body.entries.iter().flat_map(figure_rows).collect();
        return Ok(csv::response("compare", &FIGURE_HEADER, &rows));
    }
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RankingParams {
    /// `line`, `unit`, `district`, `category`, `contact_type`, `urgency` or `channel`.
    pub dimension: String,
    /// The figure to rank by (docs/METRICS.md).
    pub metric: String,
    /// Entries resting on fewer cases than this are left out (default 30).
    pub min_sample: Option<i64>,
    pub tenant: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankedResponse {
    /// 1-based; equal values share a place (1, 2, 2, 4).
    pub place: usize,
    pub key: String,
    pub value: Option<f64>,
    pub sample: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankingResponse {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dimension: String,
    pub metric: String,
    pub min_sample: i64,
    /// Best first (lower is better for return, reopen and abandon rates, problem cases and
    /// handling times); ties are listed by key.
    pub ranked: Vec<RankedResponse>,
    /// Keys left out for too small a sample (or an undefined figure).
    pub too_few: Vec<String>,
}

/// A league table by one figure, with a minimum sample so a unit with two cases does not top it.
/// `Accept: text/csv` or `/stats/rankings.csv` gives CSV.
#[utoipa::path(
    tag = "statistics",
    params(RankingParams),
    responses(
        (status = 200, body = RankingResponse),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/stats/rankings")]
pub async fn stats_rankings(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<RankingParams>,
) -> ApiResult<HttpResponse> {
    rankings(csv::wanted(&req), auth, state, q).await
}

async fn rankings(as_csv: bool, auth: Auth, state: web::Data<AppState>, q: web::Query<RankingParams>) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let query = CompareQuery { dimension: q.dimension, tenant: q.tenant, from: q.from, to: q.to, metrics: None };
    let r = state.core.stats_rankings(&auth.0, query, &q.metric, q.min_sample).await?;
    let body = RankingResponse {
        from: r.from,
        to: r.to,
        dimension: r.dimension.to_owned(),
        metric: r.metric.to_owned(),
        min_sample: r.min_sample,
        ranked: r.ranked.into_iter().map(|x| RankedResponse { place: x.place, key: x.key, value: x.value, sample: x.sample }).collect(),
        too_few: r.too_few,
    };
    if as_csv {
        let rows: Vec<Vec<String>> =
            body.ranked.iter().map(|x| vec![x.place.to_string(), x.key.clone(), csv::number(x.value), x.sample.to_string()]).collect();
        return Ok(csv::response("rankings", &["place", "key", "value", "sample"], &rows));
    }
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SeriesParams {
    /// `day` (default), `week` (ISO, Monday first), `month` or `year`; at most 400 points.
    pub bucket: Option<String>,
    /// A line's code (city office and platform staff only; a line and a unit see themselves).
    pub tenant: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Comma-separated figure names from docs/METRICS.md (default: all).
    pub metrics: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointResponse {
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub figures: Vec<FigureResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesResponse {
    pub subject: String,
    pub bucket: String,
    pub points: Vec<PointResponse>,
}

/// The figures of each day, week, month or year of a range, clipped to the range.
/// `Accept: text/csv` or `/stats/timeseries.csv` gives CSV.
#[utoipa::path(
    tag = "statistics",
    params(SeriesParams),
    responses(
        (status = 200, body = SeriesResponse),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/stats/timeseries")]
pub async fn stats_timeseries(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<SeriesParams>,
) -> ApiResult<HttpResponse> {
    timeseries(csv::wanted(&req), auth, state, q).await
}

async fn timeseries(as_csv: bool, auth: Auth, state: web::Data<AppState>, q: web::Query<SeriesParams>) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let query = SeriesQuery { bucket: q.bucket, tenant: q.tenant, from: q.from, to: q.to, metrics: q.metrics };
    let s = state.core.stats_timeseries(&auth.0, query).await?;
    let body = SeriesResponse {
        subject: s.subject,
        bucket: s.bucket.to_owned(),
        points: s
            .points
            .into_iter()
            .map(|p| PointResponse {
                label: p.label,
                from: p.from,
                to: p.to,
                figures: p.figures.into_iter().map(FigureResponse::from).collect(),
            })
            .collect(),
    };
    if as_csv {
        let rows: Vec<Vec<String>> = body
            .points
            .iter()
            .flat_map(|p| {
                p.figures.iter().map(|x| {
                    vec![
                        p.label.clone(),
                        p.from.to_string(),
                        p.to.to_string(),
                        x.metric.clone(),
                        x.chinese.clone(),
                        csv::number(x.value),
                        x.sample.to_string(),
                    ]
                })
            })
            .collect();
        return Ok(csv::response("timeseries", &["label", "from", "to", "metric", "chinese", "value", "sample"], &rows));
    }
    Ok(HttpResponse::Ok().json(body))
}

/// A `.csv` twin of a statistics endpoint: the same query, answered as CSV (UTF-8 with BOM) —
/// for a link a spreadsheet opens directly, where no `Accept` header can be set.
// rustfmt re-indents attributes inside macro_rules on every run: keep this one as written.
#[rustfmt::skip]
macro_rules! csv_twin {
    ($name:ident, $path:literal, $params:ty, $inner:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            tag = "statistics",
            params($params),
            responses(
                (status = 200, description = "CSV, UTF-8 with BOM", content_type = "text/csv", body = String),
                (status = 400, body = ErrorBody),
                (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
                (status = 403, body = ErrorBody),
                (status = 422, body = ErrorBody)
            ),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $name(auth: Auth, state: web::Data<AppState>, q: web::Query<$params>) -> ApiResult<HttpResponse> {
            $inner(true, auth, state, q).await
        }
    };
}

csv_twin!(stats_summary_csv, "/stats/summary.csv", SummaryParams, summary, "The summary as CSV.");
csv_twin!(stats_compare_csv, "/stats/compare.csv", CompareParams, compare, "The comparison as CSV.");
csv_twin!(stats_rankings_csv, "/stats/rankings.csv", RankingParams, rankings, "The league table as CSV.");
csv_twin!(stats_timeseries_csv, "/stats/timeseries.csv", SeriesParams, timeseries, "The time series as CSV.");

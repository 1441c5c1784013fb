//! The statistics for the city office (issue 6): figures read from counters only.

use actix_web::{get, web};
use chrono::NaiveDate;
use hotline_core::stats_read::{Figures, Summary, SummaryQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

impl From<Figures> for FiguresResponse {
    fn from(f: Figures) -> Self {
        Self {
            subject: f.subject,
            figures: f
                .figures
                .into_iter()
                .map(|x| FigureResponse { metric: x.metric.to_owned(), chinese: x.chinese.to_owned(), value: x.value, sample: x.sample })
                .collect(),
        }
    }
}

impl From<Summary> for SummaryResponse {
    fn from(s: Summary) -> Self {
        Self { from: s.from, to: s.to, current: s.current.into(), reference: s.reference.map(Into::into) }
    }
}

/// The figures of a period (docs/METRICS.md) for the platform, a line or a unit, with the level
/// above beside them. Read from counters, never from cases.
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
pub async fn stats_summary(auth: Auth, state: web::Data<AppState>, q: web::Query<SummaryParams>) -> ApiResult<web::Json<SummaryResponse>> {
    let q = q.into_inner();
    let query = SummaryQuery { tenant: q.tenant, from: q.from, to: q.to, metrics: q.metrics };
    Ok(web::Json(state.core.stats_summary(&auth.0, query).await?.into()))
}

//! Hot spots (热点) on the supervision board (issue 8).

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use hotline_core::supervision::HotSpotView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HotSpotQuery {
    /// Hot spots with a case at or after this instant (RFC 3339; default: 7 days ago).
    pub since: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotSpotCase {
    pub case_id: Uuid,
    pub tracking_number: String,
    pub title: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotSpotResponse {
    pub id: Uuid,
    /// The first case's title.
    pub title: String,
    pub district: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub case_count: i32,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    /// When the city office was alerted.
    pub raised_at: DateTime<Utc>,
    /// Its cases, in the order they joined (any line).
    pub cases: Vec<HotSpotCase>,
}

impl From<HotSpotView> for HotSpotResponse {
    fn from(v: HotSpotView) -> Self {
        let s = v.spot;
        HotSpotResponse {
            id: s.id,
            title: s.title,
            district: s.district,
            address: s.address,
            lat: s.lat,
            long: s.long,
            case_count: s.case_count,
            first_at: s.first_at,
            last_at: s.last_at,
            raised_at: s.raised_at,
            cases: v
                .cases
                .into_iter()
                .map(|c| HotSpotCase {
                    case_id: c.id,
                    tracking_number: c.tracking_number,
                    title: c.title,
                    status: c.status,
                    created_at: c.created_at,
                })
                .collect(),
        }
    }
}

/// Hot spots (热点): bursts of alike cases in one place — at least 4 within 24 hours, across
/// lines — found by the worker, which alerts the city office once per hot spot. Newest activity
/// first, at most 100. For the city office and the platform's agents and dispatchers.
#[utoipa::path(
    tag = "supervision",
    params(HotSpotQuery),
    responses(
        (status = 200, body = [HotSpotResponse]),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/supervision/hot-spots")]
pub async fn list_hot_spots(
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<HotSpotQuery>,
) -> ApiResult<web::Json<Vec<HotSpotResponse>>> {
    let spots = state.core.hot_spots(&auth.0, q.since).await?;
    Ok(web::Json(spots.into_iter().map(Into::into).collect()))
}

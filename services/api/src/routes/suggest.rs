//! Learned routing suggestions for the agent desk (issue 8).

use actix_web::{get, post, web};
use hotline_core::routing::Suggested;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestRequest {
    /// What the citizen said (title and description), at most 4,000 characters.
    #[schema(example = "小区停水三天了")]
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionReason {
    /// A character pair, a character or a word of the text.
    pub feature: String,
    pub weight: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RouteSuggestionResponse {
    /// A line code (for platform staff) or a unit id (for a line's staff).
    pub label: String,
    /// The line code, or the unit's name.
    pub name: String,
    /// 0..1.
    pub confidence: f32,
    /// The features of the text that weigh most for this label.
    pub because: Vec<SuggestionReason>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestResponse {
    /// The stored model version answering (0 before the worker trained one); the worker trains a new one when the dispatched cases change.
    pub model_version: i32,
    pub trained_on: usize,
    /// The three likeliest, likeliest first; empty before a model is trained.
    pub suggestions: Vec<RouteSuggestionResponse>,
}

impl From<Suggested> for SuggestResponse {
    fn from(s: Suggested) -> Self {
        SuggestResponse {
            model_version: s.model_version,
            trained_on: s.trained_on,
            suggestions: s
                .suggestions
                .into_iter()
                .map(|x| RouteSuggestionResponse {
                    label: x.label,
                    name: x.name,
                    confidence: x.confidence,
                    because: x.because.into_iter().map(|(feature, weight)| SuggestionReason { feature, weight }).collect(),
                })
                .collect(),
        }
    }
}

/// Where past cases like this one went: a model trained on the cases the caller can see that
/// have a lead unit (platform: the lead's line; a line: the lead unit), beside the rules.
#[utoipa::path(
    tag = "rules",
    request_body = SuggestRequest,
    responses(
        (status = 200, body = SuggestResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/routing/suggest")]
pub async fn suggest_route(
    auth: Auth,
    state: web::Data<AppState>,
    body: web::Json<SuggestRequest>,
) -> ApiResult<web::Json<SuggestResponse>> {
    Ok(web::Json(state.core.suggest_route(&auth.0, &body.text).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingModelResponse {
    pub version: i32,
    /// The cases it learnt from: how many, and the newest change among them.
    pub data_version: String,
    pub examples: i32,
    pub labels: i32,
    pub features: i32,
    pub trained_at: chrono::DateTime<chrono::Utc>,
}

/// The stored versions of the caller's learned routing model (the worker trains a new one on
/// its schedule when the dispatched cases changed), newest first; the newest answers.
#[utoipa::path(
    tag = "rules",
    responses(
        (status = 200, body = [RoutingModelResponse]),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/routing/models")]
pub async fn list_routing_models(auth: Auth, state: web::Data<AppState>) -> ApiResult<web::Json<Vec<RoutingModelResponse>>> {
    let heads = state.core.routing_models(&auth.0).await?;
    Ok(web::Json(
        heads
            .into_iter()
            .map(|h| RoutingModelResponse {
                version: h.version,
                data_version: h.data_version,
                examples: h.examples,
                labels: h.labels,
                features: h.features,
                trained_at: h.trained_at,
            })
            .collect(),
    ))
}

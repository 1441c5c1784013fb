//! The agent desk's assistant: rules, learned suggestion, knowledge and duplicates for a draft.

use actix_web::{post, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::case_dto::IntakeRequest;
use super::cases::DuplicateCandidateResponse;
use super::kb_search::KbHitResponse;
use super::suggest::SuggestResponse;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct DeskAssistResponse {
    /// What the rules decide, with their trace (as `POST /routing/simulate` answers).
    #[schema(value_type = Object)]
    pub routing: serde_json::Value,
    /// What the learned model suggests (`model_version` 0 before one is trained).
    pub suggestion: SuggestResponse,
    /// Knowledge-base articles that may answer it (at most 5, of the lines the caller serves).
    pub articles: Vec<KbHitResponse>,
    /// Open cases it may repeat (score ≥ 0.5, at most 10): link instead of creating work twice.
    pub duplicates: Vec<DuplicateCandidateResponse>,
}

/// The desk's assistant while an agent writes a contact down: the body is the intake's, nothing
/// is saved and no search gap is recorded. For agents and dispatchers.
#[utoipa::path(
    tag = "cases",
    request_body = IntakeRequest,
    responses(
        (status = 200, body = DeskAssistResponse),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/desk/assist")]
pub async fn desk_assist(
    auth: Auth,
    state: web::Data<AppState>,
    body: web::Json<IntakeRequest>,
) -> ApiResult<web::Json<DeskAssistResponse>> {
    let a = state.core.desk_assist(&auth.0, body.into_inner().into()).await?;
    Ok(web::Json(DeskAssistResponse {
        routing: a.decision,
        suggestion: a.suggestion.into(),
        articles: a.articles.into_iter().map(Into::into).collect(),
        duplicates: a.duplicates.into_iter().map(Into::into).collect(),
    }))
}

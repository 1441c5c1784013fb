use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when a dependency does not answer.
    pub status: &'static str,
    /// Per dependency: `ok` or `unreachable` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
}

#[derive(Serialize, ToSchema)]
pub struct Checks {
    pub database: String,
    pub kv: String,
}

/// Liveness: the process answers. Never touches dependencies, so a slow database does not get
/// healthy replicas killed.
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok", checks: None })
}

/// Readiness: the database and the key-value store answer.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "A dependency is down", body = Health)
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    // Details go to the log, not to the (unauthenticated) caller.
    let db = state.core.store.ping().await.map(|_| "ok".to_owned()).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "readiness: database unreachable");
        "unreachable".to_owned()
    });
    let kv = state.core.kv.ping().await.map(|_| "ok".to_owned()).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "readiness: kv unreachable");
        "unreachable".to_owned()
    });
    let ready = db == "ok" && kv == "ok";
    let body = Health { status: if ready { "ok" } else { "unavailable" }, checks: Some(Checks { database: db, kv }) };
    if ready { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

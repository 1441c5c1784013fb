//! The security administrator's endpoints (安全管理员, 三员分立): an account's roles, a lost
//! second factor, and the security policy in force.

use actix_web::{HttpResponse, delete, get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::UserResponse;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRolesRequest {
    /// The account's roles after the change (all of them). At most one of `city_admin`,
    /// `security_admin`, `tenant_admin`, `auditor`.
    #[schema(example = json!(["tenant_admin"]))]
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SecurityPolicyResponse {
    /// Accounts with any of these roles sign in with a second factor.
    pub mfa_required_roles: Vec<String>,
    /// Granted and removed by the security administrator only; one per account.
    pub privileged_roles: Vec<String>,
    /// Days audit records are kept before they are pruned.
    pub audit_retention_days: u64,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub password_min_length: usize,
}

/// Set an account's roles (security administrator only; never one's own).
///
/// Granting or removing a privileged role ends the account's sessions.
#[utoipa::path(
    tag = "security",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "User id")),
    request_body = SetRolesRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, description = "Not the security administrator, or one's own account (`own_roles`)", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The last active holder of an officer role (`last_officer`)", body = ErrorBody),
        (status = 422, description = "Unknown role, two privileged roles (`separation_of_duties`), a role this tenant cannot have", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[put("/tenants/{code}/users/{id}/roles")]
pub async fn set_user_roles(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<SetRolesRequest>,
) -> ApiResult<web::Json<UserResponse>> {
    let (code, id) = path.into_inner();
    Ok(web::Json(state.core.set_user_roles(&auth.0, &code, &id, &body.roles).await?.into()))
}

/// Remove an account's second factor (a lost phone). Its sessions end; it enrols again at its
/// next sign-in if its roles require a factor. Security administrator only; never one's own.
#[utoipa::path(
    tag = "security",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Reset"),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, description = "Not the security administrator, or one's own account (`own_account`)", body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[delete("/tenants/{code}/users/{id}/mfa")]
pub async fn reset_user_mfa(auth: Auth, state: web::Data<AppState>, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (code, id) = path.into_inner();
    state.core.reset_mfa(&auth.0, &code, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The security policy in force (from the configuration).
#[utoipa::path(
    tag = "security",
    responses(
        (status = 200, body = SecurityPolicyResponse),
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 403, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/security-policy")]
pub async fn get_security_policy(auth: Auth, state: web::Data<AppState>) -> ApiResult<web::Json<SecurityPolicyResponse>> {
    let p = state.core.security_policy(&auth.0).await?;
    let names = |roles: &[hotline_domain::Role]| roles.iter().map(|r| r.to_string()).collect();
    Ok(web::Json(SecurityPolicyResponse {
        mfa_required_roles: names(&p.mfa_required_roles),
        privileged_roles: names(&p.privileged_roles),
        audit_retention_days: p.audit_retention_days,
        access_token_ttl_secs: p.access_token_ttl_secs,
        refresh_token_ttl_secs: p.refresh_token_ttl_secs,
        password_min_length: p.password_min_length,
    }))
}

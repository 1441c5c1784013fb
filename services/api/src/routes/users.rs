use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use hotline_core::admin::users::{CreateUser, UpdateUser, UserQuery, UserView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Auth;
use crate::paging::{double_option, list_response, page_request};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    pub tenant_code: String,
    pub unit_id: Option<Uuid>,
    #[schema(example = "handler_12319")]
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    #[schema(example = json!(["unit_handler"]))]
    pub roles: Vec<String>,
    /// `active` or `disabled`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserView> for UserResponse {
    fn from(u: UserView) -> Self {
        Self {
            id: u.id,
            tenant_code: u.tenant_code,
            unit_id: u.unit_id,
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            roles: u.roles.iter().map(|r| r.to_string()).collect(),
            status: u.status.to_string(),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

list_response!(UserList, UserResponse);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(example = "zhang.wei")]
    pub username: String,
    #[schema(example = "张伟")]
    pub display_name: String,
    pub email: Option<String>,
    /// 8 to 128 characters, not a common password, not the user name.
    pub password: String,
    /// City roles only on the platform; `unit_lead`/`unit_handler` need `unit_id`.
    #[schema(example = json!(["unit_handler"]))]
    pub roles: Vec<String>,
    pub unit_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub display_name: Option<String>,
    /// `null` clears the address.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    pub roles: Option<Vec<String>>,
    /// `null` takes the user out of their unit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub unit_id: Option<Option<String>>,
    /// `active` or `disabled` (disabling ends the user's sessions).
    pub status: Option<String>,
    /// Sets a new password (ends the user's sessions).
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListUsersQuery {
    pub role: Option<String>,
    pub unit_id: Option<String>,
    pub status: Option<String>,
    /// Part of the user name or display name.
    pub q: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
}

/// List the accounts of a tenant.
#[utoipa::path(
    tag = "users",
    params(("code" = String, Path, description = "Tenant code"), ListUsersQuery),
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),(status = 200, body = UserList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tenants/{code}/users")]
pub async fn list_users(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ListUsersQuery>,
) -> ApiResult<web::Json<UserList>> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.after.as_deref())?;
    let query = UserQuery { role: q.role, unit_id: q.unit_id, status: q.status, q: q.q };
    let page = state.core.list_users(&auth.0, &path, query, page).await?;
    Ok(web::Json(UserList::from_page(page, UserResponse::from)))
}

/// Create an account (city_admin, or tenant_admin of the line).
#[utoipa::path(
    tag = "users",
    params(("code" = String, Path, description = "Tenant code")),
    request_body = CreateUserRequest,
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 201, body = UserResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{code}/users")]
pub async fn create_user(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let input = CreateUser {
        username: b.username,
        display_name: b.display_name,
        email: b.email,
        password: b.password,
        roles: b.roles,
        unit_id: b.unit_id,
    };
    let u = state.core.create_user(&auth.0, &path, input).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(u)))
}

/// Get one account.
#[utoipa::path(
    tag = "users",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "User id")),
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),(status = 200, body = UserResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tenants/{code}/users/{id}")]
pub async fn get_user(auth: Auth, state: web::Data<AppState>, path: web::Path<(String, String)>) -> ApiResult<web::Json<UserResponse>> {
    let (code, id) = path.into_inner();
    Ok(web::Json(state.core.get_user(&auth.0, &code, &id).await?.into()))
}

/// Change an account: roles, unit, status, or a password reset.
#[utoipa::path(
    tag = "users",
    params(("code" = String, Path, description = "Tenant code"), ("id" = String, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 401, description = "Not signed in or credential refused", body = ErrorBody),
        (status = 200, body = UserResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/tenants/{code}/users/{id}")]
pub async fn update_user(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<UpdateUserRequest>,
) -> ApiResult<web::Json<UserResponse>> {
    let (code, id) = path.into_inner();
    let b = body.into_inner();
    let input = UpdateUser {
        display_name: b.display_name,
        email: b.email,
        roles: b.roles,
        unit_id: b.unit_id,
        status: b.status,
        password: b.password,
    };
    Ok(web::Json(state.core.update_user(&auth.0, &code, &id, input).await?.into()))
}

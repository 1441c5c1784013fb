//! The HTTP endpoints. Handlers are thin: extract → call core (which authorises and validates)
//! → map to a response DTO.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod health;
pub mod tenants;
pub mod units;
pub mod users;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented endpoint. Used by the server and by the OpenAPI generator, so
/// the served spec and the committed one come from the same list.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz).service(
        scope::scope("/api/v1")
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(auth::me)
            .service(tenants::list_tenants)
            .service(tenants::create_tenant)
            .service(tenants::get_tenant)
            .service(tenants::update_tenant)
            .service(units::list_units)
            .service(units::create_unit)
            .service(units::get_unit)
            .service(units::update_unit)
            .service(users::list_users)
            .service(users::create_user)
            .service(users::get_user)
            .service(users::update_user)
            .service(api_keys::list_api_keys)
            .service(api_keys::create_api_key)
            .service(api_keys::revoke_api_key)
            .service(audit::list_audit_events),
    );
}

//! The HTTP endpoints. Handlers are thin: extract → call core (which authorises and validates)
//! → map to a response DTO.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod calls;
pub mod case_dto;
pub mod case_steps;
pub mod cases;
pub mod categories;
pub mod desk;
pub mod health;
pub mod hot_spots;
pub mod kb;
pub mod kb_search;
pub mod mfa;
pub mod public;
pub mod rule_sets;
pub mod security;
pub mod sla;
pub mod stats;
pub mod suggest;
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
            // The busiest first: actix tries a scope's resources in order, each dynamic path by
            // a regex (about 20 of them stood before a case read: 6 % of its CPU). No other
            // resource's path can match these two.
            .service(cases::create_case)
            .service(cases::list_cases)
            .service(cases::get_case)
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(auth::me)
            .service(mfa::verify_mfa)
            .service(mfa::enrol_mfa_at_sign_in)
            .service(mfa::confirm_mfa_at_sign_in)
            .service(mfa::get_my_mfa)
            .service(mfa::enrol_my_mfa)
            .service(mfa::confirm_my_mfa)
            .service(tenants::list_tenants)
            .service(tenants::create_tenant)
            .service(tenants::get_tenant)
            .service(tenants::update_tenant)
            .service(sla::get_sla_policy)
            .service(sla::set_sla_policy)
            .service(categories::list_categories)
            .service(categories::create_category)
            .service(categories::update_category)
            .service(units::list_units)
            .service(units::create_unit)
            .service(units::get_unit)
            .service(units::update_unit)
            .service(users::list_users)
            .service(users::create_user)
            .service(users::get_user)
            .service(users::update_user)
            .service(security::set_user_roles)
            .service(security::reset_user_mfa)
            .service(security::get_security_policy)
            .service(api_keys::list_api_keys)
            .service(api_keys::create_api_key)
            .service(api_keys::revoke_api_key)
            .service(audit::list_audit_events)
            .service(audit::verify_audit_chain)
            .service(audit::export_audit_events)
            .service(cases::list_case_events)
            .service(cases::list_duplicate_candidates)
            .service(cases::reveal_contact)
            .service(hot_spots::list_hot_spots)
            .service(cases::list_supervision)
            .service(stats::stats_summary)
            .service(stats::stats_compare)
            .service(stats::stats_rankings)
            .service(stats::stats_timeseries)
            .service(stats::stats_summary_csv)
            .service(stats::stats_compare_csv)
            .service(stats::stats_rankings_csv)
            .service(stats::stats_timeseries_csv)
            .service(case_steps::accept_case)
            .service(case_steps::answer_case)
            .service(case_steps::refer_case)
            .service(case_steps::transfer_case)
            .service(case_steps::link_case)
            .service(case_steps::dispatch_case)
            .service(case_steps::sign_case)
            .service(case_steps::progress_case)
            .service(case_steps::return_case)
            .service(case_steps::reject_return_case)
            .service(case_steps::request_extension)
            .service(case_steps::decide_extension)
            .service(case_steps::contribute_case)
            .service(case_steps::release_co_unit)
            .service(case_steps::change_lead)
            .service(case_steps::give_feedback)
            .service(case_steps::rate_case)
            .service(case_steps::close_case)
            .service(case_steps::reopen_case)
            .service(case_steps::supervision_notice)
            .service(case_steps::answer_notice)
            .service(case_steps::follow_up_case)
            .service(calls::record_call_event)
            .service(calls::get_call)
            .service(public::public_create_case)
            .service(public::public_track_case)
            .service(public::public_rate_case)
            .service(rule_sets::list_rule_sets)
            .service(rule_sets::create_rule_set)
            .service(rule_sets::get_rule_set)
            .service(rule_sets::update_rule_set)
            .service(rule_sets::publish_rule_set)
            .service(rule_sets::replay_rule_set)
            .service(rule_sets::simulate_routing)
            .service(kb::list_articles)
            .service(kb::create_article)
            .service(kb::get_article)
            .service(kb::edit_article)
            .service(kb::article_step)
            .service(kb::archive_article)
            .service(kb_search::search_kb)
            .service(kb_search::kb_gaps)
            .service(kb_search::public_search_kb)
            .service(kb_search::public_article)
            .service(desk::desk_assist)
            .service(suggest::suggest_route)
            .service(suggest::list_routing_models)
            .service(rule_sets::case_routing),
    );
    crate::open311::configure(cfg);
}

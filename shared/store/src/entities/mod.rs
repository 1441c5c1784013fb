//! sea-orm entities: one per table, plain rows. Meaning lives in hotline-domain; repositories
//! convert.

pub mod api_key;
pub mod app_secret;
pub mod audit_chain;
pub mod audit_event;
pub mod call_event;
pub mod case;
pub mod case_event;
pub mod case_participant;
pub mod hot_spot;
pub mod hot_spot_case;
pub mod idempotency_key;
pub mod kb_article;
pub mod kb_article_version;
pub mod kb_search_gap;
pub mod mfa_recovery_code;
pub mod outbox;
pub mod refresh_token;
pub mod routing_decision;
pub mod routing_model;
pub mod rule_set;
pub mod service_category;
pub mod session;
pub mod sla_policy;
pub mod tenant;
pub mod tenant_number;
pub mod tracking_counter;
pub mod unit;
pub mod user;
pub mod user_mfa;

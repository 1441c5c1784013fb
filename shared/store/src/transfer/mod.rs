//! Moving lines (tenants) between platforms: which tables travel, which rows of each belong
//! to the lines moved, and reading/writing those rows as JSON objects (`io`). The file format,
//! its checks and personal-data keys are hotline-core's `transfer`.
//!
//! Every table of the schema is either in [`specs`] (exported, in foreign-key order) or in
//! [`NOT_EXPORTED`] with the reason; a test fails when a migration adds a table or a column
//! this module does not know.

mod io;

use std::sync::LazyLock;

pub use io::{count, existing_tenants, insert_rows, read_rows, referenced_tenants, schema_columns, schema_tables};

use crate::bulk::Col;

/// Which rows of a table belong to the lines being moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The `tenants` rows themselves (`id`).
    Tenant,
    /// Rows whose `tenant_id` is one of the lines.
    TenantColumn,
    /// Rows hanging off a case the lines received (`case_id`): a case travels with everything
    /// recorded about it, whichever line's units took part.
    Case,
    /// Members of the lines' hot spots (`hot_spot_id`).
    HotSpot,
    /// Tracking-number sequences, keyed `CODE-YYYYMMDD` by the receiving line's code: they move
    /// so the new platform does not hand out a number twice on the same day.
    TrackingScope,
}

/// One exported table.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub table: &'static str,
    pub cols: &'static [(&'static str, Col)],
    pub owner: Owner,
    /// Rows are written in this order (units: parents before children, see `io`).
    pub order_by: &'static str,
}

use Col::{BigInt, Bool, Double, Int, Text, Time, Uuid};

const TENANTS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("code", Text),
    ("name", Text),
    ("kind", Text),
    ("merge_mode", Text),
    ("calendar", Text),
    ("time_zone", Text),
    ("status", Text),
    ("created_at", Time),
    ("updated_at", Time),
];
const TENANT_NUMBERS: &[(&str, Col)] = &[("number", Text), ("tenant_id", Uuid), ("created_at", Time)];
const UNITS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("tenant_id", Uuid),
    ("parent_id", Uuid),
    ("name", Text),
    ("kind", Text),
    ("district", Text),
    ("is_district_fallback", Bool),
    ("status", Text),
    ("created_at", Time),
    ("updated_at", Time),
];
const USERS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("tenant_id", Uuid),
    ("unit_id", Uuid),
    ("username", Text),
    ("display_name", Text),
    ("email", Text),
    ("password_hash", Text),
    ("roles", Text),
    ("status", Text),
    ("created_at", Time),
    ("updated_at", Time),
];
const SLA_POLICIES: &[(&str, Col)] = &[("tenant_id", Uuid), ("entries", Text), ("updated_at", Time), ("updated_by", Uuid)];
const RULE_SETS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("tenant_id", Uuid),
    ("version", Int),
    ("status", Text),
    ("rules", Text),
    ("note", Text),
    ("created_by", Uuid),
    ("created_at", Time),
    ("updated_at", Time),
    ("published_at", Time),
    ("published_by", Uuid),
];
const SERVICE_CATEGORIES: &[(&str, Col)] = &[
    ("id", Uuid),
    ("tenant_id", Uuid),
    ("code", Text),
    ("name", Text),
    ("description", Text),
    ("keywords", Text),
    ("active", Bool),
    ("sort_order", Int),
    ("created_at", Time),
    ("updated_at", Time),
];
const ROUTING_MODELS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("tenant_id", Uuid),
    ("version", Int),
    ("data_version", Text),
    ("examples", Int),
    ("labels", Int),
    ("features", Int),
    ("model", Text),
    ("trained_at", Time),
];
const KB_ARTICLES: &[(&str, Col)] = &[
    ("id", Uuid),
    ("tenant_id", Uuid),
    ("owner_id", Uuid),
    ("status", Text),
    ("public", Bool),
    ("category", Text),
    ("tags", Text),
    ("title", Text),
    ("body", Text),
    ("valid_from", Time),
    ("valid_until", Time),
    ("review_at", Time),
    ("published_version", Int),
    ("latest_version", Int),
    ("answer_count", BigInt),
    ("flag_notified", Text),
    ("created_at", Time),
    ("updated_at", Time),
];
const KB_ARTICLE_VERSIONS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("article_id", Uuid),
    ("tenant_id", Uuid),
    ("version", Int),
    ("state", Text),
    ("title", Text),
    ("body", Text),
    ("tags", Text),
    ("category", Text),
    ("public", Bool),
    ("valid_from", Time),
    ("valid_until", Time),
    ("review_at", Time),
    ("author_id", Uuid),
    ("author_name", Text),
    ("decided_by", Uuid),
    ("decided_at", Time),
    ("reason", Text),
    ("created_at", Time),
];
const KB_SEARCH_GAPS: &[(&str, Col)] = &[("id", Uuid), ("tenant_id", Uuid), ("query", Text), ("source", Text), ("searched_at", Time)];
const CASES: &[(&str, Col)] = &[
    ("id", Uuid),
    ("tenant_id", Uuid),
    ("tracking_number", Text),
    ("channel", Text),
    ("contact_type", Text),
    ("category", Text),
    ("urgency", Text),
    ("title", Text),
    ("description", Text),
    ("address", Text),
    ("district", Text),
    ("lat", Double),
    ("long", Double),
    ("caller_name_enc", Text),
    ("caller_name_masked", Text),
    ("caller_phone_enc", Text),
    ("caller_phone_hash", Text),
    ("caller_phone_masked", Text),
    ("anonymous", Bool),
    ("dialled_number", Text),
    ("attachments", Text),
    ("status", Text),
    ("closure", Text),
    ("lead_unit_id", Uuid),
    ("reported_unit_id", Uuid),
    ("answer", Text),
    ("referral", Text),
    ("transfer_line", Text),
    ("duplicate_of", Uuid),
    ("feedback", Text),
    ("feedback_resolved", Bool),
    ("feedback_details", Text),
    ("rating", Text),
    ("rating_comment", Text),
    ("rated_at", Time),
    ("no_return_visit", Bool),
    ("return_count", Int),
    ("reopen_count", Int),
    ("problem", Bool),
    ("problem_reason", Text),
    ("extension_days", Int),
    ("extension_reason", Text),
    ("sign_due_at", Time),
    ("feedback_due_at", Time),
    ("public_token_hash", Text),
    ("created_by", Uuid),
    ("created_via", Text),
    ("version", Int),
    ("created_at", Time),
    ("updated_at", Time),
    ("closed_at", Time),
    ("feedback_near_at", Time),
];
const CASE_PARTICIPANTS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("case_id", Uuid),
    ("tenant_id", Uuid),
    ("unit_id", Uuid),
    ("role", Text),
    ("status", Text),
    ("contribution", Text),
    ("signed_at", Time),
    ("contributed_at", Time),
    ("released_at", Time),
    ("created_at", Time),
    ("sign_due_at", Time),
    ("contribute_due_at", Time),
];
const CASE_EVENTS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("case_id", Uuid),
    ("tenant_id", Uuid),
    ("at", Time),
    ("actor_kind", Text),
    ("actor_id", Uuid),
    ("actor_name", Text),
    ("actor_unit_id", Uuid),
    ("action", Text),
    ("from_status", Text),
    ("to_status", Text),
    ("reason", Text),
    ("payload", Text),
];
const ROUTING_DECISIONS: &[(&str, Col)] =
    &[("id", Uuid), ("case_id", Uuid), ("tenant_id", Uuid), ("event", Text), ("decision", Text), ("at", Time)];
const DEADLINE_CROSSINGS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("case_id", Uuid),
    ("tenant_id", Uuid),
    ("stage", Text),
    ("kind", Text),
    ("due_at", Time),
    ("crossed_at", Time),
    ("subject_id", Uuid),
];
const CALL_EVENTS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("tenant_id", Uuid),
    ("call_id", Text),
    ("event", Text),
    ("at", Time),
    ("dialled_number", Text),
    ("caller_hash", Text),
    ("caller_masked", Text),
    ("caller_enc", Text),
    ("ivr_path", Text),
    ("agent", Text),
    ("recording_ref", Text),
    ("case_id", Uuid),
    ("created_at", Time),
];
const HOT_SPOTS: &[(&str, Col)] = &[
    ("id", Uuid),
    ("tenant_id", Uuid),
    ("first_case_id", Uuid),
    ("title", Text),
    ("district", Text),
    ("address", Text),
    ("lat", Double),
    ("long", Double),
    ("case_count", Int),
    ("first_at", Time),
    ("last_at", Time),
    ("raised_at", Time),
];
const HOT_SPOT_CASES: &[(&str, Col)] = &[("case_id", Uuid), ("hot_spot_id", Uuid), ("added_at", Time)];
const TRACKING_COUNTERS: &[(&str, Col)] = &[("scope", Text), ("next", BigInt)];
const fn spec(table: &'static str, cols: &'static [(&'static str, Col)], owner: Owner, order_by: &'static str) -> Spec {
    Spec { table, cols, owner, order_by }
}

/// The exported tables, parents before children (the import inserts in this order).
pub fn specs() -> &'static [Spec] {
    static SPECS: LazyLock<Vec<Spec>> = LazyLock::new(|| {
        use Owner::*;
        vec![
            spec("tenants", TENANTS, Tenant, "id"),
            spec("tenant_numbers", TENANT_NUMBERS, TenantColumn, "number"),
            spec("units", UNITS, TenantColumn, "id"),
            spec("users", USERS, TenantColumn, "id"),
            spec("sla_policies", SLA_POLICIES, TenantColumn, "tenant_id"),
            spec("rule_sets", RULE_SETS, TenantColumn, "id"),
            spec("service_categories", SERVICE_CATEGORIES, TenantColumn, "id"),
            spec("routing_models", ROUTING_MODELS, TenantColumn, "id"),
            spec("kb_articles", KB_ARTICLES, TenantColumn, "id"),
            spec("kb_article_versions", KB_ARTICLE_VERSIONS, TenantColumn, "id"),
            spec("kb_search_gaps", KB_SEARCH_GAPS, TenantColumn, "id"),
            spec("cases", CASES, TenantColumn, "id"),
            spec("case_participants", CASE_PARTICIPANTS, Case, "id"),
            spec("case_events", CASE_EVENTS, Case, "id"),
            spec("routing_decisions", ROUTING_DECISIONS, Case, "id"),
            spec("deadline_crossings", DEADLINE_CROSSINGS, Case, "id"),
            spec("call_events", CALL_EVENTS, TenantColumn, "id"),
            spec("hot_spots", HOT_SPOTS, TenantColumn, "id"),
            spec("hot_spot_cases", HOT_SPOT_CASES, HotSpot, "case_id"),
            spec("tracking_counters", TRACKING_COUNTERS, TrackingScope, "scope"),
            spec("stat_counters", crate::stats::counter_columns(), TenantColumn, crate::stats::KEY_ORDER),
            spec("stat_handling", crate::stats::handling_columns(), TenantColumn, crate::stats::HANDLING_KEY_ORDER),
        ]
    });
    &SPECS
}

pub fn spec_of(table: &str) -> Option<&'static Spec> {
    specs().iter().find(|s| s.table == table)
}

/// The tables that stay behind, and why (docs/OPERATIONS.md, "Tenant export and import").
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    ("sessions", "sign-in sessions: people sign in again on the new platform"),
    ("refresh_tokens", "credentials of sessions (secrets)"),
    ("api_keys", "integrators' credentials (secrets): issue new keys on the new platform"),
    ("idempotency_keys", "a short-lived replay cache of intake answers, meaningful only where they were given"),
    ("outbox", "the delivery queue: the old platform sends what it queued; moving it would send twice"),
    ("app_secrets", "the platform's own generated secrets (see the personal-data key)"),
    ("worker_watermarks", "the old platform's worker bookkeeping; the new platform's worker keeps its own"),
    ("seaql_migrations", "the schema version, checked instead (both platforms must be at the same one)"),
    (
        "audit_events",
        "the platform's tamper-evident chain: a record moved into another chain would prove nothing there and break the chain here; \
         the audit administrator exports the line's records (audit export) before the move and keeps them with the old platform",
    ),
    ("audit_chain", "the head of this platform's audit chain"),
    ("user_mfa", "second factors are bound to this platform's key and account ids: staff enrol again on the new platform"),
    ("mfa_recovery_codes", "recovery codes of those second factors (secrets)"),
];

//! The schema, as migrations portable across SQLite and PostgreSQL. Frozen: a migration never
//! imports entities (they change; history must not), one change per file, and new changes are
//! new files.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_tenants;
mod m20261122_000002_create_tenant_numbers;
mod m20261122_000003_create_units;
mod m20261122_000004_create_users;
mod m20261122_000005_create_sessions;
mod m20261122_000006_create_refresh_tokens;
mod m20261122_000007_create_api_keys;
mod m20261122_000008_create_audit_events;
mod m20261122_000009_create_cases;
mod m20261122_000010_create_case_participants;
mod m20261122_000011_create_case_events;
mod m20261122_000012_create_idempotency_keys;
mod m20261122_000013_create_tracking_counters;
mod m20261122_000014_create_app_secrets;
mod m20261122_000015_create_call_events;
mod m20261122_000016_create_rule_sets;
mod m20261122_000017_create_routing_decisions;
mod m20261122_000018_add_cases_feedback_near_at;
mod m20261122_000019_create_deadline_crossings;
mod m20261122_000020_create_worker_watermarks;
mod m20261122_000021_create_outbox;
mod m20261122_000022_create_sla_policies;
mod m20261123_000023_add_co_unit_deadlines;
mod m20261123_000024_create_stat_counters;
mod m20261123_000025_index_open_cases_feedback_due;
mod m20261123_000026_index_stat_handling_lines;
mod m20261123_000027_add_stat_month_rollup;
mod m20261123_000028_create_service_categories;
mod m20261123_000029_create_routing_models;
mod m20261123_000030_create_hot_spots;
mod m20261123_000031_create_knowledge_base;
mod m20261123_000032_add_answered_from_knowledge;
mod m20261206_000033_index_cases_created_by;
mod m20261206_000040_add_audit_events_seq;
mod m20261206_000041_add_audit_events_prev_hash;
mod m20261206_000042_add_audit_events_hash;
mod m20261206_000043_add_audit_events_actor_duty;
mod m20261206_000044_index_audit_events_seq;
mod m20261206_000045_create_audit_chain;
mod m20261206_000046_create_user_mfa;
mod m20261206_000047_create_mfa_recovery_codes;
mod m20261206_000050_create_scope_functions;
mod m20261206_000051_enable_row_level_security;
mod m20261207_000052_partial_indexes_on_later_columns;
mod m20261207_000053_notice_case_changes;
mod m20261207_000054_notice_case_creators;
mod m20261208_000055_notice_case_changes_per_row;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_tenants::Migration),
            Box::new(m20261122_000002_create_tenant_numbers::Migration),
            Box::new(m20261122_000003_create_units::Migration),
            Box::new(m20261122_000004_create_users::Migration),
            Box::new(m20261122_000005_create_sessions::Migration),
            Box::new(m20261122_000006_create_refresh_tokens::Migration),
            Box::new(m20261122_000007_create_api_keys::Migration),
            Box::new(m20261122_000008_create_audit_events::Migration),
            Box::new(m20261122_000009_create_cases::Migration),
            Box::new(m20261122_000010_create_case_participants::Migration),
            Box::new(m20261122_000011_create_case_events::Migration),
            Box::new(m20261122_000012_create_idempotency_keys::Migration),
            Box::new(m20261122_000013_create_tracking_counters::Migration),
            Box::new(m20261122_000014_create_app_secrets::Migration),
            Box::new(m20261122_000015_create_call_events::Migration),
            Box::new(m20261122_000016_create_rule_sets::Migration),
            Box::new(m20261122_000017_create_routing_decisions::Migration),
            Box::new(m20261122_000018_add_cases_feedback_near_at::Migration),
            Box::new(m20261122_000019_create_deadline_crossings::Migration),
            Box::new(m20261122_000020_create_worker_watermarks::Migration),
            Box::new(m20261122_000021_create_outbox::Migration),
            Box::new(m20261122_000022_create_sla_policies::Migration),
            Box::new(m20261123_000023_add_co_unit_deadlines::Migration),
            Box::new(m20261123_000024_create_stat_counters::Migration),
            Box::new(m20261123_000025_index_open_cases_feedback_due::Migration),
            Box::new(m20261123_000026_index_stat_handling_lines::Migration),
            Box::new(m20261123_000027_add_stat_month_rollup::Migration),
            Box::new(m20261123_000028_create_service_categories::Migration),
            Box::new(m20261123_000029_create_routing_models::Migration),
            Box::new(m20261123_000030_create_hot_spots::Migration),
            Box::new(m20261123_000031_create_knowledge_base::Migration),
            Box::new(m20261123_000032_add_answered_from_knowledge::Migration),
            Box::new(m20261206_000033_index_cases_created_by::Migration),
            Box::new(m20261206_000040_add_audit_events_seq::Migration),
            Box::new(m20261206_000041_add_audit_events_prev_hash::Migration),
            Box::new(m20261206_000042_add_audit_events_hash::Migration),
            Box::new(m20261206_000043_add_audit_events_actor_duty::Migration),
            Box::new(m20261206_000044_index_audit_events_seq::Migration),
            Box::new(m20261206_000045_create_audit_chain::Migration),
            Box::new(m20261206_000046_create_user_mfa::Migration),
            Box::new(m20261206_000047_create_mfa_recovery_codes::Migration),
            Box::new(m20261206_000050_create_scope_functions::Migration),
            Box::new(m20261206_000051_enable_row_level_security::Migration),
            Box::new(m20261207_000052_partial_indexes_on_later_columns::Migration),
            Box::new(m20261207_000053_notice_case_changes::Migration),
            Box::new(m20261207_000054_notice_case_creators::Migration),
            Box::new(m20261208_000055_notice_case_changes_per_row::Migration),
        ]
    }
}

/// Runs `sql` on PostgreSQL only: SQLite has no row-level security and no NOTIFY, so the
/// migrations that set those up change nothing there.
pub(crate) async fn on_postgres(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    manager.get_connection().execute_unprepared(sql).await.map(|_| ())
}

/// Shorthand for an index on `table (cols…)`.
pub(crate) fn index(name: &str, table: impl IntoIden + 'static, cols: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(Alias::new(*c));
    }
    idx.to_owned()
}

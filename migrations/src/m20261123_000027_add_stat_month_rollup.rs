use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The counters as they stand when this migration was written (frozen: never read from code).
const COUNTERS: &str = "received, answered_directly, dispatched, dispatched_on_time, sign_decided, signed_on_time, feedback_decided, feedback_on_time, feedback_given, feedback_resolved, rated, rated_satisfied, closed, returned, reopened, extensions_approved, problem_flagged, handling_count, handling_seconds, calls, calls_answered, calls_answered_within_15s, calls_abandoned";

const KEY: &str = "scope, tenant_id, unit_id, category, contact_type, urgency, channel, district";

/// A month rollup of the line level (docs/BENCHMARKS.md: a 12-month series summed 365 days of
/// histograms): rows with level 'month' and the month's first day, kept from now on by the
/// counting like every level, built here once from the line level's days.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pg = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
        let db = manager.get_connection();
        let month = "substr(day, 1, 7) || '-01'";
        let sums: Vec<String> = COUNTERS.split(", ").map(|c| format!("SUM({c})")).collect();
        db.execute_unprepared(&format!(
            "INSERT INTO stat_counters (level, day, {KEY}, {COUNTERS}) \
             SELECT 'month', {month}, {KEY}, {} FROM stat_counters WHERE level = 'line' GROUP BY {month}, {KEY}",
            sums.join(", ")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO stat_handling (level, day, {KEY}, bucket, value) \
             SELECT 'month', {month}, {KEY}, bucket, SUM(value) FROM stat_handling WHERE level = 'line' GROUP BY {month}, {KEY}, bucket"
        ))
        .await?;
        let key = if pg { "(scope, day, tenant_id, bucket) INCLUDE (value)" } else { "(scope, day, tenant_id, bucket, value)" };
        db.execute_unprepared(&format!("CREATE INDEX ix_stat_handling_month ON stat_handling {key} WHERE level = 'month'")).await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

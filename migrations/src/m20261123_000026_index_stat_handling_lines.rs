use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Dashboard reads (docs/BENCHMARKS.md, 10,000,000 cases): the line-level histogram rows lie
/// scattered among the fine-grained rows written the same day, so a month of them cost
/// thousands of page reads. Covering indexes over the line level only — by day first (the
/// platform, all lines) and by tenant first (one line) — answer those reads from the index.
/// The open-cases index also carries the lead unit, which "overdue now" groups and joins by.
/// SQLite has no `INCLUDE`: there the carried column ends the key.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pg = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
        let carry = |key: &str, col: &str| if pg { format!("({key}) INCLUDE ({col})") } else { format!("({key}, {col})") };
        let db = manager.get_connection();
        for (name, key) in [
            ("ix_stat_handling_line_day", "scope, day, tenant_id, bucket"),
            ("ix_stat_handling_line_tenant", "scope, tenant_id, day, bucket"),
        ] {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON stat_handling {} WHERE level = 'line'", carry(key, "value"))).await?;
        }
        // The status list must match the reading query's literally for the planners to use it.
        db.execute_unprepared(&format!(
            "CREATE INDEX ix_cases_open_feedback_due_lead ON cases {} WHERE status IN ('dispatched', 'signed', 'in_progress')",
            carry("feedback_due_at", "lead_unit_id")
        ))
        .await?;
        db.execute_unprepared("DROP INDEX ix_cases_open_feedback_due").await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

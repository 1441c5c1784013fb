use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// "Overdue now" (当前超期) counts the open cases past their lead's feedback deadline. The
/// plain index on `feedback_due_at` also holds every closed case of the history; this partial
/// index holds the open ones only, so the count costs what the backlog costs. The status list
/// must match the reading query's literally for the planners to use it.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_cases_open_feedback_due ON cases (feedback_due_at) \
                 WHERE status IN ('dispatched', 'signed', 'in_progress')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX ix_cases_open_feedback_due").await?;
        Ok(())
    }
}

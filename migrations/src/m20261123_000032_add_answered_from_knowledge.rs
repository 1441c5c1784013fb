use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The counter `answered_from_knowledge` (`hotline-domain::stats::Counter::AnsweredFromKnowledge`):
/// first-contact answers given from a knowledge-base article. `stat_counters` is the one table
/// with a column per counter (every level, the month rollup included; `stat_handling` holds
/// histogram buckets). Rows counted before it read 0, which is what they hold: no answer came
/// from the knowledge base before it existed.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("stat_counters"))
                    .add_column(ColumnDef::new(Alias::new("answered_from_knowledge")).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// How far each periodic job has got (the deadline sweep reads from its watermark on).
#[derive(DeriveIden)]
enum WorkerWatermarks {
    Table,
    Name,
    Watermark,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkerWatermarks::Table)
                    .col(string_len(WorkerWatermarks::Name, 64).primary_key())
                    .col(timestamp_with_time_zone(WorkerWatermarks::Watermark))
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

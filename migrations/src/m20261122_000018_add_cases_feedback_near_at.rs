use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000009_create_cases::Cases;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Extra {
    FeedbackNearAt,
}

/// When the feedback clock reaches its reminder point (default 80 % of the limit).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Cases::Table).add_column(timestamp_with_time_zone_null(Extra::FeedbackNearAt)).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

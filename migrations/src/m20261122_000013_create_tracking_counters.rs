use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Daily tracking-number sequences per receiving tenant.
#[derive(DeriveIden)]
enum TrackingCounters {
    Table,
    Scope,
    Next,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrackingCounters::Table)
                    .col(string_len(TrackingCounters::Scope, 40).primary_key())
                    .col(big_integer(TrackingCounters::Next))
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Tenants {
    Table,
    Id,
    Code,
    Name,
    Kind,
    MergeMode,
    Calendar,
    TimeZone,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(pk_uuid(Tenants::Id))
                    .col(string_len_uniq(Tenants::Code, 16))
                    .col(string_len(Tenants::Name, 128))
                    .col(string_len(Tenants::Kind, 16))
                    .col(string_len_null(Tenants::MergeMode, 16))
                    .col(string_len(Tenants::Calendar, 64))
                    .col(string_len(Tenants::TimeZone, 64))
                    .col(string_len(Tenants::Status, 16))
                    .col(timestamp_with_time_zone(Tenants::CreatedAt))
                    .col(timestamp_with_time_zone(Tenants::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

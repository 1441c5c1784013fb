use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Messages to send, written in the same transaction as the event that causes them; a relay
/// sends them, retries with backoff and dead-letters after too many attempts.
#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    TenantId,
    Channel,
    Recipient,
    Subject,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(pk_uuid(Outbox::Id))
                    .col(uuid_null(Outbox::TenantId))
                    .col(string_len(Outbox::Channel, 8))
                    .col(string_len(Outbox::Recipient, 254))
                    .col(text(Outbox::Subject))
                    .col(text(Outbox::Body))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_outbox_due", Outbox::Table, &["status", "next_attempt_at"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

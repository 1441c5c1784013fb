use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The head of the audit chain, one row. Every append updates it first, which serialises the
/// writers (the row lock on PostgreSQL, the write lock on SQLite) inside the appending
/// transaction. `anchor_*` say where verification starts once old records are pruned.
#[derive(DeriveIden)]
enum AuditChain {
    Table,
    Id,
    Seq,
    HeadHash,
    AnchorSeq,
    AnchorPrevHash,
    LegacySealed,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditChain::Table)
                    .col(integer(AuditChain::Id).primary_key())
                    .col(big_integer(AuditChain::Seq))
                    .col(string_len(AuditChain::HeadHash, 64))
                    .col(big_integer(AuditChain::AnchorSeq))
                    .col(string_len(AuditChain::AnchorPrevHash, 64))
                    .col(boolean(AuditChain::LegacySealed))
                    .col(timestamp_with_time_zone(AuditChain::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

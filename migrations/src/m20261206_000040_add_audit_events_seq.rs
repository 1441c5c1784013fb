use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
}

#[derive(DeriveIden)]
enum Extra {
    Seq,
}

/// The record's position in the audit chain (1, 2, 3 …); none on records written before the
/// chain existed until the application seals them at its next start.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(AuditEvents::Table).add_column(big_integer_null(Extra::Seq)).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
}

#[derive(DeriveIden)]
enum Extra {
    ActorDuty,
}

/// `system`, `security` or `audit` when one of the three officers (三员) acted: their records
/// are for the audit administrator's eyes only.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(AuditEvents::Table).add_column(string_len_null(Extra::ActorDuty, 16)).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

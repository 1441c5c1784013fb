use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The numbers that ring into a tenant. A number rings into one tenant only, so it is the key.
#[derive(DeriveIden)]
enum TenantNumbers {
    Table,
    Number,
    TenantId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TenantNumbers::Table)
                    .col(string_len(TenantNumbers::Number, 20).primary_key())
                    .col(uuid(TenantNumbers::TenantId))
                    .col(timestamp_with_time_zone(TenantNumbers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tenant_numbers_tenant")
                            .from(TenantNumbers::Table, TenantNumbers::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_tenant_numbers_tenant", TenantNumbers::Table, &["tenant_id"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

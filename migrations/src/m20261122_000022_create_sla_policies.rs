use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A tenant's own time limits, in front of the defaults.
#[derive(DeriveIden)]
enum SlaPolicies {
    Table,
    TenantId,
    Entries,
    UpdatedAt,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SlaPolicies::Table)
                    .col(uuid(SlaPolicies::TenantId).primary_key())
                    .col(text(SlaPolicies::Entries))
                    .col(timestamp_with_time_zone(SlaPolicies::UpdatedAt))
                    .col(uuid_null(SlaPolicies::UpdatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sla_policies_tenant")
                            .from(SlaPolicies::Table, SlaPolicies::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

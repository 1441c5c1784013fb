use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Units {
    Table,
    Id,
    TenantId,
    ParentId,
    Name,
    Kind,
    District,
    IsDistrictFallback,
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
                    .table(Units::Table)
                    .col(pk_uuid(Units::Id))
                    .col(uuid(Units::TenantId))
                    .col(uuid_null(Units::ParentId))
                    .col(string_len(Units::Name, 128))
                    .col(string_len(Units::Kind, 32))
                    .col(string_len_null(Units::District, 64))
                    .col(boolean(Units::IsDistrictFallback))
                    .col(string_len(Units::Status, 16))
                    .col(timestamp_with_time_zone(Units::CreatedAt))
                    .col(timestamp_with_time_zone(Units::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().name("fk_units_tenant").from(Units::Table, Units::TenantId).to(Tenants::Table, Tenants::Id),
                    )
                    .foreign_key(
                        ForeignKey::create().name("fk_units_parent").from(Units::Table, Units::ParentId).to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_units_tenant_id", Units::Table, &["tenant_id", "id"])).await?;
        manager.create_index(crate::index("ux_units_tenant_name", Units::Table, &["tenant_id", "name"]).unique().to_owned()).await?;
        // One fallback district government per district and line (DOMAIN.md dispatch rule 3).
        // A partial unique index reads the same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_units_district_fallback ON units (tenant_id, district) WHERE is_district_fallback = TRUE",
            )
            .await
            .map(|_| ())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000001_create_tenants::Tenants;
use super::m20261122_000003_create_units::Units;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    TenantId,
    UnitId,
    Username,
    DisplayName,
    Email,
    PasswordHash,
    Roles,
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
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(uuid(Users::TenantId))
                    .col(uuid_null(Users::UnitId))
                    // Usernames are global: people log in with a name and a password only.
                    .col(string_len_uniq(Users::Username, 64))
                    .col(string_len(Users::DisplayName, 128))
                    .col(string_len_null(Users::Email, 254))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(string_len(Users::Roles, 255))
                    .col(string_len(Users::Status, 16))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().name("fk_users_tenant").from(Users::Table, Users::TenantId).to(Tenants::Table, Tenants::Id),
                    )
                    .foreign_key(ForeignKey::create().name("fk_users_unit").from(Users::Table, Users::UnitId).to(Units::Table, Units::Id))
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_users_tenant_id", Users::Table, &["tenant_id", "id"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A line's dispatch catalogue (派单目录): the categories citizens and integrators choose from,
/// served as Open311 services. A case keeps the category's name; the code names the service.
#[derive(DeriveIden)]
enum ServiceCategories {
    Table,
    Id,
    TenantId,
    Code,
    Name,
    Description,
    Keywords,
    Active,
    SortOrder,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceCategories::Table)
                    .col(uuid(ServiceCategories::Id).primary_key())
                    .col(uuid(ServiceCategories::TenantId))
                    .col(string_len(ServiceCategories::Code, 32))
                    .col(string_len(ServiceCategories::Name, 64))
                    .col(text_null(ServiceCategories::Description))
                    .col(string_len_null(ServiceCategories::Keywords, 500))
                    .col(boolean(ServiceCategories::Active))
                    .col(integer(ServiceCategories::SortOrder))
                    .col(timestamp_with_time_zone(ServiceCategories::CreatedAt))
                    .col(timestamp_with_time_zone(ServiceCategories::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_categories_tenant")
                            .from(ServiceCategories::Table, ServiceCategories::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One code and one name per line: the name is what a case stores as its category.
        for (name, col) in [("ux_service_categories_code", "code"), ("ux_service_categories_name", "name")] {
            manager.create_index(crate::index(name, ServiceCategories::Table, &["tenant_id", col]).unique().to_owned()).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

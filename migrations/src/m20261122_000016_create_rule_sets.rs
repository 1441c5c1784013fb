use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Versions of each tenant's rules: drafts are edited, one version is published (active),
/// earlier ones stay readable and can be published again (rollback).
#[derive(DeriveIden)]
enum RuleSets {
    Table,
    Id,
    TenantId,
    Version,
    Status,
    Rules,
    Note,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    PublishedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RuleSets::Table)
                    .col(pk_uuid(RuleSets::Id))
                    .col(uuid(RuleSets::TenantId))
                    .col(integer(RuleSets::Version))
                    .col(string_len(RuleSets::Status, 16))
                    .col(text(RuleSets::Rules))
                    .col(text_null(RuleSets::Note))
                    .col(uuid_null(RuleSets::CreatedBy))
                    .col(timestamp_with_time_zone(RuleSets::CreatedAt))
                    .col(timestamp_with_time_zone(RuleSets::UpdatedAt))
                    .col(timestamp_with_time_zone_null(RuleSets::PublishedAt))
                    .col(uuid_null(RuleSets::PublishedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rule_sets_tenant")
                            .from(RuleSets::Table, RuleSets::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(crate::index("ux_rule_sets_tenant_version", RuleSets::Table, &["tenant_id", "version"]).unique().to_owned())
            .await?;
        // At most one published version per tenant.
        manager
            .get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX ux_rule_sets_published ON rule_sets (tenant_id) WHERE status = 'published'")
            .await
            .map(|_| ())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Learned routing models (issue 8), trained by the worker on a schedule and kept as numbered
/// versions per tenant: the platform's model suggests a line, a line's model one of its units.
/// `data_version` names the cases a version learnt from, so an unchanged history is not
/// retrained; the unique version per tenant lets two workers race without a second copy.
#[derive(DeriveIden)]
enum RoutingModels {
    Table,
    Id,
    TenantId,
    Version,
    DataVersion,
    Examples,
    Labels,
    Features,
    Model,
    TrainedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoutingModels::Table)
                    .col(uuid(RoutingModels::Id).primary_key())
                    .col(uuid(RoutingModels::TenantId))
                    .col(integer(RoutingModels::Version))
                    .col(string_len(RoutingModels::DataVersion, 64))
                    .col(integer(RoutingModels::Examples))
                    .col(integer(RoutingModels::Labels))
                    .col(integer(RoutingModels::Features))
                    .col(text(RoutingModels::Model))
                    .col(timestamp_with_time_zone(RoutingModels::TrainedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_routing_models_tenant")
                            .from(RoutingModels::Table, RoutingModels::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(crate::index("ux_routing_models_version", RoutingModels::Table, &["tenant_id", "version"]).unique().to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

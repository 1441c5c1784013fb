use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000009_create_cases::Cases;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every routing decision with its trace: which rule sets (and versions) ran, which rules
/// matched, which actions applied.
#[derive(DeriveIden)]
enum RoutingDecisions {
    Table,
    Id,
    CaseId,
    TenantId,
    Event,
    Decision,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoutingDecisions::Table)
                    .col(pk_uuid(RoutingDecisions::Id))
                    .col(uuid(RoutingDecisions::CaseId))
                    .col(uuid(RoutingDecisions::TenantId))
                    .col(string_len(RoutingDecisions::Event, 24))
                    .col(text(RoutingDecisions::Decision))
                    .col(timestamp_with_time_zone(RoutingDecisions::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_routing_decisions_case")
                            .from(RoutingDecisions::Table, RoutingDecisions::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_routing_decisions_case", RoutingDecisions::Table, &["case_id", "id"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

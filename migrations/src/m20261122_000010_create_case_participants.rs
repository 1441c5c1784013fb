use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000009_create_cases::Cases;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The units taking part in a case: one lead (牵头) and any co-units (协办), possibly in other
/// lines. A line sees the cases its units take part in.
#[derive(DeriveIden)]
enum CaseParticipants {
    Table,
    Id,
    CaseId,
    TenantId,
    UnitId,
    Role,
    Status,
    Contribution,
    SignedAt,
    ContributedAt,
    ReleasedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaseParticipants::Table)
                    .col(pk_uuid(CaseParticipants::Id))
                    .col(uuid(CaseParticipants::CaseId))
                    .col(uuid(CaseParticipants::TenantId))
                    .col(uuid(CaseParticipants::UnitId))
                    .col(string_len(CaseParticipants::Role, 8))
                    .col(string_len(CaseParticipants::Status, 16))
                    .col(text_null(CaseParticipants::Contribution))
                    .col(timestamp_with_time_zone_null(CaseParticipants::SignedAt))
                    .col(timestamp_with_time_zone_null(CaseParticipants::ContributedAt))
                    .col(timestamp_with_time_zone_null(CaseParticipants::ReleasedAt))
                    .col(timestamp_with_time_zone(CaseParticipants::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_participants_case")
                            .from(CaseParticipants::Table, CaseParticipants::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                crate::index("ux_case_participants_case_unit", CaseParticipants::Table, &["case_id", "unit_id"]).unique().to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_case_participants_unit", CaseParticipants::Table, &["unit_id", "case_id"])).await?;
        manager.create_index(crate::index("ix_case_participants_tenant", CaseParticipants::Table, &["tenant_id", "case_id"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000009_create_cases::Cases;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every change to a case (运行记录可追溯): who, when, from, to, why, and the step's data.
#[derive(DeriveIden)]
enum CaseEvents {
    Table,
    Id,
    CaseId,
    TenantId,
    At,
    ActorKind,
    ActorId,
    ActorName,
    ActorUnitId,
    Action,
    FromStatus,
    ToStatus,
    Reason,
    Payload,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaseEvents::Table)
                    .col(pk_uuid(CaseEvents::Id))
                    .col(uuid(CaseEvents::CaseId))
                    .col(uuid(CaseEvents::TenantId))
                    .col(timestamp_with_time_zone(CaseEvents::At))
                    .col(string_len(CaseEvents::ActorKind, 16))
                    .col(uuid_null(CaseEvents::ActorId))
                    .col(string_len_null(CaseEvents::ActorName, 64))
                    .col(uuid_null(CaseEvents::ActorUnitId))
                    .col(string_len(CaseEvents::Action, 24))
                    .col(string_len_null(CaseEvents::FromStatus, 16))
                    .col(string_len(CaseEvents::ToStatus, 16))
                    .col(text_null(CaseEvents::Reason))
                    .col(text_null(CaseEvents::Payload))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_events_case")
                            .from(CaseEvents::Table, CaseEvents::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_case_events_case", CaseEvents::Table, &["case_id", "id"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000009_create_cases::Cases;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One row per deadline crossing (a clock's reminder point or deadline passed). The unique key
/// makes every crossing happen exactly once, however many workers sweep and however often a
/// sweep is repeated after a crash.
#[derive(DeriveIden)]
enum DeadlineCrossings {
    Table,
    Id,
    CaseId,
    TenantId,
    Stage,
    Kind,
    DueAt,
    CrossedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeadlineCrossings::Table)
                    .col(pk_uuid(DeadlineCrossings::Id))
                    .col(uuid(DeadlineCrossings::CaseId))
                    .col(uuid(DeadlineCrossings::TenantId))
                    .col(string_len(DeadlineCrossings::Stage, 16))
                    .col(string_len(DeadlineCrossings::Kind, 16))
                    .col(timestamp_with_time_zone(DeadlineCrossings::DueAt))
                    .col(timestamp_with_time_zone(DeadlineCrossings::CrossedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deadline_crossings_case")
                            .from(DeadlineCrossings::Table, DeadlineCrossings::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                crate::index("ux_deadline_crossings_once", DeadlineCrossings::Table, &["case_id", "stage", "kind", "due_at"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The sweep reads only deadlines in (watermark, now] through these indexes.
        for col in ["feedback_near_at", "feedback_due_at", "sign_due_at"] {
            manager.create_index(crate::index(&format!("ix_cases_{col}"), Cases::Table, &[col])).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseParticipants {
    Table,
    SignDueAt,
    ContributeDueAt,
}

#[derive(DeriveIden)]
enum DeadlineCrossings {
    Table,
    SubjectId,
}

/// Joint cases: each co-unit (协办单位) has its own sign-for and contribution deadline, and the
/// sweep records their crossings too. A crossing's subject is the case (its lead's clocks) or
/// one participant row, so the once-only key moves from the case to the subject.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for col in [CaseParticipants::SignDueAt, CaseParticipants::ContributeDueAt] {
            manager
                .alter_table(Table::alter().table(CaseParticipants::Table).add_column(timestamp_with_time_zone_null(col)).to_owned())
                .await?;
        }
        for col in ["sign_due_at", "contribute_due_at"] {
            manager.create_index(crate::index(&format!("ix_case_participants_{col}"), CaseParticipants::Table, &[col])).await?;
        }
        manager
            .alter_table(Table::alter().table(DeadlineCrossings::Table).add_column(uuid_null(DeadlineCrossings::SubjectId)).to_owned())
            .await?;
        // Every earlier crossing was about a case's own clocks.
        manager.get_connection().execute_unprepared("UPDATE deadline_crossings SET subject_id = case_id").await?;
        manager.drop_index(Index::drop().name("ux_deadline_crossings_once").table(DeadlineCrossings::Table).to_owned()).await?;
        manager
            .create_index(
                crate::index("ux_deadline_crossings_subject_once", DeadlineCrossings::Table, &["subject_id", "stage", "kind", "due_at"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_deadline_crossings_case", DeadlineCrossings::Table, &["case_id"])).await?;
        // The crossing ledger is the sweep's own bookkeeping: each row is written from a read of
        // its case in the same transaction, and cases are never deleted. On PostgreSQL the
        // foreign-key trigger cost ~7.5 µs per row — most of a 5,000-crossing tick (see
        // docs/BENCHMARKS.md) — so the constraint goes; SQLite cannot drop one and keeps it.
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            manager
                .drop_foreign_key(ForeignKey::drop().name("fk_deadline_crossings_case").table(DeadlineCrossings::Table).to_owned())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Call events from the call centre (CTI): one row per (call, event), linked to the case the
/// call produced, if any.
#[derive(DeriveIden)]
enum CallEvents {
    Table,
    Id,
    TenantId,
    CallId,
    Event,
    At,
    DialledNumber,
    CallerHash,
    CallerMasked,
    CallerEnc,
    IvrPath,
    Agent,
    RecordingRef,
    CaseId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CallEvents::Table)
                    .col(pk_uuid(CallEvents::Id))
                    .col(uuid(CallEvents::TenantId))
                    .col(string_len(CallEvents::CallId, 64))
                    .col(string_len(CallEvents::Event, 16))
                    .col(timestamp_with_time_zone(CallEvents::At))
                    .col(string_len_null(CallEvents::DialledNumber, 20))
                    .col(string_len_null(CallEvents::CallerHash, 64))
                    .col(string_len_null(CallEvents::CallerMasked, 32))
                    .col(text_null(CallEvents::CallerEnc))
                    .col(string_len_null(CallEvents::IvrPath, 255))
                    .col(string_len_null(CallEvents::Agent, 64))
                    .col(string_len_null(CallEvents::RecordingRef, 255))
                    .col(uuid_null(CallEvents::CaseId))
                    .col(timestamp_with_time_zone(CallEvents::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                crate::index("ux_call_events_tenant_call_event", CallEvents::Table, &["tenant_id", "call_id", "event"]).unique().to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_call_events_case", CallEvents::Table, &["case_id"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

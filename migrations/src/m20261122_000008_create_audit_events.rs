use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Append-only record of logins, refusals and admin changes. No foreign keys: the record must
/// outlive what it talks about.
#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorKind,
    ActorId,
    ActorName,
    TenantId,
    Action,
    Target,
    Outcome,
    Detail,
    Ip,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(pk_uuid(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(string_len(AuditEvents::ActorKind, 16))
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string_len_null(AuditEvents::ActorName, 64))
                    .col(uuid_null(AuditEvents::TenantId))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len_null(AuditEvents::Target, 255))
                    .col(string_len(AuditEvents::Outcome, 16))
                    .col(text_null(AuditEvents::Detail))
                    .col(string_len_null(AuditEvents::Ip, 64))
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_audit_events_tenant_id", AuditEvents::Table, &["tenant_id", "id"])).await?;
        manager.create_index(crate::index("ix_audit_events_action", AuditEvents::Table, &["action", "id"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

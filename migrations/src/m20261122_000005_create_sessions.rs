use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000004_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A login session = one refresh-token family. Access tokens name their session, so logging
/// out or detecting refresh-token reuse cuts off the session's access tokens at once.
#[derive(DeriveIden)]
pub enum Sessions {
    Table,
    Id,
    UserId,
    TenantId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
    Ip,
    UserAgent,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_uuid(Sessions::Id))
                    .col(uuid(Sessions::UserId))
                    .col(uuid(Sessions::TenantId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .col(string_len_null(Sessions::RevokedReason, 64))
                    .col(string_len_null(Sessions::Ip, 64))
                    .col(string_len_null(Sessions::UserAgent, 255))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_sessions_user", Sessions::Table, &["user_id"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

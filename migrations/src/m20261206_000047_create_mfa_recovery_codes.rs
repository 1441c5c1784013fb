use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000004_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One-time recovery codes of a second factor, stored salted and hashed; a used code keeps its
/// row with `used_at` so it cannot work twice.
#[derive(DeriveIden)]
enum MfaRecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MfaRecoveryCodes::Table)
                    .col(pk_uuid(MfaRecoveryCodes::Id))
                    .col(uuid(MfaRecoveryCodes::UserId))
                    .col(string_len(MfaRecoveryCodes::CodeHash, 128))
                    .col(timestamp_with_time_zone(MfaRecoveryCodes::CreatedAt))
                    .col(timestamp_with_time_zone_null(MfaRecoveryCodes::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mfa_recovery_codes_user")
                            .from(MfaRecoveryCodes::Table, MfaRecoveryCodes::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_mfa_recovery_codes_user_id", MfaRecoveryCodes::Table, &["user_id"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

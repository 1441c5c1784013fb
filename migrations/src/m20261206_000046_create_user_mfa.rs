use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000004_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A staff account's TOTP second factor: the secret encrypted at rest (bound to the account),
/// `pending` until confirmed with a first code, and the last step used (a code works once).
#[derive(DeriveIden)]
enum UserMfa {
    Table,
    UserId,
    SecretEnc,
    Status,
    LastStep,
    CreatedAt,
    ConfirmedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserMfa::Table)
                    .col(uuid(UserMfa::UserId).primary_key())
                    .col(text(UserMfa::SecretEnc))
                    .col(string_len(UserMfa::Status, 16))
                    .col(big_integer_null(UserMfa::LastStep))
                    .col(timestamp_with_time_zone(UserMfa::CreatedAt))
                    .col(timestamp_with_time_zone_null(UserMfa::ConfirmedAt))
                    .foreign_key(
                        ForeignKey::create().name("fk_user_mfa_user").from(UserMfa::Table, UserMfa::UserId).to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

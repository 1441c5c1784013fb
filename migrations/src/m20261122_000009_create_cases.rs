use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The current projection of each case; its history is in case_events. Caller name and phone
/// are stored encrypted, with a keyed hash and a masked form beside them.
#[derive(DeriveIden)]
pub enum Cases {
    Table,
    Id,
    TenantId,
    TrackingNumber,
    Channel,
    ContactType,
    Category,
    Urgency,
    Title,
    Description,
    Address,
    District,
    Lat,
    Long,
    CallerNameEnc,
    CallerNameMasked,
    CallerPhoneEnc,
    CallerPhoneHash,
    CallerPhoneMasked,
    Anonymous,
    DialledNumber,
    Attachments,
    Status,
    Closure,
    LeadUnitId,
    ReportedUnitId,
    Answer,
    Referral,
    TransferLine,
    DuplicateOf,
    Feedback,
    FeedbackResolved,
    FeedbackDetails,
    Rating,
    RatingComment,
    RatedAt,
    NoReturnVisit,
    ReturnCount,
    ReopenCount,
    Problem,
    ProblemReason,
    ExtensionDays,
    ExtensionReason,
    SignDueAt,
    FeedbackDueAt,
    PublicTokenHash,
    CreatedBy,
    CreatedVia,
    Version,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .col(pk_uuid(Cases::Id))
                    .col(uuid(Cases::TenantId))
                    .col(string_len_uniq(Cases::TrackingNumber, 40))
                    .col(string_len(Cases::Channel, 16))
                    .col(string_len(Cases::ContactType, 16))
                    .col(string_len_null(Cases::Category, 64))
                    .col(string_len(Cases::Urgency, 16))
                    .col(text(Cases::Title))
                    .col(text(Cases::Description))
                    .col(text_null(Cases::Address))
                    .col(string_len_null(Cases::District, 64))
                    .col(double_null(Cases::Lat))
                    .col(double_null(Cases::Long))
                    .col(text_null(Cases::CallerNameEnc))
                    .col(string_len_null(Cases::CallerNameMasked, 64))
                    .col(text_null(Cases::CallerPhoneEnc))
                    .col(string_len_null(Cases::CallerPhoneHash, 64))
                    .col(string_len_null(Cases::CallerPhoneMasked, 32))
                    .col(boolean(Cases::Anonymous))
                    .col(string_len_null(Cases::DialledNumber, 20))
                    .col(text_null(Cases::Attachments))
                    .col(string_len(Cases::Status, 16))
                    .col(string_len_null(Cases::Closure, 16))
                    .col(uuid_null(Cases::LeadUnitId))
                    .col(uuid_null(Cases::ReportedUnitId))
                    .col(text_null(Cases::Answer))
                    .col(text_null(Cases::Referral))
                    .col(string_len_null(Cases::TransferLine, 8))
                    .col(uuid_null(Cases::DuplicateOf))
                    .col(text_null(Cases::Feedback))
                    .col(boolean_null(Cases::FeedbackResolved))
                    .col(text_null(Cases::FeedbackDetails))
                    .col(string_len_null(Cases::Rating, 24))
                    .col(text_null(Cases::RatingComment))
                    .col(timestamp_with_time_zone_null(Cases::RatedAt))
                    .col(boolean(Cases::NoReturnVisit))
                    .col(integer(Cases::ReturnCount))
                    .col(integer(Cases::ReopenCount))
                    .col(boolean(Cases::Problem))
                    .col(string_len_null(Cases::ProblemReason, 64))
                    .col(integer_null(Cases::ExtensionDays))
                    .col(text_null(Cases::ExtensionReason))
                    .col(timestamp_with_time_zone_null(Cases::SignDueAt))
                    .col(timestamp_with_time_zone_null(Cases::FeedbackDueAt))
                    .col(string_len_null(Cases::PublicTokenHash, 64))
                    .col(uuid_null(Cases::CreatedBy))
                    .col(string_len(Cases::CreatedVia, 16))
                    .col(integer(Cases::Version))
                    .col(timestamp_with_time_zone(Cases::CreatedAt))
                    .col(timestamp_with_time_zone(Cases::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Cases::ClosedAt))
                    .foreign_key(
                        ForeignKey::create().name("fk_cases_tenant").from(Cases::Table, Cases::TenantId).to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_cases_tenant_id", Cases::Table, &["tenant_id", "id"])).await?;
        manager.create_index(crate::index("ix_cases_status_id", Cases::Table, &["status", "id"])).await?;
        manager.create_index(crate::index("ix_cases_lead_unit", Cases::Table, &["lead_unit_id", "id"])).await?;
        manager.create_index(crate::index("ix_cases_caller_phone_hash", Cases::Table, &["caller_phone_hash"])).await?;
        manager.create_index(crate::index("ix_cases_duplicate_of", Cases::Table, &["duplicate_of"])).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

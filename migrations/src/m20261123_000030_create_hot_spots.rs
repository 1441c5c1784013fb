use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Hot spots (热点, issue 8): a burst of alike contacts in one place within a window — many
/// citizens, one issue — found by the worker and raised to the city office once. A case belongs
/// to at most one hot spot (the primary key on `case_id`), so a growing burst joins the hot spot
/// already raised instead of raising another, and two workers cannot raise the same one twice.
#[derive(DeriveIden)]
enum HotSpots {
    Table,
    Id,
    TenantId,
    FirstCaseId,
    Title,
    District,
    Address,
    Lat,
    Long,
    CaseCount,
    FirstAt,
    LastAt,
    RaisedAt,
}

#[derive(DeriveIden)]
enum HotSpotCases {
    Table,
    CaseId,
    HotSpotId,
    AddedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HotSpots::Table)
                    .col(uuid(HotSpots::Id).primary_key())
                    .col(uuid(HotSpots::TenantId))
                    .col(uuid(HotSpots::FirstCaseId))
                    .col(string_len(HotSpots::Title, 200))
                    .col(string_len_null(HotSpots::District, 64))
                    .col(string_len_null(HotSpots::Address, 500))
                    .col(double_null(HotSpots::Lat))
                    .col(double_null(HotSpots::Long))
                    .col(integer(HotSpots::CaseCount))
                    .col(timestamp_with_time_zone(HotSpots::FirstAt))
                    .col(timestamp_with_time_zone(HotSpots::LastAt))
                    .col(timestamp_with_time_zone(HotSpots::RaisedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_hot_spots_raised", HotSpots::Table, &["raised_at"]).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(HotSpotCases::Table)
                    .col(uuid(HotSpotCases::CaseId).primary_key())
                    .col(uuid(HotSpotCases::HotSpotId))
                    .col(timestamp_with_time_zone(HotSpotCases::AddedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_hot_spot_cases_hot_spot")
                            .from(HotSpotCases::Table, HotSpotCases::HotSpotId)
                            .to(HotSpots::Table, HotSpots::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_hot_spot_cases_spot", HotSpotCases::Table, &["hot_spot_id"]).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The knowledge base (知识库, issue 8). An article belongs to one line; every edit is a new
/// version (draft → submitted → published or rejected, approved by someone other than its
/// author); the article row carries the published version's content, which is what search
/// indexes and citizens see. `flag_notified` remembers which expiry/review flag its owner was
/// told about, so the worker tells them once. Searches that found nothing are kept per line
/// (`kb_search_gaps`) for the gaps report.
#[derive(DeriveIden)]
enum KbArticles {
    Table,
    Id,
    TenantId,
    OwnerId,
    Status,
    Public,
    Category,
    Tags,
    Title,
    Body,
    ValidFrom,
    ValidUntil,
    ReviewAt,
    PublishedVersion,
    LatestVersion,
    AnswerCount,
    FlagNotified,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum KbArticleVersions {
    Table,
    Id,
    ArticleId,
    TenantId,
    Version,
    State,
    Title,
    Body,
    Tags,
    Category,
    Public,
    ValidFrom,
    ValidUntil,
    ReviewAt,
    AuthorId,
    AuthorName,
    DecidedBy,
    DecidedAt,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum KbSearchGaps {
    Table,
    Id,
    TenantId,
    Query,
    Source,
    SearchedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KbArticles::Table)
                    .col(uuid(KbArticles::Id).primary_key())
                    .col(uuid(KbArticles::TenantId))
                    .col(uuid(KbArticles::OwnerId))
                    .col(string_len(KbArticles::Status, 16))
                    .col(boolean(KbArticles::Public))
                    .col(string_len_null(KbArticles::Category, 64))
                    .col(string_len(KbArticles::Tags, 700))
                    .col(string_len(KbArticles::Title, 200))
                    .col(text(KbArticles::Body))
                    .col(timestamp_with_time_zone_null(KbArticles::ValidFrom))
                    .col(timestamp_with_time_zone_null(KbArticles::ValidUntil))
                    .col(timestamp_with_time_zone_null(KbArticles::ReviewAt))
                    .col(integer_null(KbArticles::PublishedVersion))
                    .col(integer(KbArticles::LatestVersion))
                    .col(big_integer(KbArticles::AnswerCount))
                    .col(string_len_null(KbArticles::FlagNotified, 64))
                    .col(timestamp_with_time_zone(KbArticles::CreatedAt))
                    .col(timestamp_with_time_zone(KbArticles::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_kb_articles_tenant")
                            .from(KbArticles::Table, KbArticles::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_kb_articles_tenant_status", KbArticles::Table, &["tenant_id", "status"]).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(KbArticleVersions::Table)
                    .col(uuid(KbArticleVersions::Id).primary_key())
                    .col(uuid(KbArticleVersions::ArticleId))
                    .col(uuid(KbArticleVersions::TenantId))
                    .col(integer(KbArticleVersions::Version))
                    .col(string_len(KbArticleVersions::State, 16))
                    .col(string_len(KbArticleVersions::Title, 200))
                    .col(text(KbArticleVersions::Body))
                    .col(string_len(KbArticleVersions::Tags, 700))
                    .col(string_len_null(KbArticleVersions::Category, 64))
                    .col(boolean(KbArticleVersions::Public))
                    .col(timestamp_with_time_zone_null(KbArticleVersions::ValidFrom))
                    .col(timestamp_with_time_zone_null(KbArticleVersions::ValidUntil))
                    .col(timestamp_with_time_zone_null(KbArticleVersions::ReviewAt))
                    .col(uuid(KbArticleVersions::AuthorId))
                    .col(string_len(KbArticleVersions::AuthorName, 64))
                    .col(uuid_null(KbArticleVersions::DecidedBy))
                    .col(timestamp_with_time_zone_null(KbArticleVersions::DecidedAt))
                    .col(string_len_null(KbArticleVersions::Reason, 500))
                    .col(timestamp_with_time_zone(KbArticleVersions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_kb_article_versions_article")
                            .from(KbArticleVersions::Table, KbArticleVersions::ArticleId)
                            .to(KbArticles::Table, KbArticles::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(crate::index("ux_kb_article_versions", KbArticleVersions::Table, &["article_id", "version"]).unique().to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KbSearchGaps::Table)
                    .col(uuid(KbSearchGaps::Id).primary_key())
                    .col(uuid(KbSearchGaps::TenantId))
                    .col(string_len(KbSearchGaps::Query, 200))
                    .col(string_len(KbSearchGaps::Source, 16))
                    .col(timestamp_with_time_zone(KbSearchGaps::SearchedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(crate::index("ix_kb_search_gaps", KbSearchGaps::Table, &["tenant_id", "searched_at"]).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

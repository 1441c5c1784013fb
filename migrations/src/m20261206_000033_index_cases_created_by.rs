use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An integrator reads the cases its key created (`CaseScope::CreatedBy`), newest first. Without
/// an index that list scanned every case of the platform (100 ms at 60,000 cases, measured in
/// tests/load/bench.py); with `(created_by, id)` it walks the key's newest cases only.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(crate::index("ix_cases_created_by", Alias::new("cases"), &["created_by", "id"])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_cases_created_by").table(Alias::new("cases")).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns a case only fills later (its lead unit, its deadlines, a duplicate's master) or not
/// at all (no phone given) are NULL when it is received, yet a full index takes an entry for
/// every NULL too: six index insertions of the dozen an intake made served no reading query.
/// Every query on these columns compares them (`=`, `<`, `<=`, `IS NOT NULL`), which both
/// planners accept as proof of `IS NOT NULL`, so the partial indexes serve the same reads.
const PARTIAL: [(&str, &str, &str); 6] = [
    ("ix_cases_lead_unit", "lead_unit_id, id", "lead_unit_id"),
    ("ix_cases_duplicate_of", "duplicate_of", "duplicate_of"),
    ("ix_cases_caller_phone_hash", "caller_phone_hash", "caller_phone_hash"),
    ("ix_cases_feedback_near_at", "feedback_near_at", "feedback_near_at"),
    ("ix_cases_feedback_due_at", "feedback_due_at", "feedback_due_at"),
    ("ix_cases_sign_due_at", "sign_due_at", "sign_due_at"),
];

/// Builds the indexes again, partial or full.
async fn rebuild(manager: &SchemaManager<'_>, partial: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for (name, columns, nullable) in PARTIAL {
        let only_set = if partial { format!(" WHERE {nullable} IS NOT NULL") } else { String::new() };
        db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        db.execute_unprepared(&format!("CREATE INDEX {name} ON cases ({columns}){only_set}")).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, false).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

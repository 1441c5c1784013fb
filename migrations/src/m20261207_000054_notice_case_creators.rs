use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The change notices of 000053 also name who brought the changed cases in: `k` + the
/// comma-separated ids of their `created_by` (an account or an integrator key), before and
/// after the change. An integrator's list pages show only the cases its key brought in, so
/// they need go stale only when one of those changes, not on every intake of the city (with
/// `t` alone, every notice made them stale, as it does the city-wide pages).
/// Replaces the trigger function only; the triggers of 000053 call it by name.
pub(crate) const SQL: &str = r#"
CREATE OR REPLACE FUNCTION hotline_notice_case_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    changed uuid[] := '{}';
    tenants uuid[] := '{}';
    creators uuid[] := '{}';
BEGIN
    IF TG_TABLE_NAME = 'cases' THEN
        IF TG_OP = 'INSERT' THEN
            tenants := ARRAY(SELECT DISTINCT tenant_id FROM new_rows);
            creators := ARRAY(SELECT DISTINCT created_by FROM new_rows WHERE created_by IS NOT NULL);
        ELSIF TG_OP = 'UPDATE' THEN
            changed := ARRAY(SELECT id FROM new_rows);
            tenants := ARRAY(SELECT tenant_id FROM new_rows UNION SELECT tenant_id FROM old_rows);
            creators := ARRAY(SELECT created_by FROM new_rows WHERE created_by IS NOT NULL
                              UNION SELECT created_by FROM old_rows WHERE created_by IS NOT NULL);
        ELSE
            changed := ARRAY(SELECT id FROM old_rows);
            tenants := ARRAY(SELECT DISTINCT tenant_id FROM old_rows);
            creators := ARRAY(SELECT DISTINCT created_by FROM old_rows WHERE created_by IS NOT NULL);
        END IF;
    ELSE
        IF TG_OP = 'INSERT' THEN
            changed := ARRAY(SELECT DISTINCT case_id FROM new_rows);
            tenants := ARRAY(SELECT DISTINCT tenant_id FROM new_rows);
        ELSIF TG_OP = 'UPDATE' THEN
            changed := ARRAY(SELECT case_id FROM new_rows UNION SELECT case_id FROM old_rows);
            tenants := ARRAY(SELECT tenant_id FROM new_rows UNION SELECT tenant_id FROM old_rows);
        ELSE
            changed := ARRAY(SELECT DISTINCT case_id FROM old_rows);
            tenants := ARRAY(SELECT DISTINCT tenant_id FROM old_rows);
        END IF;
        tenants := ARRAY(SELECT unnest(tenants) UNION SELECT tenant_id FROM cases WHERE id = ANY(changed));
        creators := ARRAY(SELECT DISTINCT created_by FROM cases WHERE id = ANY(changed) AND created_by IS NOT NULL);
    END IF;
    IF cardinality(changed) > 0 THEN
        tenants := ARRAY(SELECT unnest(tenants) UNION SELECT tenant_id FROM case_participants WHERE case_id = ANY(changed));
    END IF;
    PERFORM hotline_notice('c', changed);
    PERFORM hotline_notice('t', tenants);
    PERFORM hotline_notice('k', creators);
    RETURN NULL;
END $$;
"#;

/// The function as 000053 made it.
const DOWN: &str = super::m20261207_000053_notice_case_changes::FUNCTION;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(manager, SQL).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(manager, DOWN).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

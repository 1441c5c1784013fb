use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every change to a case or to its participants is announced on the channel
/// `hotline_cache` (PostgreSQL only), so that each API process can drop what its read cache
/// holds of it (hotline-core's `read_cache`). Triggers, not the service's code, announce it:
/// no write path can forget, including the worker's sweeps, imports and a change made by hand
/// in SQL. NOTIFY is transactional: a rolled-back change announces nothing, and the notices
/// of a commit reach the listeners after it, in commit order.
///
/// Payloads (one NOTIFY holds at most 8,000 bytes, so ids go in chunks of 200):
/// - `c` + comma-separated case ids: these cases changed (by-id entries go);
/// - `t` + comma-separated tenant ids: the lists of these lines changed (the case's line,
///   before and after, and every line taking part in it, 联办).
///
/// A new case sends only `t`: the cache never holds a case it has not seen, so nothing of it
/// can be stale. The function reads the participants as the owner (SECURITY DEFINER, see the
/// `hotline_definer` policy of 000051), so a co-unit's line is named even when the writer's
/// scope does not show its row.
const NOTICE: &str = r#"
CREATE OR REPLACE FUNCTION hotline_notice(kind text, ids uuid[]) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    part text;
BEGIN
    FOR part IN
        SELECT string_agg(x::text, ',') FROM (SELECT x, (row_number() OVER () - 1) / 200 AS g FROM unnest(ids) AS x) s GROUP BY g
    LOOP
        PERFORM pg_notify('hotline_cache', kind || part);
    END LOOP;
END $$;

"#;

/// The trigger function as this migration makes it (000054 replaces it, and goes back to it).
pub(crate) const FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION hotline_notice_case_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    changed uuid[] := '{}';
    tenants uuid[] := '{}';
BEGIN
    IF TG_TABLE_NAME = 'cases' THEN
        IF TG_OP = 'INSERT' THEN
            tenants := ARRAY(SELECT DISTINCT tenant_id FROM new_rows);
        ELSIF TG_OP = 'UPDATE' THEN
            changed := ARRAY(SELECT id FROM new_rows);
            tenants := ARRAY(SELECT tenant_id FROM new_rows UNION SELECT tenant_id FROM old_rows);
        ELSE
            changed := ARRAY(SELECT id FROM old_rows);
            tenants := ARRAY(SELECT DISTINCT tenant_id FROM old_rows);
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
    END IF;
    IF cardinality(changed) > 0 THEN
        tenants := ARRAY(SELECT unnest(tenants) UNION SELECT tenant_id FROM case_participants WHERE case_id = ANY(changed));
    END IF;
    PERFORM hotline_notice('c', changed);
    PERFORM hotline_notice('t', tenants);
    RETURN NULL;
END $$;

"#;

const TRIGGERS: &str = r#"
CREATE TRIGGER hotline_cases_inserted AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hotline_notice_case_changes();
CREATE TRIGGER hotline_cases_updated AFTER UPDATE ON cases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hotline_notice_case_changes();
CREATE TRIGGER hotline_cases_deleted AFTER DELETE ON cases
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hotline_notice_case_changes();
CREATE TRIGGER hotline_participants_inserted AFTER INSERT ON case_participants
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hotline_notice_case_changes();
CREATE TRIGGER hotline_participants_updated AFTER UPDATE ON case_participants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hotline_notice_case_changes();
CREATE TRIGGER hotline_participants_deleted AFTER DELETE ON case_participants
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hotline_notice_case_changes();
"#;

/// Everything this migration runs.
pub(crate) fn sql() -> String {
    format!("{NOTICE}{FUNCTION}{TRIGGERS}")
}

const DOWN: &str = r#"
DROP TRIGGER IF EXISTS hotline_cases_inserted ON cases;
DROP TRIGGER IF EXISTS hotline_cases_updated ON cases;
DROP TRIGGER IF EXISTS hotline_cases_deleted ON cases;
DROP TRIGGER IF EXISTS hotline_participants_inserted ON case_participants;
DROP TRIGGER IF EXISTS hotline_participants_updated ON case_participants;
DROP TRIGGER IF EXISTS hotline_participants_deleted ON case_participants;
DROP FUNCTION IF EXISTS hotline_notice_case_changes();
DROP FUNCTION IF EXISTS hotline_notice(text, uuid[]);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(manager, &sql()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(manager, DOWN).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

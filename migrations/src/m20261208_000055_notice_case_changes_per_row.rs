use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The change notices of 000053/000054, made cheap for the one-case steps. The statement-level
/// function ran seven queries on its transition tables, which PostgreSQL plans on every call:
/// 0.5–0.8 ms per statement once warm, about 2 ms added to a step that updates a case and a
/// participant (`EXPLAIN ANALYZE`, docs/BENCHMARKS.md). Now:
/// - an update or removal of a case or a participant notices per row: the row's own values and
///   one query over an index for the lines taking part (its plan is cached);
/// - an insert of cases (an intake batch, an import) stays per statement, with one query over
///   its new rows.
///
/// The payloads are those of 000053/000054: `c` + case ids, `t` + line ids, `k` + creator
/// ids. PostgreSQL drops a notice equal to one already sent in the same transaction, so a
/// batch of rows on one line sends its `t` once.
const SQL: &str = r#"
DROP TRIGGER IF EXISTS hotline_cases_updated ON cases;
DROP TRIGGER IF EXISTS hotline_cases_deleted ON cases;
DROP TRIGGER IF EXISTS hotline_participants_inserted ON case_participants;
DROP TRIGGER IF EXISTS hotline_participants_updated ON case_participants;
DROP TRIGGER IF EXISTS hotline_participants_deleted ON case_participants;

-- Sends `kind` + the ids, at most 200 to a notice (a notice holds 8,000 bytes).
CREATE OR REPLACE FUNCTION hotline_notice(kind text, ids uuid[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(cardinality(ids), 0) BY 200 LOOP
        PERFORM pg_notify('hotline_cache', kind || array_to_string(ids[i : i + 199], ','));
    END LOOP;
END $$;

-- New cases: only lists change (nothing can have kept a case not yet committed).
CREATE OR REPLACE FUNCTION hotline_notice_new_cases() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    lines uuid[];
    creators uuid[];
BEGIN
    SELECT array_agg(DISTINCT tenant_id), array_agg(DISTINCT created_by) FILTER (WHERE created_by IS NOT NULL)
        INTO lines, creators FROM new_rows;
    PERFORM hotline_notice('t', lines);
    PERFORM hotline_notice('k', creators);
    RETURN NULL;
END $$;

-- One changed case or participant row: that case, every line it concerns before and after
-- (its own, each line taking part), and who brought it in. Reads the participants as the
-- owner (SECURITY DEFINER, policy hotline_definer of 000051).
CREATE OR REPLACE FUNCTION hotline_notice_case_row() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    row_now record;
    case_id uuid;
    -- Before an update (OLD and NEW are not both set for an insert or a removal).
    was_line uuid;
    was_creator uuid;
    lines text;
    creators text;
BEGIN
    IF TG_OP = 'DELETE' THEN row_now := OLD; ELSE row_now := NEW; END IF;
    IF TG_OP = 'UPDATE' THEN was_line := OLD.tenant_id; END IF;
    IF TG_TABLE_NAME = 'cases' THEN
        case_id := row_now.id;
        IF TG_OP = 'UPDATE' THEN was_creator := OLD.created_by; END IF;
        SELECT string_agg(DISTINCT t::text, ','), string_agg(DISTINCT k::text, ',') INTO lines, creators FROM (
            SELECT row_now.tenant_id AS t, row_now.created_by AS k
            UNION ALL SELECT was_line, was_creator
            UNION ALL SELECT p.tenant_id, NULL FROM case_participants p WHERE p.case_id = row_now.id
        ) s;
    ELSE
        case_id := row_now.case_id;
        SELECT string_agg(DISTINCT t::text, ','), string_agg(DISTINCT k::text, ',') INTO lines, creators FROM (
            SELECT row_now.tenant_id AS t, NULL::uuid AS k
            UNION ALL SELECT was_line, NULL
            UNION ALL SELECT c.tenant_id, c.created_by FROM cases c WHERE c.id = row_now.case_id
            UNION ALL SELECT p.tenant_id, NULL FROM case_participants p WHERE p.case_id = row_now.case_id
        ) s;
    END IF;
    PERFORM pg_notify('hotline_cache', 'c' || case_id::text);
    IF lines IS NOT NULL THEN
        PERFORM pg_notify('hotline_cache', 't' || lines);
    END IF;
    IF creators IS NOT NULL THEN
        PERFORM pg_notify('hotline_cache', 'k' || creators);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS hotline_cases_inserted ON cases;
CREATE TRIGGER hotline_cases_inserted AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hotline_notice_new_cases();
CREATE TRIGGER hotline_cases_changed AFTER UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION hotline_notice_case_row();
CREATE TRIGGER hotline_participants_changed AFTER INSERT OR UPDATE OR DELETE ON case_participants
    FOR EACH ROW EXECUTE FUNCTION hotline_notice_case_row();
DROP FUNCTION IF EXISTS hotline_notice_case_changes();
"#;

/// Back to the statement-level notices: 000053's triggers with 000054's function.
const DOWN: &str = r#"
DROP TRIGGER IF EXISTS hotline_cases_inserted ON cases;
DROP TRIGGER IF EXISTS hotline_cases_changed ON cases;
DROP TRIGGER IF EXISTS hotline_participants_changed ON case_participants;
DROP FUNCTION IF EXISTS hotline_notice_case_row();
DROP FUNCTION IF EXISTS hotline_notice_new_cases();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(manager, SQL).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use super::{m20261207_000053_notice_case_changes as created, m20261207_000054_notice_case_creators as creators};
        crate::on_postgres(manager, &format!("{DOWN}{}{}", created::sql(), creators::SQL)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The SQL side of row-level security (PostgreSQL only; SQLite has none and relies on the
/// scoped repositories alone). The service sets `hotline.scope` on each connection it takes
/// from the pool (`hotline-store::scope`): `platform` for platform-wide work, a comma-separated
/// list of tenant ids for a line's staff, or nothing, which shows nothing (fail closed).
/// `hotline_case_joined` answers whether a tenant of the scope takes part in a case (联办): it
/// reads `case_participants` as the owner (SECURITY DEFINER), because the participants' own
/// policy asks the same question and would otherwise recurse.
const SQL: &str = r#"
CREATE OR REPLACE FUNCTION hotline_scope_setting() RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('hotline.scope', true), '') $$;

CREATE OR REPLACE FUNCTION hotline_scope_is_platform() RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT hotline_scope_setting() = 'platform' $$;

CREATE OR REPLACE FUNCTION hotline_scope_is_set() RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT hotline_scope_setting() <> '' $$;

CREATE OR REPLACE FUNCTION hotline_scope() RETURNS uuid[]
    LANGUAGE sql STABLE AS $$
        SELECT CASE WHEN hotline_scope_setting() IN ('', 'platform') THEN '{}'::uuid[]
                    ELSE string_to_array(hotline_scope_setting(), ',')::uuid[] END
    $$;

CREATE OR REPLACE FUNCTION hotline_visible(t uuid) RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT hotline_scope_is_platform() OR t = ANY(hotline_scope()) $$;

CREATE OR REPLACE FUNCTION hotline_case_joined(c uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT EXISTS (SELECT 1 FROM public.case_participants p
                       WHERE p.case_id = c AND p.tenant_id = ANY(public.hotline_scope()))
    $$;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(manager, SQL).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

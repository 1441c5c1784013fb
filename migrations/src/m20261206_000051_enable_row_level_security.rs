use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Row-level security on every tenant-owned table (PostgreSQL only), as defence in depth
/// behind the scoped repositories: a query that forgets its tenant still sees only the rows of
/// the scope its connection carries (`hotline_scope()`, see 000050). FORCE makes the owner
/// subject to the policies too, so a service that connects as the owner by mistake is still
/// fenced in; only superusers and roles with BYPASSRLS pass.
///
/// Five kinds of table:
/// - a tenant's own rows: visible when their tenant is in the scope;
/// - the cases family: also when a tenant of the scope takes part in the case (联办);
/// - records written across lines as a side effect (audit records, the outbox): any scoped
///   session may append one; reading, changing and removing follow the tenant;
/// - the statistics' counters: a joint case's events count under every line taking part and
///   under the line that received the case, inside the acting line's transaction, and an
///   upsert must read the row it adds to, so any scoped session reads and writes them (they
///   hold numbers, never a case or a person);
/// - children without a tenant column: visible when their parent row is.
const TENANT: &[&str] = &[
    "tenant_numbers",
    "units",
    "users",
    "sessions",
    "api_keys",
    "rule_sets",
    "sla_policies",
    "service_categories",
    "routing_models",
    "hot_spots",
    "kb_articles",
    "kb_article_versions",
    "kb_search_gaps",
];

/// `(table, column holding the case id)`.
const CASE_FAMILY: &[(&str, &str)] = &[
    ("cases", "id"),
    ("case_participants", "case_id"),
    ("case_events", "case_id"),
    ("routing_decisions", "case_id"),
    ("deadline_crossings", "case_id"),
    ("call_events", "case_id"),
];

const APPEND_ACROSS: &[&str] = &["audit_events", "outbox"];

const COUNTERS: &[&str] = &["stat_counters", "stat_handling"];

/// `(table, parent table, column referencing the parent's id)`.
const CHILDREN: &[(&str, &str, &str)] = &[
    ("refresh_tokens", "sessions", "session_id"),
    ("user_mfa", "users", "user_id"),
    ("mfa_recovery_codes", "users", "user_id"),
    ("hot_spot_cases", "hot_spots", "hot_spot_id"),
];

fn protect(table: &str) -> String {
    format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\nALTER TABLE {table} FORCE ROW LEVEL SECURITY;\n")
}

fn policy(table: &str, rule: &str) -> String {
    format!("CREATE POLICY hotline_scope ON {table} USING ({rule}) WITH CHECK ({rule});\n")
}

fn statements() -> String {
    let mut sql = String::new();
    for t in TENANT {
        sql += &protect(t);
        sql += &policy(t, "hotline_visible(tenant_id)");
    }
    for (t, case) in CASE_FAMILY {
        sql += &protect(t);
        sql += &policy(t, &format!("hotline_visible(tenant_id) OR ({case} IS NOT NULL AND hotline_case_joined({case}))"));
    }
    // hotline_case_joined reads the participants as the owner (SECURITY DEFINER); without this
    // the owner would meet the policy above again inside the function, which recurses.
    sql += "CREATE POLICY hotline_definer ON case_participants FOR SELECT TO CURRENT_USER USING (true);\n";
    for t in APPEND_ACROSS {
        sql += &protect(t);
        sql += &format!("CREATE POLICY hotline_scope_read ON {t} FOR SELECT USING (hotline_visible(tenant_id));\n");
        sql += &format!("CREATE POLICY hotline_scope_append ON {t} FOR INSERT WITH CHECK (hotline_scope_is_set());\n");
        sql += &format!(
            "CREATE POLICY hotline_scope_change ON {t} FOR UPDATE USING (hotline_visible(tenant_id)) WITH CHECK (hotline_visible(tenant_id));\n"
        );
        sql += &format!("CREATE POLICY hotline_scope_remove ON {t} FOR DELETE USING (hotline_visible(tenant_id));\n");
    }
    for t in COUNTERS {
        sql += &protect(t);
        sql += &policy(t, "hotline_scope_is_set()");
    }
    for (t, parent, column) in CHILDREN {
        sql += &protect(t);
        sql += &policy(t, &format!("EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {t}.{column})"));
    }
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(manager, &statements()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

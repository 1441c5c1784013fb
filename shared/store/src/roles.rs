//! The database roles behind row-level security (PostgreSQL): the service connects as a role
//! that owns nothing and cannot bypass the policies; migrations run as the owner, which grants
//! the service's role what it needs after each run.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use crate::Store;

/// What the service's database role could do around row-level security.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleReport {
    pub role: String,
    pub superuser: bool,
    pub bypass_rls: bool,
    /// Tables of the schema this role owns (an owner can switch the policies off).
    pub owned_tables: Vec<String>,
}

impl RoleReport {
    /// Why this role is not fenced in by the policies; `None` when it is.
    pub fn weakness(&self) -> Option<String> {
        let mut why = Vec::new();
        if self.superuser {
            why.push("is a superuser".to_owned());
        }
        if self.bypass_rls {
            why.push("has BYPASSRLS".to_owned());
        }
        if !self.owned_tables.is_empty() {
            let shown: Vec<&str> = self.owned_tables.iter().take(3).map(String::as_str).collect();
            why.push(format!("owns {} table(s) ({}…)", self.owned_tables.len(), shown.join(", ")));
        }
        (!why.is_empty()).then(|| format!("the database role `{}` {}", self.role, why.join(" and ")))
    }
}

impl Store {
    /// The connected role's standing (PostgreSQL; `None` on SQLite, which has no roles).
    pub async fn role_report(&self) -> Result<Option<RoleReport>, DbErr> {
        if self.backend() != DbBackend::Postgres {
            return Ok(None);
        }
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_user::text AS role, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
            ))
            .await?
            .ok_or_else(|| DbErr::Custom("the connected role is not in pg_roles".into()))?;
        let owned = self
            .db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) \
                 ORDER BY 1",
            ))
            .await?;
        Ok(Some(RoleReport {
            role: row.try_get("", "role")?,
            superuser: row.try_get("", "rolsuper")?,
            bypass_rls: row.try_get("", "rolbypassrls")?,
            owned_tables: owned.iter().map(|r| r.try_get::<String>("", "name")).collect::<Result<_, _>>()?,
        }))
    }

    /// Grants the service's role (`role`) the rows it may use: reading and writing every table
    /// of the schema (the policies decide which rows), reading the migration history. Run by
    /// the owner after migrations, so tables added by a release are granted with it.
    pub async fn grant_service_role(&self, role: &str) -> Result<(), DbErr> {
        if self.backend() != DbBackend::Postgres {
            return Ok(());
        }
        let role = quote_ident(role);
        let sql = format!(
            "GRANT USAGE ON SCHEMA public TO {role};\n\
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};\n\
             REVOKE INSERT, UPDATE, DELETE ON seaql_migrations FROM {role};\n\
             GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};"
        );
        self.db.execute_unprepared(&sql).await.map(|_| ())
    }
}

/// The user name in a `postgres://USER[:PASSWORD]@HOST/DB` URL.
pub fn url_user(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let (auth, _) = rest.split_once('@')?;
    let user = auth.split(':').next()?;
    (!user.is_empty()).then(|| percent_decode(user))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_is_read_from_the_url() {
        assert_eq!(url_user("postgres://hotline_app:s3cret@db:5432/hotline").as_deref(), Some("hotline_app"));
        assert_eq!(url_user("postgres://app%40x@db/h").as_deref(), Some("app@x"));
        assert_eq!(url_user("postgres://db:5432/hotline"), None);
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn a_weak_role_says_why() {
        let fenced = RoleReport { role: "app".into(), superuser: false, bypass_rls: false, owned_tables: vec![] };
        assert_eq!(fenced.weakness(), None);
        let owner = RoleReport { owned_tables: vec!["cases".into()], bypass_rls: true, ..fenced };
        assert_eq!(owner.weakness().unwrap(), "the database role `app` has BYPASSRLS and owns 1 table(s) (cases…)");
    }
}

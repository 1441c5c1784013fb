use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::keys::{KEYS, KeySpec};
use crate::parse;

/// Where a value came from, so an error can say which line to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Default,
    File(PathBuf),
    Env(String),
}

impl Source {
    fn describe(&self, key: &KeySpec) -> String {
        match self {
            Source::Default => format!("default of `{}`", key.name),
            Source::File(p) => format!("`{}` in {}", key.name, p.display()),
            Source::Env(var) => format!("environment variable {var}"),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("unknown configuration key `{key}` in {source_name}; known keys are listed by --help")]
    UnknownKey { key: String, source_name: String },
    #[error("invalid value for {place}: {reason}")]
    Invalid { key: &'static str, place: String, reason: String },
    #[error("cannot read configuration file {path}: {reason}")]
    File { path: String, reason: String },
}

impl ConfigError {
    /// The configuration key the error is about, for tests and tooling.
    pub fn key(&self) -> &str {
        match self {
            ConfigError::UnknownKey { key, .. } => key,
            ConfigError::Invalid { key, .. } => key,
            ConfigError::File { .. } => "config",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A signing key of the server-side JWT key set.
#[derive(Debug, Clone)]
pub struct JwtKeySpec {
    pub kid: String,
    pub secret: SecretString,
}

/// A request budget: at most `count` requests per `period` (fixed windows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub period: Duration,
}

/// The validated configuration of a Hotline process.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub database_kind: DatabaseKind,
    /// The schema owner's URL for migrations; `None` = `database_url`.
    pub migration_database_url: Option<SecretString>,
    pub database_max_connections: u32,
    /// How long a request waits for a database connection before it is answered 503.
    pub database_acquire_timeout: Duration,
    pub run_migrations: bool,
    pub redis_url: Option<String>,
    pub kv_prefix: String,
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    pub jwt_keys: Vec<JwtKeySpec>,
    pub jwt_active_kid: Option<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub worker_embedded: bool,
    pub sweep_interval: Duration,
    pub model_training_interval: Duration,
    pub pii_key: Option<SecretString>,
    pub public_rate_limit_per_hour: u32,
    /// Sign-in requests (API and console, password and second-factor steps) per client address.
    pub rate_limit_login: RateLimit,
    /// Knowledge-base searches per account or integrator key.
    pub rate_limit_kb_search: RateLimit,
    /// Open311 POSTs per integrator key, and per client address.
    pub rate_limit_open311_post: RateLimit,
    /// Clients reach the service over HTTPS: answers carry Strict-Transport-Security.
    pub behind_tls: bool,
    pub password_hash_concurrency: u32,
    /// Cases and list pages each API process keeps for reads (PostgreSQL; 0 = off).
    pub read_cache_cases: u32,
    pub read_cache_pages: u32,
    pub trust_proxy_headers: bool,
    /// The console's cookies carry `Secure` (browsers then send them over HTTPS and to localhost only).
    pub console_secure_cookies: bool,
    pub demo: bool,
    pub demo_password: Option<SecretString>,
    pub bootstrap_password: Option<SecretString>,
    /// `/metrics` answers only with this bearer token; `None` = off.
    pub metrics_token: Option<SecretString>,
    pub log_level: String,
    pub log_format: LogFormat,
    /// How long audit records are kept (≥ 183 days).
    pub audit_retention: Duration,
    /// Roles (by name) whose accounts need a second factor; `auto` already resolved.
    pub mfa_required_roles: Vec<String>,
}

/// The shortest retention accepted: six months, as 网络安全法 art. 21 asks of network logs.
pub const MIN_AUDIT_RETENTION: Duration = Duration::from_secs(183 * 86_400);

/// The roles a second factor can be required of (the staff roles; kept in step with
/// `hotline_domain::Role` by a test in hotline-api).
pub const STAFF_ROLE_NAMES: &[&str] =
    &["city_admin", "security_admin", "city_supervisor", "agent", "dispatcher", "tenant_admin", "unit_lead", "unit_handler", "auditor"];

/// What `mfa_required_roles = auto` means outside the demo: the administrators and auditors.
pub const MFA_AUTO_ROLES: &[&str] = &["city_admin", "security_admin", "tenant_admin", "auditor"];

/// Environment variables with this prefix belong to the test harness, not to the service.
const TEST_ENV_PREFIX: &str = "HOTLINE_TEST_";
/// Names the configuration file; read before the file itself, so it is not a file key.
pub const CONFIG_FILE_ENV: &str = "HOTLINE_CONFIG";

impl Settings {
    /// Defaults only (what a bare `cargo run` gets).
    pub fn defaults() -> Self {
        Self::load(None, std::iter::empty()).expect("built-in defaults are valid")
    }

    /// Loads defaults, then `file` (TOML, flat keys), then `HOTLINE_*` variables from `env`.
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut raw: BTreeMap<&'static str, (String, Source)> =
            KEYS.iter().map(|k| (k.name, (k.default.to_owned(), Source::Default))).collect();

        if let Some(path) = file {
            for (name, value) in read_file(path)? {
                let key = find_key(&name)
                    .ok_or_else(|| ConfigError::UnknownKey { key: name.clone(), source_name: path.display().to_string() })?;
                raw.insert(key.name, (value, Source::File(path.to_owned())));
            }
        }

        for (var, value) in env {
            let Some(rest) = var.strip_prefix("HOTLINE_") else { continue };
            if var.starts_with(TEST_ENV_PREFIX) || var == CONFIG_FILE_ENV {
                continue;
            }
            let key = find_key(&rest.to_ascii_lowercase())
                .ok_or_else(|| ConfigError::UnknownKey { key: var.clone(), source_name: "the environment".into() })?;
            raw.insert(key.name, (value, Source::Env(var.clone())));
        }

        Raw(raw).build()
    }

    /// Where migrations run: `migration_database_url`, else `database_url`.
    pub fn migration_url_exposed(&self) -> &str {
        self.migration_database_url.as_ref().map(|s| s.expose_secret()).unwrap_or(&self.database_url)
    }

    pub fn smtp_url_exposed(&self) -> Option<&str> {
        self.smtp_url.as_ref().map(|s| s.expose_secret())
    }
}

fn find_key(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| k.name == name)
}

fn read_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File { path: path.display().to_string(), reason: e.to_string() })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::File { path: path.display().to_string(), reason: e.message().to_owned() })?;
    table
        .into_iter()
        .map(|(k, v)| {
            let value = match v {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(ConfigError::File {
                        path: path.display().to_string(),
                        reason: format!("`{k}` must be a string, number or boolean, not {}", other.type_str()),
                    });
                }
            };
            Ok((k, value))
        })
        .collect()
}

struct Raw(BTreeMap<&'static str, (String, Source)>);

impl Raw {
    fn get(&self, name: &'static str) -> (&str, &Source, &'static KeySpec) {
        let (v, s) = &self.0[name];
        (v.as_str(), s, find_key(name).expect("every raw entry is a known key"))
    }

    fn typed<T>(&self, name: &'static str, f: impl Fn(&str) -> Result<T, String>) -> Result<T, ConfigError> {
        let (value, source, spec) = self.get(name);
        f(value).map_err(|reason| ConfigError::Invalid { key: spec.name, place: source.describe(spec), reason })
    }

    fn string(&self, name: &'static str) -> String {
        self.get(name).0.trim().to_owned()
    }

    fn optional(&self, name: &'static str) -> Option<String> {
        Some(self.string(name)).filter(|s| !s.is_empty())
    }

    fn invalid(&self, name: &'static str, reason: impl Into<String>) -> ConfigError {
        let (_, source, spec) = self.get(name);
        ConfigError::Invalid { key: spec.name, place: source.describe(spec), reason: reason.into() }
    }

    fn build(self) -> Result<Settings, ConfigError> {
        let bind = self.typed("bind", |v| {
            v.parse::<std::net::SocketAddr>().map(|_| v.to_owned()).map_err(|_| format!("'{v}' is not an address such as 127.0.0.1:8080"))
        })?;
        let database_url = self.string("database_url");
        let database_kind = self.typed("database_url", |v| {
            if v.starts_with("sqlite:") && v.contains(":memory:") {
                // Each connection of the pool (and the intake writer's) would have a database
                // of its own, and everything would be gone at exit.
                Err("names an in-memory database, which the connections would not share: name a file (sqlite://PATH)".into())
            } else if v.starts_with("sqlite:") {
                Ok(DatabaseKind::Sqlite)
            } else if v.starts_with("postgres://") || v.starts_with("postgresql://") {
                Ok(DatabaseKind::Postgres)
            } else {
                Err("must start with sqlite: or postgres://".into())
            }
        })?;
        let migration_database_url = self.optional("migration_database_url");
        if let Some(url) = &migration_database_url {
            if database_kind != DatabaseKind::Postgres {
                return Err(self.invalid("migration_database_url", "is for PostgreSQL only (SQLite has one user)"));
            }
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(self.invalid("migration_database_url", "must start with postgres://"));
            }
        }
        let redis_url = self.optional("redis_url");
        if let Some(url) = &redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            return Err(self.invalid("redis_url", "must start with redis:// or rediss://"));
        }
        let smtp_url = self.optional("smtp_url");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(self.invalid("smtp_url", "must start with smtp:// or smtps://"));
        }
        let jwt_keys = self.jwt_keys()?;
        let jwt_active_kid = self.optional("jwt_active_kid");
        if let Some(kid) = &jwt_active_kid
            && !jwt_keys.iter().any(|k| &k.kid == kid)
        {
            return Err(self.invalid("jwt_active_kid", format!("'{kid}' is not a KID listed in jwt_keys")));
        }
        if jwt_keys.is_empty() && database_kind == DatabaseKind::Postgres {
            // Replicas must share signing keys, and tokens must survive a rolling upgrade.
            return Err(self.invalid("jwt_keys", "must be set when the database is PostgreSQL (replicas share the keys)"));
        }
        let pii_key = self.optional("pii_key");
        if pii_key.as_ref().is_some_and(|k| k.len() < 32) {
            return Err(self.invalid("pii_key", "the secret must have at least 32 bytes"));
        }
        if pii_key.is_none() && database_kind == DatabaseKind::Postgres {
            // A generated key kept beside the data it protects is no protection in production.
            return Err(self.invalid("pii_key", "must be set when the database is PostgreSQL"));
        }
        let log_format = self.typed("log_format", |v| match v {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("'{v}' is not text or json")),
        })?;
        let kv_prefix = self.string("kv_prefix");
        if kv_prefix.is_empty() || kv_prefix.len() > 64 {
            return Err(self.invalid("kv_prefix", "must have 1 to 64 characters"));
        }
        let access_token_ttl = self.typed("access_token_ttl", parse::duration)?;
        let refresh_token_ttl = self.typed("refresh_token_ttl", parse::duration)?;
        if refresh_token_ttl <= access_token_ttl {
            return Err(self.invalid("refresh_token_ttl", "must be longer than access_token_ttl"));
        }
        let metrics_token = self.optional("metrics_token");
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16 || t.chars().any(|c| c.is_whitespace() || c.is_control())) {
            // A scraper's credential: long enough not to be guessed, and sendable in a header.
            return Err(self.invalid("metrics_token", "must have at least 16 characters and no spaces"));
        }
        let secret = |name: &'static str| self.optional(name).map(SecretString::from);
        let demo = self.typed("demo", parse::boolean)?;
        let audit_retention = self.typed("audit_retention", parse::duration)?;
        if audit_retention < MIN_AUDIT_RETENTION {
            return Err(self.invalid("audit_retention", "must be at least 183d (six months)"));
        }
        let mfa_required_roles = self.typed("mfa_required_roles", |v| mfa_roles(v, demo))?;
        Ok(Settings {
            bind,
            database_url,
            database_kind,
            migration_database_url: migration_database_url.map(SecretString::from),
            database_max_connections: self.typed("database_max_connections", parse::positive)?,
            database_acquire_timeout: self.typed("database_acquire_timeout", parse::duration)?,
            run_migrations: self.typed("run_migrations", parse::boolean)?,
            redis_url,
            kv_prefix,
            smtp_url: smtp_url.map(SecretString::from),
            mail_from: self.string("mail_from"),
            jwt_keys,
            jwt_active_kid,
            jwt_issuer: self.non_empty("jwt_issuer")?,
            jwt_audience: self.non_empty("jwt_audience")?,
            access_token_ttl,
            refresh_token_ttl,
            worker_embedded: self.typed("worker_embedded", parse::boolean)?,
            sweep_interval: self.typed("sweep_interval", parse::duration)?,
            model_training_interval: self.typed("model_training_interval", parse::duration)?,
            pii_key: pii_key.map(SecretString::from),
            public_rate_limit_per_hour: self.typed("public_rate_limit_per_hour", parse::positive)?,
            rate_limit_login: self.typed("rate_limit_login", parse::rate)?,
            rate_limit_kb_search: self.typed("rate_limit_kb_search", parse::rate)?,
            rate_limit_open311_post: self.typed("rate_limit_open311_post", parse::rate)?,
            behind_tls: self.typed("behind_tls", parse::boolean)?,
            password_hash_concurrency: self.typed("password_hash_concurrency", parse::positive)?,
            read_cache_cases: self.typed("read_cache_cases", parse::count)?,
            read_cache_pages: self.typed("read_cache_pages", parse::count)?,
            trust_proxy_headers: self.typed("trust_proxy_headers", parse::boolean)?,
            console_secure_cookies: self.typed("console_secure_cookies", parse::boolean)?,
            demo,
            demo_password: secret("demo_password"),
            bootstrap_password: secret("bootstrap_password"),
            metrics_token: metrics_token.map(SecretString::from),
            log_level: self.string("log_level"),
            log_format,
            audit_retention,
            mfa_required_roles,
        })
    }

    fn non_empty(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or_else(|| self.invalid(name, "must not be empty"))
    }

    fn jwt_keys(&self) -> Result<Vec<JwtKeySpec>, ConfigError> {
        let Some(value) = self.optional("jwt_keys") else { return Ok(Vec::new()) };
        let mut keys: Vec<JwtKeySpec> = Vec::new();
        for (i, pair) in value.split(',').map(str::trim).filter(|p| !p.is_empty()).enumerate() {
            // Never echo the secret: the message names the position only.
            let Some((kid, secret)) = pair.split_once(':') else {
                return Err(self.invalid("jwt_keys", format!("entry {} is not KID:SECRET", i + 1)));
            };
            let kid = kid.trim();
            if kid.is_empty() || !kid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(self.invalid("jwt_keys", format!("entry {}: a KID has letters, digits, '-' or '_'", i + 1)));
            }
            if secret.len() < 32 {
                return Err(self.invalid("jwt_keys", format!("entry {} ({kid}): the secret must have at least 32 bytes", i + 1)));
            }
            if keys.iter().any(|k| k.kid == kid) {
                return Err(self.invalid("jwt_keys", format!("KID {kid} is listed twice")));
            }
            keys.push(JwtKeySpec { kid: kid.to_owned(), secret: SecretString::from(secret.to_owned()) });
        }
        Ok(keys)
    }
}

/// `auto`, `none`, or a comma list of staff roles.
fn mfa_roles(value: &str, demo: bool) -> Result<Vec<String>, String> {
    match value.trim() {
        "auto" if demo => Ok(Vec::new()),
        "auto" => Ok(MFA_AUTO_ROLES.iter().map(|r| r.to_string()).collect()),
        "none" | "" => Ok(Vec::new()),
        list => list
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| {
                if STAFF_ROLE_NAMES.contains(&r) {
                    Ok(r.to_owned())
                } else {
                    Err(format!("'{r}' is not a staff role (one of {}), auto or none", STAFF_ROLE_NAMES.join(", ")))
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;

/// One configuration key. `name` is the key in the TOML file; the environment variable is
/// `HOTLINE_` + the name in upper case.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub name: &'static str,
    pub default: &'static str,
    pub help: &'static str,
    /// Secrets are never echoed back in error messages or logs.
    pub secret: bool,
}

impl KeySpec {
    pub fn env(&self) -> String {
        format!("HOTLINE_{}", self.name.to_ascii_uppercase())
    }
}

const fn key(name: &'static str, default: &'static str, help: &'static str) -> KeySpec {
    KeySpec { name, default, help, secret: false }
}

const fn secret(name: &'static str, help: &'static str) -> KeySpec {
    KeySpec { name, default: "", help, secret: true }
}

/// Every setting the services know. An unknown key in the file or an unknown `HOTLINE_*`
/// variable stops the start (a typo must not silently fall back to a default).
pub const KEYS: &[KeySpec] = &[
    key("bind", "127.0.0.1:8080", "Address and port the HTTP server listens on (port 0 picks a free port)."),
    key(
        "database_url",
        "sqlite://hotline-data/hotline.db",
        "sqlite://PATH (embedded, created on first start, WAL) or postgres://USER@HOST:PORT/DB (production).",
    ),
    secret(
        "migration_database_url",
        "postgres://OWNER:PASSWORD@HOST:PORT/DB: the role that owns the schema, runs the migrations and grants database_url's role its rights (row-level security: the service's own role must own nothing). Empty = database_url.",
    ),
    key("database_max_connections", "16", "Size of the database connection pool (the API's intake writer opens 2 more of its own)."),
    key(
        "database_acquire_timeout",
        "10s",
        "How long a request waits for a database connection (all busy, or the database unreachable) before it is answered 503 `unavailable` (e.g. 10s, 500ms).",
    ),
    key("run_migrations", "true", "Apply pending migrations at start. Set false in production where a migration job runs them."),
    key(
        "redis_url",
        "",
        "redis://HOST:PORT/DB for rate limits, throttling and locks shared by replicas; empty = in-process store (single process only).",
    ),
    key("kv_prefix", "hotline:", "Prefix of every key this deployment writes to Redis (lets several deployments share one Redis)."),
    key("smtp_url", "", "smtp://HOST:PORT or smtps://USER:PASS@HOST:PORT for outgoing e-mail; empty = e-mails are written to the log."),
    key("mail_from", "Hotline 12345 <noreply@hotline.invalid>", "Sender address of notification e-mails."),
    secret(
        "jwt_keys",
        "Signing keys for access tokens as KID:SECRET pairs separated by commas (SECRET ≥ 32 bytes). Old keys stay listed until their tokens expire. Empty = a random key per process (tokens do not survive a restart; refused with PostgreSQL).",
    ),
    key("jwt_active_kid", "", "The KID of jwt_keys that signs new tokens; empty = the first one."),
    key("jwt_issuer", "hotline", "The `iss` claim written into and required of access tokens."),
    key("jwt_audience", "hotline-api", "The `aud` claim written into and required of access tokens."),
    key("access_token_ttl", "15m", "Lifetime of an access token (e.g. 15m, 1h)."),
    key("refresh_token_ttl", "14d", "Lifetime of a refresh token family without use (e.g. 14d)."),
    secret(
        "pii_key",
        "Secret (at least 32 bytes) from which the keys that encrypt caller names and phone numbers at rest are derived. Empty = a key generated once and kept in the database (embedded profile only; refused with PostgreSQL).",
    ),
    key(
        "public_rate_limit_per_hour",
        "60",
        "Requests per hour one client address may make to the public (no account) endpoints: intake, tracking, rating, knowledge search and articles (API and citizen portal). Over it: 429 rate_limited with Retry-After.",
    ),
    key(
        "rate_limit_login",
        "60/1m",
        "Sign-in requests (API and console; password and second-factor steps) one client address may make, as COUNT/PERIOD. Failed attempts are slowed further per account.",
    ),
    key(
        "rate_limit_kb_search",
        "120/1m",
        "Knowledge-base searches (GET /api/v1/kb/search) one account or integrator key may make, as COUNT/PERIOD.",
    ),
    key(
        "rate_limit_open311_post",
        "600/1h",
        "Open311 POSTs (requests, request updates) one integrator key may make, and as many one client address may make, as COUNT/PERIOD.",
    ),
    key(
        "behind_tls",
        "false",
        "Clients reach the service over HTTPS (directly or through a TLS-terminating proxy): every answer carries Strict-Transport-Security (one year). Leave false on plain HTTP.",
    ),
    key(
        "worker_embedded",
        "true",
        "Run the worker (deadline sweeps) inside the API process. Set false when hotline-worker runs as its own deployment.",
    ),
    key(
        "sweep_interval",
        "60s",
        "How often the worker sweeps deadlines for reminders (催办) and supervision (督办), and looks for hot spots (热点).",
    ),
    key(
        "model_training_interval",
        "1h",
        "How often the worker retrains the learned routing models (a tenant's model only when its dispatched cases changed).",
    ),
    key(
        "read_cache_cases",
        "50000",
        "Cases each API process keeps in memory for reads (PostgreSQL only: dropped when the database announces a change); 0 = off.",
    ),
    key(
        "read_cache_pages",
        "2000",
        "List pages each API process keeps in memory for reads (PostgreSQL only, as read_cache_cases); 0 = off.",
    ),
    key(
        "password_hash_concurrency",
        "2",
        "How many argon2id hashes may run at once (each takes 19 MiB); protects the server from login floods.",
    ),
    key(
        "console_secure_cookies",
        "true",
        "Mark the web console's cookies Secure (sent over HTTPS and to localhost only). Set false only for a plain-HTTP trial on an intranet address.",
    ),
    key("trust_proxy_headers", "false", "Take the client address from X-Forwarded-For (only behind a trusted reverse proxy)."),
    key("demo", "false", "Seed the demo city (12345 and eight lines, units and one user per role) into an empty database."),
    secret("demo_password", "Password of every demo user; empty = a random one, printed once."),
    secret("bootstrap_password", "Password of the first city_admin created on an empty database; empty = a random one, printed once."),
    secret(
        "metrics_token",
        "Bearer token a Prometheus scraper sends to GET /metrics (Authorization: Bearer TOKEN). Empty = /metrics is off (404).",
    ),
    key(
        "audit_retention",
        "183d",
        "How long audit records are kept (at least 183d: the Cybersecurity Law asks for six months). The worker prunes older ones; the chain stays verifiable from its anchor.",
    ),
    key(
        "mfa_required_roles",
        "auto",
        "Roles whose accounts must sign in with a TOTP second factor: a comma list of roles, none, or auto = city_admin, security_admin, tenant_admin and auditor, except with demo = true (none, so the quick start signs in with a password).",
    ),
    key("log_level", "info", "Log filter: error, warn, info, debug, trace, or a tracing directive list."),
    key("log_format", "text", "Log output: text (for people) or json (for log shippers)."),
];

/// The `--help` appendix: every key with its variable and default.
pub fn help_table() -> String {
    let mut out = String::from("Configuration (file key / environment variable, default):\n");
    for k in KEYS {
        let default = if k.default.is_empty() { "(empty)" } else { k.default };
        out.push_str(&format!("  {:<26} {}\n      default: {}\n      {}\n", k.name, k.env(), default, k.help));
    }
    out
}

/// The README's configuration table, regenerated by `hotline-api config`.
pub fn markdown_table() -> String {
    let mut out = String::from("| key (file) | environment | default | meaning |\n|---|---|---|---|\n");
    for k in KEYS {
        out.push_str(&format!("| `{}` | `{}` | `{}` | {} |\n", k.name, k.env(), k.default, k.help));
    }
    out
}

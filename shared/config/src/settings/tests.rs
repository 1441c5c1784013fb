use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

const KEY: &str = "k1:0123456789abcdef0123456789abcdef";

#[test]
fn defaults_give_the_embedded_profile() {
    let s = Settings::defaults();
    assert_eq!(s.database_kind, DatabaseKind::Sqlite);
    assert!(s.redis_url.is_none());
    assert!(s.run_migrations);
    assert_eq!(s.access_token_ttl, Duration::from_secs(900));
}

#[test]
fn environment_overrides_defaults() {
    let s = Settings::load(None, env(&[("HOTLINE_BIND", "0.0.0.0:9000"), ("HOTLINE_DEMO", "true"), ("PATH", "/bin")])).unwrap();
    assert_eq!(s.bind, "0.0.0.0:9000");
    assert!(s.demo);
}

#[test]
fn unknown_environment_variable_is_named() {
    let err = Settings::load(None, env(&[("HOTLINE_DATABSE_URL", "sqlite://x.db")])).unwrap_err();
    assert_eq!(err.key(), "HOTLINE_DATABSE_URL");
    assert!(err.to_string().contains("HOTLINE_DATABSE_URL"));
}

#[test]
fn test_harness_variables_are_not_settings() {
    assert!(Settings::load(None, env(&[("HOTLINE_TEST_DATABASE_URL", "postgres://x")])).is_ok());
}

#[test]
fn invalid_values_name_their_key_and_source() {
    let err = Settings::load(None, env(&[("HOTLINE_DATABASE_MAX_CONNECTIONS", "many")])).unwrap_err();
    assert_eq!(err.key(), "database_max_connections");
    assert!(err.to_string().contains("HOTLINE_DATABASE_MAX_CONNECTIONS"), "{err}");
    for (var, key) in [
        ("HOTLINE_BIND", "bind"),
        ("HOTLINE_DATABASE_URL", "database_url"),
        ("HOTLINE_REDIS_URL", "redis_url"),
        ("HOTLINE_SMTP_URL", "smtp_url"),
        ("HOTLINE_ACCESS_TOKEN_TTL", "access_token_ttl"),
        ("HOTLINE_LOG_FORMAT", "log_format"),
        ("HOTLINE_DEMO", "demo"),
    ] {
        let err = Settings::load(None, env(&[(var, "nonsense")])).unwrap_err();
        assert_eq!(err.key(), key, "{var}");
    }
}

#[test]
fn an_in_memory_sqlite_database_is_refused_with_the_reason() {
    for url in ["sqlite::memory:", "sqlite://:memory:", "sqlite:file::memory:?cache=shared"] {
        let err = Settings::load(None, env(&[("HOTLINE_DATABASE_URL", url)])).unwrap_err();
        assert_eq!(err.key(), "database_url", "{url}");
        assert!(err.to_string().contains("name a file"), "{err}");
    }
    let s = Settings::load(None, env(&[("HOTLINE_DATABASE_URL", "sqlite://data/h.db"), ("HOTLINE_DATABASE_ACQUIRE_TIMEOUT", "750ms")]));
    assert_eq!(s.unwrap().database_acquire_timeout, std::time::Duration::from_millis(750));
}

#[test]
fn postgres_requires_shared_jwt_keys() {
    let err = Settings::load(None, env(&[("HOTLINE_DATABASE_URL", "postgres://postgres@127.0.0.1/h")])).unwrap_err();
    assert_eq!(err.key(), "jwt_keys");
    let err =
        Settings::load(None, env(&[("HOTLINE_DATABASE_URL", "postgres://postgres@127.0.0.1/h"), ("HOTLINE_JWT_KEYS", KEY)])).unwrap_err();
    assert_eq!(err.key(), "pii_key");
    let ok = Settings::load(
        None,
        env(&[
            ("HOTLINE_DATABASE_URL", "postgres://postgres@127.0.0.1/h"),
            ("HOTLINE_JWT_KEYS", KEY),
            ("HOTLINE_PII_KEY", "pii-secret-pii-secret-pii-secret-0123"),
        ]),
    );
    assert_eq!(ok.unwrap().database_kind, DatabaseKind::Postgres);
    let err = Settings::load(None, env(&[("HOTLINE_PII_KEY", "short")])).unwrap_err();
    assert_eq!(err.key(), "pii_key");
}

#[test]
fn jwt_keys_are_checked_without_echoing_secrets() {
    let err = Settings::load(None, env(&[("HOTLINE_JWT_KEYS", "k1:short-secret-value")])).unwrap_err();
    assert_eq!(err.key(), "jwt_keys");
    assert!(!err.to_string().contains("short-secret-value"));
    let err = Settings::load(None, env(&[("HOTLINE_JWT_KEYS", KEY), ("HOTLINE_JWT_ACTIVE_KID", "k2")])).unwrap_err();
    assert_eq!(err.key(), "jwt_active_kid");
    let dup = format!("{KEY},{KEY}");
    assert_eq!(Settings::load(None, env(&[("HOTLINE_JWT_KEYS", &dup)])).unwrap_err().key(), "jwt_keys");
}

#[test]
fn refresh_tokens_outlive_access_tokens() {
    let err = Settings::load(None, env(&[("HOTLINE_REFRESH_TOKEN_TTL", "5m")])).unwrap_err();
    assert_eq!(err.key(), "refresh_token_ttl");
}

#[test]
fn file_values_sit_between_defaults_and_environment() {
    let dir = std::env::temp_dir().join(format!("hotline-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hotline.toml");
    std::fs::write(&path, "bind = \"127.0.0.1:7000\"\ndatabase_max_connections = 4\ndemo = true\n").unwrap();
    let s = Settings::load(Some(&path), env(&[("HOTLINE_BIND", "127.0.0.1:7001")])).unwrap();
    assert_eq!(s.bind, "127.0.0.1:7001");
    assert_eq!(s.database_max_connections, 4);
    assert!(s.demo);

    std::fs::write(&path, "bnd = \"127.0.0.1:7000\"\n").unwrap();
    let err = Settings::load(Some(&path), env(&[])).unwrap_err();
    assert_eq!(err.key(), "bnd");
    assert!(err.to_string().contains("hotline.toml"));

    std::fs::write(&path, "run_migrations = \"perhaps\"\n").unwrap();
    let err = Settings::load(Some(&path), env(&[])).unwrap_err();
    assert_eq!(err.key(), "run_migrations");
    assert!(err.to_string().contains("hotline.toml"));

    std::fs::write(&path, "bind = [1, 2]\n").unwrap();
    assert_eq!(Settings::load(Some(&path), env(&[])).unwrap_err().key(), "config");
    std::fs::write(&path, "not toml at all = = =\n").unwrap();
    assert_eq!(Settings::load(Some(&path), env(&[])).unwrap_err().key(), "config");
    let missing = dir.join("missing.toml");
    assert_eq!(Settings::load(Some(&missing), env(&[])).unwrap_err().key(), "config");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn audit_retention_keeps_six_months_at_least() {
    assert_eq!(Settings::defaults().audit_retention, MIN_AUDIT_RETENTION);
    assert_eq!(Settings::load(None, env(&[("HOTLINE_AUDIT_RETENTION", "365d")])).unwrap().audit_retention.as_secs(), 365 * 86_400);
    let err = Settings::load(None, env(&[("HOTLINE_AUDIT_RETENTION", "30d")])).unwrap_err();
    assert_eq!(err.key(), "audit_retention");
}

#[test]
fn second_factors_are_required_of_officers_except_in_the_demo() {
    assert_eq!(Settings::defaults().mfa_required_roles, MFA_AUTO_ROLES);
    assert!(Settings::load(None, env(&[("HOTLINE_DEMO", "true")])).unwrap().mfa_required_roles.is_empty());
    let demo_but_asked = Settings::load(None, env(&[("HOTLINE_DEMO", "true"), ("HOTLINE_MFA_REQUIRED_ROLES", "auditor, agent")]));
    assert_eq!(demo_but_asked.unwrap().mfa_required_roles, ["auditor", "agent"]);
    assert!(Settings::load(None, env(&[("HOTLINE_MFA_REQUIRED_ROLES", "none")])).unwrap().mfa_required_roles.is_empty());
    let err = Settings::load(None, env(&[("HOTLINE_MFA_REQUIRED_ROLES", "king")])).unwrap_err();
    assert_eq!(err.key(), "mfa_required_roles");
    assert!(err.to_string().contains("king"), "{err}");
}

#[test]
fn every_key_is_documented() {
    for k in KEYS {
        assert!(!k.help.is_empty(), "{}", k.name);
        assert!(crate::help_table().contains(&k.env()));
        assert!(crate::markdown_table().contains(&k.env()));
    }
}

#[test]
fn request_budgets_and_hsts_are_configurable_and_checked() {
    let d = Settings::defaults();
    assert_eq!(d.rate_limit_login, crate::RateLimit { count: 60, period: Duration::from_secs(60) });
    assert!(!d.behind_tls, "no HSTS on plain HTTP by default");
    let s = Settings::load(None, env(&[("HOTLINE_RATE_LIMIT_OPEN311_POST", "5/1h"), ("HOTLINE_BEHIND_TLS", "true")])).unwrap();
    assert_eq!(s.rate_limit_open311_post, crate::RateLimit { count: 5, period: Duration::from_secs(3600) });
    assert!(s.behind_tls);
    let err = Settings::load(None, env(&[("HOTLINE_RATE_LIMIT_KB_SEARCH", "lots")])).unwrap_err();
    assert_eq!(err.key(), "rate_limit_kb_search");
    assert!(err.to_string().contains("HOTLINE_RATE_LIMIT_KB_SEARCH"), "{err}");
}

#[test]
fn migrations_may_run_as_another_role_on_postgresql_only() {
    let pg = [
        ("HOTLINE_DATABASE_URL", "postgres://hotline_app@127.0.0.1/h"),
        ("HOTLINE_JWT_KEYS", KEY),
        ("HOTLINE_PII_KEY", "pii-secret-pii-secret-pii-secret-0123"),
    ];
    let same = Settings::load(None, env(&pg)).unwrap();
    assert_eq!(same.migration_url_exposed(), "postgres://hotline_app@127.0.0.1/h");
    let mut split = pg.to_vec();
    split.push(("HOTLINE_MIGRATION_DATABASE_URL", "postgres://hotline_owner@127.0.0.1/h"));
    assert_eq!(Settings::load(None, env(&split)).unwrap().migration_url_exposed(), "postgres://hotline_owner@127.0.0.1/h");
    let err = Settings::load(None, env(&[("HOTLINE_MIGRATION_DATABASE_URL", "postgres://o@127.0.0.1/h")])).unwrap_err();
    assert_eq!(err.key(), "migration_database_url", "SQLite has no roles to split");
    let mut wrong = pg.to_vec();
    wrong.push(("HOTLINE_MIGRATION_DATABASE_URL", "mysql://o@127.0.0.1/h"));
    assert_eq!(Settings::load(None, env(&wrong)).unwrap_err().key(), "migration_database_url");
}

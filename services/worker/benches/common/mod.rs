//! What the benchmarks share: their settings from the environment and a database of their own
//! on the server they are pointed at.

/// A numeric setting, or its default.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The server the bench creates its database on (`HOTLINE_BENCH_DATABASE_URL`).
pub fn admin_url() -> String {
    std::env::var("HOTLINE_BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `url` with its database name replaced by `name`.
pub fn with_db(url: &str, name: &str) -> String {
    match url.rfind('/') {
        Some(i) => format!("{}/{name}", &url[..i]),
        None => panic!("no database name in {url}"),
    }
}

/// `cargo test --benches` runs each bench with `--list`: answer with nothing.
pub fn listing() -> bool {
    std::env::args().any(|a| a == "--list")
}

/// The settings a bench's application runs with, on the database at `url`.
pub fn settings(url: &str) -> anyhow::Result<hotline_config::Settings> {
    let env = [
        ("HOTLINE_DATABASE_URL", url),
        ("HOTLINE_DATABASE_MAX_CONNECTIONS", "8"),
        ("HOTLINE_JWT_KEYS", "bench:bench-secret-0123456789abcdef0123456789abcdef"),
        ("HOTLINE_PII_KEY", "bench-pii-secret-0123456789abcdef0123"),
        ("HOTLINE_LOG_LEVEL", "warn"),
    ];
    Ok(hotline_config::Settings::load(None, env.iter().map(|(k, v)| (k.to_string(), v.to_string())))?)
}

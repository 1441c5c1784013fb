use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use hotline_api::Application;
use hotline_config::Settings;
use hotline_domain::ManualClock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub const DEMO_PASSWORD: &str = "demo-password-2026";
pub const JWT_SECRET: &str = "e2e-test-secret-0123456789abcdef0123";

/// Where this test's data lives, removed when the test ends.
pub enum TestDb {
    Sqlite(std::path::PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another instance's database, cleaned up by its owner.
    Borrowed,
}

impl TestDb {
    /// A fresh database: PostgreSQL when HOTLINE_TEST_DATABASE_URL names a server, otherwise
    /// a SQLite file in a temporary folder.
    pub async fn create() -> (Self, String) {
        match std::env::var("HOTLINE_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(admin_url) => {
                let name = format!("hotline_test_{}", Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(&admin_url).await.expect("connect to HOTLINE_TEST_DATABASE_URL");
                use sea_orm::ConnectionTrait;
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                // The service connects as a role of its own that owns nothing (row-level
                // security holds for it); migrations run as the admin URL's user, the owner.
                // Roles are cluster-wide: one per test database, dropped with it.
                let role = app_role(&name);
                admin.execute_unprepared(&format!("CREATE ROLE {role} LOGIN PASSWORD '{role}'")).await.expect("create the service's role");
                admin.close().await.ok();
                let db = TestDb::Postgres { admin_url, name };
                let url = db.url();
                (db, url)
            }
            None => {
                let dir = std::env::temp_dir().join(format!("hotline-e2e-{}", Uuid::new_v4()));
                let url = format!("sqlite://{}/hotline.db", dir.display());
                (TestDb::Sqlite(dir), url)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }

    /// The service's URL: on PostgreSQL as the test database's own role, which owns nothing.
    pub fn url(&self) -> String {
        match self {
            TestDb::Postgres { admin_url, name } => {
                let role = app_role(name);
                replace_db_user(&replace_db_name(admin_url, name), &format!("{role}:{role}"))
            }
            TestDb::Sqlite(dir) => format!("sqlite://{}/hotline.db", dir.display()),
            TestDb::Borrowed => panic!("a borrowed database has its URL with its owner"),
        }
    }

    /// The schema owner's URL (the admin URL's user), where migrations run; `None` on SQLite.
    pub fn owner_url(&self) -> Option<String> {
        match self {
            TestDb::Postgres { admin_url, name } => Some(replace_db_name(admin_url, name)),
            _ => None,
        }
    }
}

/// The service's role for test database `name` (unique, since roles are cluster-wide).
fn app_role(name: &str) -> String {
    format!("hotline_app_{}", name.trim_start_matches("hotline_test_"))
}

/// `url` with its user (and password) replaced by `user`.
fn replace_db_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.split_once('@').map(|(_, h)| h).unwrap_or(rest);
    format!("{scheme}://{user}@{host}")
}

/// The owner's URL for a test database the service reaches as `db_url` (PostgreSQL with the
/// test's own role), so migrations run as the owner; `None` otherwise.
fn owner_url_for(db_url: &str) -> Option<String> {
    let admin_url = std::env::var("HOTLINE_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
    let user = db_url.split_once("://")?.1.split_once('@')?.0.split(':').next()?;
    let name = format!("hotline_test_{}", user.strip_prefix("hotline_app_")?);
    Some(replace_db_name(&admin_url, &name))
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map(|(b, q)| (b, Some(q))).unwrap_or((url, None));
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Borrowed => {}
            TestDb::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { admin_url, name } => {
                let (url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: clean up on a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    rt.block_on(async {
                        use sea_orm::ConnectionTrait;
                        if let Ok(admin) = sea_orm::Database::connect(&url).await {
                            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                            let _ = admin.execute_unprepared(&format!("DROP ROLE IF EXISTS {}", app_role(&name))).await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// The kv prefix of this test; its Redis keys are deleted when the test ends.
pub struct TestKv {
    pub url: Option<String>,
    pub prefix: String,
}

impl TestKv {
    pub fn new() -> Self {
        Self {
            url: std::env::var("HOTLINE_TEST_REDIS_URL").ok().filter(|u| !u.is_empty()),
            prefix: format!("hotline-test-{}:", Uuid::new_v4().simple()),
        }
    }
}

impl Drop for TestKv {
    fn drop(&mut self) {
        let Some(url) = self.url.clone() else { return };
        let prefix = self.prefix.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(kv) = hotline_kv::RedisKv::connect(&url, &prefix).await {
                    let _ = kv.delete_all().await;
                }
            });
        })
        .join();
    }
}

pub fn start_time() -> DateTime<Utc> {
    Utc::now()
}

/// A running application with the demo city, a manual clock and an HTTP client.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub core: hotline_core::Core,
    pub db: TestDb,
    /// Held for its clean-up when the test ends.
    pub _kv: TestKv,
    /// The schema owner's URL (PostgreSQL), for what a test inspects behind the service.
    pub owner_url: Option<String>,
}

pub fn test_env(db_url: &str, kv: &TestKv, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = vec![
        ("HOTLINE_BIND".to_owned(), "127.0.0.1:0".to_owned()),
        ("HOTLINE_DATABASE_URL".to_owned(), db_url.to_owned()),
        ("HOTLINE_DATABASE_MAX_CONNECTIONS".to_owned(), "4".to_owned()),
        ("HOTLINE_DEMO".to_owned(), "true".to_owned()),
        ("HOTLINE_DEMO_PASSWORD".to_owned(), DEMO_PASSWORD.to_owned()),
        ("HOTLINE_JWT_KEYS".to_owned(), format!("e2e:{JWT_SECRET}")),
        ("HOTLINE_PII_KEY".to_owned(), "e2e-pii-secret-0123456789abcdef0123".to_owned()),
        ("HOTLINE_KV_PREFIX".to_owned(), kv.prefix.clone()),
        ("HOTLINE_LOG_LEVEL".to_owned(), "warn".to_owned()),
        // Tests drive the deadline sweep themselves, with the injected clock.
        ("HOTLINE_WORKER_EMBEDDED".to_owned(), "false".to_owned()),
        // Tests sign in far more often from one address, on a clock that stands still, than
        // an office does; the budget's own tests (rate_limits) set a small one.
        ("HOTLINE_RATE_LIMIT_LOGIN".to_owned(), "100000/1m".to_owned()),
    ];
    if let Some(owner) = owner_url_for(db_url) {
        env.push(("HOTLINE_MIGRATION_DATABASE_URL".to_owned(), owner));
    }
    if let Some(url) = &kv.url {
        env.push(("HOTLINE_REDIS_URL".to_owned(), url.clone()));
    }
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push((k.to_string(), v.to_string()));
    }
    env
}

/// Everything the service logs during this test binary, for checks on what logs may contain.
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        // JSON, as production ships it (`log_format = json`): every line carries its spans'
        // fields, so tests can check what a request's lines say and what they must not.
        let _ = tracing_subscriber::fmt().json().with_env_filter("info").with_writer(move || Capture(writer.clone())).try_init();
        buf
    });
}

/// The log lines written so far by every application this test binary started.
pub fn captured_logs() -> String {
    let buf = LOGS.get().expect("an application was started");
    String::from_utf8_lossy(&buf.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        capture_logs();
        let (db, url) = TestDb::create().await;
        let kv = TestKv::new();
        let settings = Settings::load(None, test_env(&url, &kv, extra)).expect("test settings are valid");
        let clock = ManualClock::new(start_time());
        let app = Application::build_with_clock(settings, Arc::new(clock.clone())).await.expect("the application starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        let core = app.core().clone();
        tokio::spawn(app.run_until_stopped());
        let owner_url = db.owner_url();
        Self { base, client: reqwest::Client::new(), clock, core, db, _kv: kv, owner_url }
    }

    /// Another instance on the same database and Redis (scale-out), without seeding again.
    pub async fn second_instance(&self) -> TestApp {
        self.second_instance_with(&[]).await
    }

    /// Another instance on the same database (PostgreSQL, or the same SQLite file) and Redis,
    /// with settings of its own (e.g. rotated signing keys).
    pub async fn second_instance_with(&self, extra: &[(&str, &str)]) -> TestApp {
        let url = match &self.db {
            TestDb::Borrowed => panic!("start the second instance from the first"),
            db => db.url(),
        };
        let mut kv = TestKv { url: self._kv.url.clone(), prefix: self._kv.prefix.clone() };
        let settings = Settings::load(None, test_env(&url, &kv, extra)).expect("test settings are valid");
        // The clone must not clean up what the first instance owns (its Drop deletes the keys).
        kv.url = None;
        let clock = ManualClock::new(start_time());
        let app = Application::build_with_clock(settings, Arc::new(clock.clone())).await.expect("the second instance starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        let core = app.core().clone();
        tokio::spawn(app.run_until_stopped());
        TestApp { base, client: reqwest::Client::new(), clock, core, db: TestDb::Borrowed, _kv: kv, owner_url: self.owner_url.clone() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The database as the test sees it behind the service, to inspect or damage rows: on
    /// PostgreSQL the owner's connection (the service's own role sees only its scope's rows,
    /// and a test has none), on SQLite the service's.
    pub async fn raw_db(&self) -> sea_orm::DatabaseConnection {
        self.raw_db_later().await
    }

    /// [`Self::raw_db`] as a future that borrows nothing (for closures that return futures).
    pub fn raw_db_later(&self) -> impl std::future::Future<Output = sea_orm::DatabaseConnection> + use<> {
        let (owner_url, service) = (self.owner_url.clone(), self.core.store.db.clone());
        async move {
            match owner_url {
                Some(url) => hotline_store::connect(&url, 2).await.expect("the owner connects").db,
                None => service,
            }
        }
    }

    pub async fn login_as(&self, username: &str, password: &str) -> reqwest::Response {
        self.client.post(self.url("/api/v1/auth/login")).json(&json!({ "username": username, "password": password })).send().await.unwrap()
    }

    /// Signs in a demo user and returns the access token.
    pub async fn token(&self, username: &str) -> String {
        let res = self.login_as(username, DEMO_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "login of {username}");
        res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    /// Sends `method path` with a bearer token and an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        Self::send(self.client.request(method, self.url(path)).bearer_auth(token), body).await
    }

    /// Sends `method path` as an integrator key, with an optional JSON body.
    pub async fn call_with_key(&self, method: Method, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
        Self::send(self.client.request(method, self.url(path)).header("x-api-key", key), body).await
    }

    /// The status and the body (JSON, or the text when it is not JSON).
    async fn send(mut req: reqwest::RequestBuilder, body: Option<Value>) -> (StatusCode, Value) {
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    /// The id of the first item of a list endpoint.
    pub async fn first_id(&self, path: &str, token: &str) -> String {
        let (status, body) = self.get(path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body["items"][0]["id"].as_str().unwrap_or_else(|| panic!("{path} has items: {body}")).to_owned()
    }
}

impl TestApp {
    /// Signs in with an explicit password and returns the access token.
    pub async fn token_with(&self, username: &str, password: &str) -> String {
        let res = self.login_as(username, password).await;
        assert_eq!(res.status(), StatusCode::OK, "login of {username}");
        res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }
}

/// The roles only the security administrator grants (三员分立).
pub const PRIVILEGED: [&str; 4] = ["city_admin", "security_admin", "tenant_admin", "auditor"];

/// The roles an account is created with before privileged ones are granted: its everyday
/// roles, or `dispatcher` (which fits any tenant without a unit).
pub fn everyday_roles<'a>(roles: &[&'a str]) -> Vec<&'a str> {
    let everyday: Vec<&str> = roles.iter().copied().filter(|r| !PRIVILEGED.contains(r)).collect();
    if everyday.is_empty() { vec!["dispatcher"] } else { everyday }
}

impl TestApp {
    /// The security administrator sets the roles of `username` in `code` (三员分立: privileged
    /// roles are granted by `security_admin` only). Returns the account as answered.
    pub async fn grant(&self, code: &str, username: &str, roles: &[&str]) -> Value {
        let security = self.token("security_admin").await;
        let id = self.first_id(&format!("/api/v1/tenants/{code}/users?q={username}"), &security).await;
        let (status, body) =
            self.call(Method::PUT, &format!("/api/v1/tenants/{code}/users/{id}/roles"), &security, Some(json!({ "roles": roles }))).await;
        assert_eq!(status, StatusCode::OK, "grant {roles:?} to {username}: {body}");
        body
    }
}

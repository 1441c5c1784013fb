//! E-mail through the outbox to a real SMTP server on loopback (Python's aiosmtpd, storing what
//! it receives in a Maildir), with retries, dead letters and a relay that dies mid-batch.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::case_kit::complaint;
use crate::helpers::{TestApp, TestDb};

/// aiosmtpd on a free loopback port, killed and cleaned up on drop.
struct SmtpSink {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl SmtpSink {
    /// `None` (the test skips) when Python's aiosmtpd is not installed, except in CI, where
    /// .ci/run installs it and its absence is a failure.
    fn start() -> Option<Self> {
        let has = Command::new("python3").args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
        if !has {
            assert!(std::env::var("CI").is_err(), "CI must provide aiosmtpd (see .ci/run)");
            eprintln!("skipped: python3 -m aiosmtpd is not available");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("hotline-maildir-{}", uuid::Uuid::new_v4()));
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let sink = Self { child, dir, port };
        // Bounded wait for the server to accept connections.
        for _ in 0..400 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(sink);
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far.
    fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("new")) else { return Vec::new() };
        let mut out: Vec<String> = entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect();
        out.sort();
        out
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn handler_with_email(app: &TestApp, unit: &str, email: &str) {
    let admin = app.token("admin_12319").await;
    let body = json!({"username": "mail.handler", "display_name": "收件人", "email": email, "password": "a long test passphrase", "roles": ["unit_handler"], "unit_id": unit});
    let (status, res) = app.call(Method::POST, "/api/v1/tenants/12319/users", &admin, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
}

#[tokio::test]
async fn a_dispatch_mails_the_unit_through_a_real_smtp_server() {
    let Some(mut smtp) = SmtpSink::start() else { return };
    let app = TestApp::spawn_with(&[("HOTLINE_SMTP_URL", &smtp.url())]).await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    handler_with_email(&app, &unit, "handler@unit.example.cn").await;
    let dispatcher = app.token("dispatcher").await;
    let receipt = app.intake(&dispatcher, complaint("小区垃圾堆积，请尽快处理。")).await;
    let id = receipt["case_id"].as_str().unwrap();
    let tracking = receipt["tracking_number"].as_str().unwrap();
    app.ok_step(&dispatcher, id, "dispatch", json!({"lead_unit_id": unit})).await;
    let queued = hotline_store::outbox::all(&app.raw_db().await).await.unwrap();
    assert_eq!(queued.len(), 1, "one message for the one addressable staff member");

    let r = app.core.relay_outbox().await.unwrap();
    assert_eq!((r.sent, r.retried, r.dead), (1, 0, 0));
    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert!(mail.contains("To: handler@unit.example.cn"), "{mail}");
    assert!(mail.contains(&format!("Message-ID: <{}@hotline>", queued[0].id)), "{mail}");
    assert!(mail.contains(tracking), "the subject names the case");
    assert!(!mail.contains("13812348000"), "no caller data in e-mail");
    assert_eq!(app.core.relay_outbox().await.unwrap(), Default::default(), "sent once");

    // The SMTP server goes away: the message waits, retries with backoff, then is dead-lettered.
    smtp.stop();
    let second = app.intake(&dispatcher, complaint("又一个垃圾问题。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &second, "dispatch", json!({"lead_unit_id": unit})).await;
    for attempt in 1..=hotline_core::notifications::MAX_ATTEMPTS {
        let r = app.core.relay_outbox().await.unwrap();
        if attempt < hotline_core::notifications::MAX_ATTEMPTS {
            assert_eq!(r.retried, 1, "attempt {attempt}");
            assert_eq!(app.core.relay_outbox().await.unwrap(), Default::default(), "not before its backoff");
            app.clock.advance(chrono::Duration::minutes(1 << (attempt - 1)));
        } else {
            assert_eq!(r.dead, 1);
        }
    }
    let rows = hotline_store::outbox::all(&app.raw_db().await).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(), vec!["sent", "dead"]);
    assert!(rows[1].last_error.is_some());
}

/// Three cases dispatched to a unit whose handler has an e-mail address: three messages wait.
async fn three_messages_queued(app: &TestApp) {
    let unit = app.unit("12319", "市容环境卫生处").await;
    handler_with_email(app, &unit, "handler@unit.example.cn").await;
    let dispatcher = app.token("dispatcher").await;
    for i in 0..3 {
        let id = app.intake(&dispatcher, complaint(&format!("第{i}件。"))).await["case_id"].as_str().unwrap().to_owned();
        app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    }
}

#[tokio::test]
async fn a_relay_that_dies_mid_batch_loses_nothing() {
    let Some(smtp) = SmtpSink::start() else { return };
    let app = TestApp::spawn_with(&[("HOTLINE_SMTP_URL", &smtp.url())]).await;
    three_messages_queued(&app).await;
    // A relay claims the batch and dies before committing (its transaction is rolled back).
    {
        let raw = app.raw_db().await;
        let txn = hotline_store::begin_write(&raw).await.unwrap();
        let claimed = hotline_store::outbox::claim(&txn, hotline_domain::Clock::now(&app.clock), 50).await.unwrap();
        assert_eq!(claimed.len(), 3);
        // What a crash amounts to for the database: the transaction ends without a commit and
        // its row locks go. Rolled back explicitly so the next claim does not race a
        // background rollback (on PostgreSQL a still-locked row is skipped, not waited for).
        txn.rollback().await.unwrap();
    }
    // The next relay sends all three.
    assert_eq!(app.core.relay_outbox().await.unwrap().sent, 3);
    assert_eq!(smtp.messages().len(), 3);
}

#[tokio::test]
async fn the_city_office_gets_one_daily_digest() {
    let app = TestApp::spawn().await;
    let city = app.token("city_admin").await;
    let body = json!({"username": "office", "display_name": "市热线办", "email": "office@rexian.example.cn", "password": "a long test passphrase", "roles": ["city_supervisor"]});
    assert_eq!(app.call(Method::POST, "/api/v1/tenants/12345/users", &city, Some(body)).await.0, StatusCode::CREATED);
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let agent = app.token("agent").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    use chrono::TimeZone;
    let sh = |d: u32, h: u32, m: u32| chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 3, d, h, m, 0).unwrap().to_utc();
    app.clock.set(sh(9, 10, 0));
    let id = app.intake(&dispatcher, complaint("垃圾清运不及时。")).await["case_id"].as_str().unwrap().to_owned();
    app.intake(&dispatcher, complaint("另一件。")).await;
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    app.sign(&handler, &id).await;
    app.ok_step(&handler, &id, "feedback", json!({"text": "已清运。", "resolved": true})).await;
    app.ok_step(&agent, &id, "rating", json!({"rating": "satisfied"})).await;

    app.clock.set(sh(10, 6, 59));
    assert!(!app.core.send_daily_digest().await.unwrap(), "not before 07:00");
    app.clock.set(sh(10, 8, 0));
    assert!(app.core.send_daily_digest().await.unwrap());
    assert!(!app.core.send_daily_digest().await.unwrap(), "once per day");
    let rows = hotline_store::outbox::all(&app.raw_db().await).await.unwrap();
    let digest: Vec<_> = rows.iter().filter(|r| r.recipient == "office@rexian.example.cn").collect();
    assert_eq!(digest.len(), 1);
    assert!(digest[0].subject.contains("2026-03-09"), "{}", digest[0].subject);
    assert!(digest[0].body.contains("12319 | 1 | 0 | 0 | 100.0% (1/1)"), "{}", digest[0].body);
    assert!(digest[0].body.contains("12345 | 1 |"), "the undispatched case stays at the front door: {}", digest[0].body);
}

/// The real mailer, asking before each message whether another writer could take SQLite's
/// write lock at once (a connection that would not wait at all), as an intake would.
#[derive(Debug)]
struct LockProbe {
    smtp: hotline_notify::SmtpMailer,
    db: PathBuf,
    free: std::sync::Mutex<Vec<bool>>,
}

#[async_trait::async_trait]
impl hotline_notify::Mailer for LockProbe {
    async fn send(&self, email: &hotline_notify::Email) -> Result<(), hotline_notify::NotifyError> {
        use sea_orm::sqlx::{Connection, Executor, SqliteConnection, sqlite::SqliteConnectOptions};
        let options = SqliteConnectOptions::new().filename(&self.db).busy_timeout(std::time::Duration::ZERO);
        let mut other = SqliteConnection::connect_with(&options).await.unwrap();
        let free = other.execute("BEGIN IMMEDIATE").await.is_ok();
        if free {
            other.execute("ROLLBACK").await.unwrap();
        }
        self.free.lock().unwrap().push(free);
        self.smtp.send(email).await
    }
}

/// SQLite has one writer for the whole database: the relay must not hold it while it talks to
/// the mail server, or intake stalls behind a slow one (PostgreSQL keeps the batch's rows
/// locked instead, so parallel relays never send a message twice).
#[tokio::test]
async fn on_sqlite_the_relay_holds_no_write_lock_while_it_talks_to_the_mail_server() {
    let Some(smtp) = SmtpSink::start() else { return };
    let app = TestApp::spawn_with(&[("HOTLINE_SMTP_URL", &smtp.url())]).await;
    let TestDb::Sqlite(dir) = &app.db else { return };
    three_messages_queued(&app).await;
    let probe = std::sync::Arc::new(LockProbe {
        smtp: hotline_notify::SmtpMailer::new(&smtp.url(), "Hotline <noreply@hotline.invalid>").unwrap(),
        db: dir.join("hotline.db"),
        free: Default::default(),
    });
    let mut relay = app.core.clone();
    relay.mailer = probe.clone();
    assert_eq!(relay.relay_outbox().await.unwrap().sent, 3);
    assert_eq!(*probe.free.lock().unwrap(), vec![true; 3], "another writer could write during each send");
    assert_eq!(smtp.messages().len(), 3);
    let rows = hotline_store::outbox::all(&app.raw_db().await).await.unwrap();
    assert!(rows.iter().all(|r| r.status == "sent"), "each recorded as sent");
}

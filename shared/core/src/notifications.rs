//! Notifications through the outbox: rows written in the transaction of the event that causes
//! them, sent by the relay with retries, backoff and a dead letter.

use chrono::{DateTime, Duration, Utc};
use hotline_domain::{Role, RoleSet};
use hotline_notify::Email;
use hotline_notify::templates::{Kind, Vars, render};
use hotline_store::entities::{case, outbox};
use hotline_store::{ConnectionTrait, users};
use uuid::Uuid;

use crate::{Core, CoreResult};

/// After this many failed attempts a message is dead-lettered.
pub const MAX_ATTEMPTS: i32 = 5;
const BATCH: u64 = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayReport {
    pub sent: u64,
    pub retried: u64,
    pub dead: u64,
}

pub(crate) fn row(c: &case::Model, to: String, kind: Kind, detail: Option<String>, now: DateTime<Utc>) -> outbox::Model {
    let about = About { tenant: c.tenant_id, tracking_number: &c.tracking_number, title: &c.title, feedback_due_at: c.feedback_due_at };
    about.email(to, kind, detail, now)
}

/// What a message about a case says of it.
pub(crate) struct About<'a> {
    pub tenant: Uuid,
    pub tracking_number: &'a str,
    pub title: &'a str,
    pub feedback_due_at: Option<DateTime<Utc>>,
}

impl About<'_> {
    pub(crate) fn email(&self, to: String, kind: Kind, detail: Option<String>, now: DateTime<Utc>) -> outbox::Model {
        let due = self.feedback_due_at.map(|d| d.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string());
        let vars = Vars { tracking_number: self.tracking_number.to_owned(), title: self.title.to_owned(), due, detail };
        let (subject, body) = render(kind, &vars);
        email(Some(self.tenant), to, subject, body, now)
    }
}

/// A pending e-mail of the outbox, due at once.
pub(crate) fn email(tenant: Option<Uuid>, to: String, subject: String, body: String, now: DateTime<Utc>) -> outbox::Model {
    outbox::Model {
        id: Uuid::now_v7(),
        tenant_id: tenant,
        channel: "email".into(),
        recipient: to,
        subject,
        body,
        status: "pending".into(),
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        created_at: now,
        sent_at: None,
    }
}

/// Reads the addresses of a message's recipients, who may be another line's staff (the city
/// office, a co-unit, a line's head): from the pool under the platform scope, outside the
/// caller's transaction and scope (row-level security would hide them from a line's session).
/// The callers' `_db` stays in the signatures so that every message is still built beside the
/// change that causes it.
async fn recipients<T>(read: impl std::future::Future<Output = hotline_store::StoreResult<T>>) -> hotline_store::StoreResult<T> {
    hotline_store::scope::platform(read).await
}

impl Core {
    /// Messages to the staff of `unit` (those with an e-mail address).
    pub(crate) async fn to_unit(
        &self,
        _db: &impl ConnectionTrait,
        c: &case::Model,
        unit: Uuid,
        kind: Kind,
        detail: Option<String>,
    ) -> CoreResult<Vec<outbox::Model>> {
        let now = self.now();
        Ok(recipients(users::emails_of_unit(&self.store.db, unit))
            .await?
            .into_iter()
            .map(|to| row(c, to, kind, detail.clone(), now))
            .collect())
    }

    /// Messages to the active staff of `tenant` holding `role` (those with an e-mail address).
    pub(crate) async fn to_role(
        &self,
        _db: &impl ConnectionTrait,
        c: &case::Model,
        tenant: Uuid,
        role: Role,
        kind: Kind,
        detail: Option<String>,
    ) -> CoreResult<Vec<outbox::Model>> {
        let now = self.now();
        let pattern = RoleSet::storage_pattern(role);
        Ok(recipients(users::emails_with_role(&self.store.db, tenant, &pattern))
            .await?
            .into_iter()
            .map(|to| row(c, to, kind, detail.clone(), now))
            .collect())
    }

    /// Messages to the city office (the platform's `city_supervisor`s).
    pub(crate) async fn to_city_office(
        &self,
        _db: &impl ConnectionTrait,
        c: &case::Model,
        kind: Kind,
        detail: Option<String>,
    ) -> CoreResult<Vec<outbox::Model>> {
        match self.routing.org(&self.store.db).await?.platform.clone() {
            Some((platform, _)) => self.to_role(_db, c, platform, Role::CitySupervisor, kind, detail).await,
            None => Ok(Vec::new()),
        }
    }

    /// Sends what is due. On PostgreSQL the claimed rows stay locked until the batch commits,
    /// so parallel relays never send the same message; a relay that dies mid-batch leaves its
    /// batch pending, so at most that batch is sent again (recognisable by its Message-ID).
    /// SQLite has one writer for the whole database: a transaction held through the SMTP
    /// round trips would stall intake behind the mail server, so there (one process, the
    /// embedded worker) each message is recorded on its own as soon as it has been tried.
    pub async fn relay_outbox(&self) -> CoreResult<RelayReport> {
        // A worker pass over every line: platform scope.
        hotline_store::scope::platform(async move {
            let now = self.now();
            let mut report = RelayReport::default();
            if self.store.backend() == hotline_store::sea_orm::DbBackend::Sqlite {
                for msg in hotline_store::outbox::claim(&self.store.db, now, BATCH).await? {
                    let msg = self.deliver(msg, now, &mut report).await;
                    hotline_store::outbox::update(&self.store.db, msg).await?;
                }
                return Ok(report);
            }
            let txn = hotline_store::begin_write(&self.store.db).await?;
            for msg in hotline_store::outbox::claim(&txn, now, BATCH).await? {
                let msg = self.deliver(msg, now, &mut report).await;
                hotline_store::outbox::update(&txn, msg).await?;
            }
            txn.commit().await?;
            Ok(report)
        })
        .await
    }

    /// Tries to send one message; returns it as it is to be recorded (sent, or its next try).
    async fn deliver(&self, mut msg: outbox::Model, now: DateTime<Utc>, report: &mut RelayReport) -> outbox::Model {
        let email = Email { id: msg.id, to: msg.recipient.clone(), subject: msg.subject.clone(), body: msg.body.clone() };
        match self.mailer.send(&email).await {
            Ok(()) => {
                msg.status = "sent".into();
                msg.sent_at = Some(now);
                msg.last_error = None;
                report.sent += 1;
            }
            Err(e) => {
                msg.attempts += 1;
                msg.last_error = Some(e.to_string());
                if msg.attempts >= MAX_ATTEMPTS {
                    msg.status = "dead".into();
                    report.dead += 1;
                    tracing::error!(outbox = %msg.id, error = %e, "message dead-lettered");
                } else {
                    // 1, 2, 4, 8 … minutes.
                    msg.next_attempt_at = now + Duration::minutes(1 << (msg.attempts - 1).min(10));
                    report.retried += 1;
                }
            }
        }
        msg
    }
}

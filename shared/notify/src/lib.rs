//! Notifications. E-mail goes over SMTP with lettre (real, TLS optional); without an SMTP server
//! configured, messages are written to the log. SMS is an interface whose only implementation
//! logs (no SMS gateway is reachable here). Templates in `templates`.

pub mod templates;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The address, masked: the error reaches logs and the outbox's `last_error`.
    #[error("bad address {}", mask_address(.0))]
    Address(String),
    #[error("sending failed: {0}")]
    Send(String),
}

/// One e-mail of the outbox. `id` becomes the Message-ID, so a resend is recognisable.
#[derive(Debug, Clone)]
pub struct Email {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Email {
    pub fn message_id(&self) -> String {
        format!("<{}@hotline>", self.id)
    }
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    async fn send(&self, email: &Email) -> Result<(), NotifyError>;
}

/// SMTP through lettre: `smtp://host:port` (plain, for a local relay) or
/// `smtps://user:pass@host:port` (TLS).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish()
    }
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> Result<Self, NotifyError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| NotifyError::Send(e.to_string()))?.build();
        let from = from.parse::<Mailbox>().map_err(|_| NotifyError::Address(from.to_owned()))?;
        Ok(Self { transport, from })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), NotifyError> {
        let to = email.to.parse::<Mailbox>().map_err(|_| NotifyError::Address(email.to.clone()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id()))
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .map_err(|e| NotifyError::Send(e.to_string()))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| NotifyError::Send(e.to_string()))
    }
}

/// An e-mail address as logs may show it: the local part's first character and the domain
/// (`z***@example.org`), enough to tell recipients apart, not to write to them.
pub fn mask_address(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().map(String::from).unwrap_or_default()),
        None => "***".into(),
    }
}

/// The embedded profile without SMTP: e-mails are logged (masked recipient and subject only).
#[derive(Debug, Default)]
pub struct LogMailer;

#[async_trait::async_trait]
impl Mailer for LogMailer {
    async fn send(&self, email: &Email) -> Result<(), NotifyError> {
        // No personal data in logs: staff addresses are masked (docs/OPERATIONS.md, "Logs").
        tracing::info!(to = %mask_address(&email.to), subject = %email.subject, message_id = %email.message_id(), "e-mail (no SMTP configured)");
        Ok(())
    }
}

/// Text messages. Only a logging implementation exists: no SMS gateway is reachable here.
pub trait Sms: Send + Sync + std::fmt::Debug {
    fn send(&self, to: &str, text: &str) -> Result<(), NotifyError>;
}

#[derive(Debug, Default)]
pub struct LogSms;

impl Sms for LogSms {
    fn send(&self, to: &str, text: &str) -> Result<(), NotifyError> {
        let masked: String =
            to.chars().enumerate().map(|(i, c)| if (3..to.len().saturating_sub(4)).contains(&i) { '*' } else { c }).collect();
        tracing::info!(to = %masked, chars = text.chars().count(), "SMS (logging gateway)");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_for_logs() {
        assert_eq!(mask_address("zhang.san@example.org"), "z***@example.org");
        assert_eq!(mask_address("nonsense"), "***");
        assert_eq!(NotifyError::Address("li.si@example.org".into()).to_string(), "bad address l***@example.org");
    }
}

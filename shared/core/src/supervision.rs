//! Supervision (督办): the deadline sweep that reminds units near their deadline (催办) and puts
//! overdue cases under supervision, exactly once per crossing.
//!
//! A sweep reads only the clock points in `(watermark, now]` through indexes on open cases, and
//! never updates an "overdue" flag (overdue is computed when reading). Each crossing is one row
//! in `deadline_crossings` under a unique key, written in the same transaction as the case
//! event it causes, so a repeated window (after a crash) or a second worker changes nothing.

use chrono::{DateTime, Duration, Utc};
use hotline_domain::rules::RuleEvent;
use hotline_notify::templates::Kind;
use hotline_store::entities::case_event;
use hotline_store::sweep::{self, Point};
use hotline_store::{TransactionTrait, cases};
use serde_json::json;
use uuid::Uuid;

use crate::{Core, CoreResult};

const WATERMARK: &str = "deadline_sweep";
/// On the very first sweep, look back this far (older crossings are history, not news).
const FIRST_LOOKBACK: i64 = 7;
const BATCH: u64 = 5_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub reminders: u64,
    pub supervisions: u64,
    /// Crossings another sweep had already recorded.
    pub already_done: u64,
}

impl Core {
    /// One sweep tick at the core's clock.
    pub async fn sweep_deadlines(&self) -> CoreResult<SweepReport> {
        let db = &self.store.db;
        let now = self.now();
        let from = sweep::watermark(db, WATERMARK).await?.unwrap_or(now - Duration::days(FIRST_LOOKBACK));
        let mut report = SweepReport::default();
        for point in [Point::FeedbackNear, Point::FeedbackDue, Point::SignDue, Point::FeedbackLongOverdue] {
            let mut window_from = from;
            loop {
                let batch = sweep::crossed(db, point, window_from, now, BATCH).await?;
                let full = batch.len() as u64 == BATCH;
                for c in &batch {
                    let Some(due) = point.at(c) else { continue };
                    // Batches page through the (possibly shifted) deadline column.
                    window_from = window_from.max(if point == Point::FeedbackLongOverdue { due - sweep::LONG_OVERDUE } else { due });
                    if self.cross(c, point, due, now).await? {
                        match point {
                            Point::FeedbackNear => report.reminders += 1,
                            _ => report.supervisions += 1,
                        }
                    } else {
                        report.already_done += 1;
                    }
                }
                if !full {
                    break;
                }
            }
        }
        sweep::advance_watermark(db, WATERMARK, now).await?;
        Ok(report)
    }

    /// Records one crossing with its event; `false` if it was already recorded.
    async fn cross(
        &self,
        c: &hotline_store::entities::case::Model,
        point: Point,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> CoreResult<bool> {
        let txn = self.store.db.begin().await?;
        if !sweep::record_crossing(&txn, c, point, due, now).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        let (action, reason) = match point {
            Point::FeedbackNear => ("remind", "催办: the feedback deadline is near"),
            Point::FeedbackDue => ("supervise", "督办: the feedback deadline has passed"),
            Point::SignDue => ("supervise", "督办: the case was not signed for in time"),
            Point::FeedbackLongOverdue => ("escalate", "提级督办: long overdue, escalated to the line's head"),
        };
        let event = case_event::Model {
            id: Uuid::now_v7(),
            case_id: c.id,
            tenant_id: c.tenant_id,
            at: now,
            actor_kind: "system".into(),
            actor_id: None,
            actor_name: Some("deadline sweep".into()),
            actor_unit_id: None,
            action: action.into(),
            from_status: Some(c.status.clone()),
            to_status: c.status.clone(),
            reason: Some(reason.into()),
            payload: Some(json!({ "stage": point.stage(), "due_at": due, "lead_unit_id": c.lead_unit_id }).to_string()),
        };
        cases::insert_event(&txn, event).await?;
        if let Some(lead) = c.lead_unit_id {
            let kind = if point == Point::FeedbackNear { Kind::Reminder } else { Kind::Supervision };
            let mut messages = self.to_unit(&txn, c, lead, kind, Some(reason.to_owned())).await?;
            if point == Point::FeedbackLongOverdue {
                messages.extend(self.to_line_head(&txn, c, lead, reason).await?);
            }
            hotline_store::outbox::insert(&txn, messages).await?;
        }
        txn.commit().await?;
        // Rules may speak to crossings (`deadline_near` / `deadline_passed`); their advice is kept
        // only when some rule matched, so plain crossings leave no empty decisions behind.
        let rule_event = if point == Point::FeedbackNear { RuleEvent::DeadlineNear } else { RuleEvent::DeadlinePassed };
        match self.route(&self.store.db, c, rule_event).await {
            Ok(d) if d.stages.iter().any(|s| s.evaluation.matched().next().is_some()) => {
                if let Err(e) = self.store_decision(&self.store.db, c, rule_event, &d).await {
                    tracing::error!(case = %c.id, error = %e, "could not store a deadline decision");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::error!(case = %c.id, error = %e, "deadline rules failed"),
        }
        Ok(true)
    }
}

impl Core {
    /// The line's head for an escalation: the staff of the lead unit's superior, or, for a unit
    /// at the top, the line's administrators.
    async fn to_line_head(
        &self,
        db: &impl hotline_store::ConnectionTrait,
        c: &hotline_store::entities::case::Model,
        lead: Uuid,
        reason: &str,
    ) -> CoreResult<Vec<hotline_store::entities::outbox::Model>> {
        let Some(unit) = hotline_store::units::find_any(db, lead).await? else { return Ok(Vec::new()) };
        let parents = hotline_store::units::ancestors(db, unit.tenant_id, unit.id).await?;
        match parents.first() {
            Some(parent) => self.to_unit(db, c, parent.id, Kind::Supervision, Some(reason.to_owned())).await,
            None => {
                self.to_role(db, c, unit.tenant_id, hotline_domain::Role::TenantAdmin, Kind::Supervision, Some(reason.to_owned())).await
            }
        }
    }
}

/// Sweeps deadlines every `every` until the process ends (the worker's loop, embedded in the
/// API or run by `hotline-worker`). A failed tick is logged; the next one retries the same
/// window, since the watermark moves only after a successful sweep.
pub fn spawn_sweeper(core: Core, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match core.relay_outbox().await {
                Ok(r) if r.sent + r.retried + r.dead > 0 => {
                    tracing::info!(sent = r.sent, retried = r.retried, dead = r.dead, "outbox relay")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox relay failed; retrying next tick"),
            }
            if let Err(e) = core.send_daily_digest().await {
                tracing::error!(error = %e, "daily digest failed; retrying next tick");
            }
            match core.sweep_deadlines().await {
                Ok(r) if r.reminders + r.supervisions > 0 => {
                    tracing::info!(reminders = r.reminders, supervisions = r.supervisions, already_done = r.already_done, "deadline sweep")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "deadline sweep failed; retrying next tick"),
            }
        }
    })
}

//! One sweep tick, set-based: per clock point, a page of crossed deadlines is read through its
//! index, recorded with one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING`, and only the
//! crossings recorded now get their case events and outbox messages — written in the same
//! transaction, a few statements per page however many crossings it holds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hotline_domain::rules::RuleEvent;
use hotline_domain::stats::Occurrence;
use hotline_notify::templates::Kind;
use hotline_store::entities::{case_event, outbox};
use hotline_store::sweep::{self, Due, Point};
use hotline_store::{ConnectionTrait, cases, users};
use serde_json::json;
use uuid::Uuid;

use super::SweepReport;
use crate::notifications::About;
use crate::{Core, CoreResult};

pub(crate) const WATERMARK: &str = "deadline_sweep";
/// On the very first sweep, look back this far (older crossings are history, not news).
const FIRST_LOOKBACK: i64 = 7;
/// Crossings per page (and per transaction).
const PAGE: u64 = 5_000;

fn what(point: Point) -> (&'static str, &'static str, Kind) {
    match point {
        Point::FeedbackNear => ("remind", "催办: the feedback deadline is near", Kind::Reminder),
        Point::FeedbackDue => ("supervise", "督办: the feedback deadline has passed", Kind::Supervision),
        Point::SignDue => ("supervise", "督办: the case was not signed for in time", Kind::Supervision),
        Point::FeedbackLongOverdue => ("escalate", "提级督办: long overdue, escalated to the line's head", Kind::Supervision),
        Point::CoSignDue => ("supervise", "督办: a co-unit did not sign for its part in time", Kind::Supervision),
        Point::ContributionDue => ("supervise", "督办: a co-unit's contribution is overdue", Kind::Supervision),
    }
}

impl Core {
    /// One sweep tick at the core's clock. The clock points are independent (each has its own
    /// once-only keys), so on PostgreSQL they are swept side by side, each on its own
    /// connection; SQLite has one writer, and takes them in turn.
    pub async fn sweep_deadlines(&self) -> CoreResult<SweepReport> {
        // A worker pass over every line: platform scope.
        hotline_store::scope::platform(async move {
            let db = &self.store.db;
            let now = self.now();
            let from = sweep::watermark(db, WATERMARK).await?.unwrap_or(now - chrono::Duration::days(FIRST_LOOKBACK));
            let reports = if db.get_database_backend() == hotline_store::sea_orm::DbBackend::Postgres {
                futures_util::future::try_join_all(Point::ALL.map(|point| self.sweep_point(point, from, now))).await?
            } else {
                let mut reports = Vec::new();
                for point in Point::ALL {
                    reports.push(self.sweep_point(point, from, now).await?);
                }
                reports
            };
            let mut report = SweepReport::default();
            for r in reports {
                report.reminders += r.reminders;
                report.supervisions += r.supervisions;
                report.already_done += r.already_done;
            }
            sweep::advance_watermark(db, WATERMARK, now).await?;
            Ok(report)
        })
        .await
    }

    /// The crossings of one clock point in `(from, now]`, a page at a time.
    async fn sweep_point(&self, point: Point, from: DateTime<Utc>, now: DateTime<Utc>) -> CoreResult<SweepReport> {
        let mut report = SweepReport::default();
        let mut cursor = from;
        loop {
            let page = sweep::crossed(&self.store.db, point, cursor, now, PAGE).await?;
            let Some(last) = page.last() else { break };
            // Pages follow the point's own time; equal times at a page boundary are re-read,
            // and the once-only key makes that harmless.
            let next = last.point_at(point);
            let fresh = self.cross_page(point, &page, now).await?;
            match point {
                Point::FeedbackNear => report.reminders += fresh.len() as u64,
                _ => report.supervisions += fresh.len() as u64,
            }
            report.already_done += (page.len() - fresh.len()) as u64;
            self.deadline_rules(point, &fresh).await;
            if (page.len() as u64) < PAGE || next <= cursor {
                break;
            }
            cursor = next;
        }
        Ok(report)
    }

    /// Records a page of crossings; returns those recorded now, whose events and messages are
    /// written in the same transaction.
    async fn cross_page(&self, point: Point, page: &[Due], now: DateTime<Utc>) -> CoreResult<Vec<Due>> {
        let txn = hotline_store::begin_write(&self.store.db).await?;
        let recorded = sweep::record_crossings(&txn, point, page, now).await?;
        let fresh: Vec<Due> = page.iter().filter(|d| recorded.contains(&d.subject_id)).cloned().collect();
        let (action, reason, kind) = what(point);
        let passed = self.passed_clocks(&txn, point, &fresh, now).await?;
        // A passed clock is the lead's: it counts in the lead's line.
        let leads = fresh.iter().filter(|d| passed.contains_key(&d.subject_id)).filter_map(|d| d.case.lead_unit_id).collect();
        let line_of = self.lines_of_units(&txn, leads).await?;
        let counted: HashMap<Uuid, (crate::stats::Subject, &Occurrence)> = fresh
            .iter()
            .filter_map(|d| {
                let lead_line = d.case.lead_unit_id.and_then(|u| line_of.get(&u).copied());
                passed.get(&d.subject_id).map(|o| (d.subject_id, (crate::stats::Subject::of_ref(&d.case, lead_line), o)))
            })
            .collect();
        let events = fresh.iter().map(|d| event(d, point, action, reason, now, counted.get(&d.subject_id))).collect();
        cases::insert_events(&txn, events).await?;
        let messages = self.crossing_messages(&txn, point, &fresh, kind, reason, now).await?;
        hotline_store::outbox::insert(&txn, messages).await?;
        let items = counted.into_values().map(|(s, o)| (s, vec![o.clone()])).collect();
        self.count_all(&txn, items, now).await?;
        txn.commit().await?;
        Ok(fresh)
    }

    /// A lead's sign-for or feedback clock that passed unmet is decided by the sweep — unless
    /// the step meeting it late was recorded first. Returns what each deciding crossing counts.
    async fn passed_clocks(
        &self,
        db: &impl ConnectionTrait,
        point: Point,
        fresh: &[Due],
        now: DateTime<Utc>,
    ) -> CoreResult<HashMap<Uuid, Occurrence>> {
        let (stage, occurrence) = match point {
            Point::SignDue => ("sign", Occurrence::SignDeadlinePassed { decides: true }),
            Point::FeedbackDue => ("feedback", Occurrence::FeedbackDeadlinePassed { decides: true }),
            _ => return Ok(HashMap::new()),
        };
        let decided = sweep::record_decided(db, stage, fresh, now).await?;
        Ok(decided.into_iter().map(|id| (id, occurrence.clone())).collect())
    }

    /// The unit a point concerns is told; a late contribution also reaches the lead, who
    /// coordinates; a long-overdue case also reaches the line's head.
    async fn crossing_messages(
        &self,
        db: &impl ConnectionTrait,
        point: Point,
        fresh: &[Due],
        kind: Kind,
        reason: &str,
        now: DateTime<Utc>,
    ) -> CoreResult<Vec<outbox::Model>> {
        let mut units: Vec<Uuid> = fresh.iter().filter_map(|d| d.unit_id).collect();
        if point == Point::ContributionDue {
            units.extend(fresh.iter().filter_map(|d| d.case.lead_unit_id));
        }
        units.sort();
        units.dedup();
        let staff = users::emails_of_units(db, &units).await?;
        let mut heads: HashMap<Uuid, Vec<String>> = HashMap::new();
        let mut out = Vec::new();
        for d in fresh {
            let c = &d.case;
            let about =
                About { tenant: c.tenant_id, tracking_number: &c.tracking_number, title: &c.title, feedback_due_at: c.feedback_due_at };
            let mut to: Vec<&String> = d.unit_id.and_then(|u| staff.get(&u)).into_iter().flatten().collect();
            if point == Point::ContributionDue {
                to.extend(d.case.lead_unit_id.and_then(|u| staff.get(&u)).into_iter().flatten());
            }
            out.extend(to.into_iter().map(|addr| about.email(addr.clone(), kind, Some(reason.to_owned()), now)));
            if let (Point::FeedbackLongOverdue, Some(lead)) = (point, d.case.lead_unit_id) {
                if let std::collections::hash_map::Entry::Vacant(slot) = heads.entry(lead) {
                    slot.insert(self.line_head_emails(db, lead).await?);
                }
                out.extend(heads[&lead].iter().map(|addr| about.email(addr.clone(), kind, Some(reason.to_owned()), now)));
            }
        }
        Ok(out)
    }

    /// Rules may speak to the case's own crossings (`deadline_near` / `deadline_passed`); their
    /// advice is kept only when some rule matched, so plain crossings leave no empty decisions
    /// behind. When no published rule set listens to the event, nothing is evaluated at all.
    async fn deadline_rules(&self, point: Point, fresh: &[Due]) {
        if fresh.is_empty() || matches!(point, Point::CoSignDue | Point::ContributionDue) {
            return;
        }
        let rule_event = if point == Point::FeedbackNear { RuleEvent::DeadlineNear } else { RuleEvent::DeadlinePassed };
        let db = &self.store.db;
        match self.routing.view(db).await {
            Ok(view) if !view.sets.values().any(|s| s.listens_to(rule_event)) => return,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "deadline rules unavailable");
                return;
            }
        }
        for d in fresh {
            let result = async {
                let Some(c) = cases::find(db, cases::CaseScope::All, d.case.id).await? else { return Ok(()) };
                let decision = self.route(db, &c, rule_event).await?;
                if decision.stages.iter().any(|s| s.evaluation.matched().next().is_some()) {
                    self.store_decision(db, &c, rule_event, &decision).await?;
                }
                Ok::<_, crate::CoreError>(())
            }
            .await;
            if let Err(e) = result {
                tracing::error!(case = %d.case.id, error = %e, "deadline rules failed");
            }
        }
    }
}

fn event(
    d: &Due,
    point: Point,
    action: &str,
    reason: &str,
    now: DateTime<Utc>,
    counts: Option<&(crate::stats::Subject, &Occurrence)>,
) -> case_event::Model {
    let c = &d.case;
    case_event::Model {
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
        payload: Some({
            let mut p = json!({ "stage": point.stage(), "due_at": d.due, "unit_id": d.unit_id, "lead_unit_id": c.lead_unit_id });
            // What the crossing counts travels in its event, so the drift check can recount it.
            if let Some((subject, o)) = counts {
                p["stats"] = json!([o]);
                p["lines"] = json!(subject.lines);
            }
            p.to_string()
        }),
    }
}

//! Routing decisions for cases: at intake and on returns/reopenings, stored with their trace;
//! simulation of any version or draft; replay of a draft over past cases.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Timelike, Utc};
use hotline_domain::Role;
use hotline_domain::rules::{CompiledRuleSet, Facts, RoutingDecision, RuleEvent, decide};
use hotline_store::cases::{self, CaseFilter, CaseScope};
use hotline_store::entities::{case, routing_decision};
use hotline_store::{ConnectionTrait, PageRequest, rules};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::cache::View;
use super::rule_sets::rule_error;
use crate::cases::IntakeInput;
use crate::{Core, CoreError, CoreResult, Principal};

/// The gist of a decision, returned with intake.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Summary {
    pub lines: Vec<String>,
    pub lead_unit_id: Option<String>,
    pub co_unit_ids: Vec<String>,
    pub manual: bool,
    pub reason: String,
}

impl From<&RoutingDecision> for Summary {
    fn from(d: &RoutingDecision) -> Self {
        Summary {
            lines: d.lines.iter().map(|l| l.code.clone()).collect(),
            lead_unit_id: d.lead_unit.clone(),
            co_unit_ids: d.co_units.clone(),
            manual: d.manual,
            reason: d.reason.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoredDecision {
    pub id: Uuid,
    pub event: String,
    pub at: DateTime<Utc>,
    pub decision: Value,
}

/// What to simulate: a case (by id, or its intake fields), and optionally rules to use instead
/// of a tenant's published ones (a stored version, or an unsaved draft).
#[derive(Debug, Clone, Default)]
pub struct SimulateInput {
    pub case_id: Option<String>,
    pub case: Option<IntakeInput>,
    pub tenant: Option<String>,
    pub rule_set_id: Option<String>,
    pub rules: Option<Value>,
    pub event: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplayExample {
    pub case_id: Uuid,
    pub tracking_number: String,
    pub before: Summary,
    pub after: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    pub cases: usize,
    pub changed: usize,
    pub examples: Vec<ReplayExample>,
}

const STAFFED_FROM: u32 = 8 * 60 + 30;
const STAFFED_TO: u32 = 17 * 60 + 30;

impl Core {
    /// The facts rules see about a case. The caller's history costs a query, made only where
    /// one of `views` has a rule that may read it (most cities' rules do not: one statement of
    /// the intake's few on the request path).
    pub(crate) async fn facts_of(
        &self,
        db: &impl ConnectionTrait,
        c: &case::Model,
        tz: chrono_tz::Tz,
        views: &[&View],
    ) -> CoreResult<Facts> {
        let local = c.created_at.with_timezone(&tz);
        let minute = local.hour() * 60 + local.minute();
        let weekday = local.weekday().number_from_monday();
        let history = match &c.caller_phone_hash {
            Some(h) if views.iter().any(|v| v.may_read("caller_history")) => cases::count_by_caller(db, h, c.created_at).await?,
            _ => 0,
        };
        let attachments = c.attachments.as_deref().and_then(|a| serde_json::from_str::<Vec<Value>>(a).ok()).map(|v| v.len()).unwrap_or(0);
        Ok(Facts {
            contact_type: c.contact_type.clone(),
            category: c.category.clone(),
            urgency: c.urgency.clone(),
            channel: c.channel.clone(),
            district: c.district.clone(),
            dialled_number: c.dialled_number.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            hour: local.hour(),
            weekday,
            staffed: weekday <= 5 && (STAFFED_FROM..STAFFED_TO).contains(&minute),
            caller_history: history,
            attachments: attachments as u64,
        })
    }

    /// Decides with `view`, where the case's receiving tenant is the front door (platform) or a
    /// line that took the contact itself.
    fn decide_with(&self, view: &View, c: &case::Model, event: RuleEvent, facts: &Facts) -> RoutingDecision {
        let code = view.org.code_of.get(&c.tenant_id).cloned().unwrap_or_default();
        let is_platform = view.org.platform.as_ref().is_some_and(|(id, _)| *id == c.tenant_id);
        let front = if is_platform { view.sets.get(&code).map(|s| (code.as_str(), s.as_ref())) } else { None };
        let start = (!is_platform).then_some(code.as_str());
        decide(front, start, view, event, facts)
    }

    /// Routes a case with the published rules (no write).
    pub(crate) async fn route(&self, db: &impl ConnectionTrait, c: &case::Model, event: RuleEvent) -> CoreResult<RoutingDecision> {
        let view = self.routing.view(&self.store.db).await?;
        let tz = self.tenant_tz(db, c.tenant_id).await?;
        let facts = self.facts_of(db, c, tz, &[&view]).await?;
        Ok(self.decide_with(&view, c, event, &facts))
    }

    pub(crate) async fn tenant_tz(&self, db: &impl ConnectionTrait, tenant: Uuid) -> CoreResult<chrono_tz::Tz> {
        let t = self.cached_tenant(db, tenant).await?;
        Ok(t.and_then(|t| t.time_zone.parse().ok()).unwrap_or(chrono_tz::Asia::Shanghai))
    }

    pub(crate) async fn store_decision(
        &self,
        db: &impl ConnectionTrait,
        c: &case::Model,
        event: RuleEvent,
        d: &RoutingDecision,
    ) -> CoreResult<()> {
        let row = routing_decision::Model {
            id: Uuid::now_v7(),
            case_id: c.id,
            tenant_id: c.tenant_id,
            event: event.as_str().to_owned(),
            decision: serde_json::to_string(d).map_err(|e| CoreError::Internal(e.to_string()))?,
            at: self.now(),
        };
        rules::insert_decision(db, row).await?;
        Ok(())
    }

    /// Routes after a step (return, reopening) and keeps the decision for the dispatcher.
    pub(crate) async fn reroute(&self, c: &case::Model, event: RuleEvent) {
        let db = &self.store.db;
        let result = async {
            let d = self.route(db, c, event).await?;
            self.store_decision(db, c, event, &d).await
        }
        .await;
        if let Err(e) = result {
            tracing::error!(case = %c.id, error = %e, "routing after a step failed; the dispatcher decides");
        }
    }

    /// The latest stored decision that names a unit, for dispatching without naming one.
    pub(crate) async fn latest_decision(&self, case_id: Uuid) -> CoreResult<Option<RoutingDecisionRef>> {
        let rows = rules::decisions(&self.store.db, case_id).await?;
        for row in rows.iter().rev() {
            let v: Value = serde_json::from_str(&row.decision).unwrap_or(Value::Null);
            if let Some(lead) = v["lead_unit"].as_str() {
                let co =
                    v["co_units"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default();
                return Ok(Some(RoutingDecisionRef { lead_unit: lead.to_owned(), co_units: co }));
            }
        }
        Ok(None)
    }

    /// `GET /cases/{id}/routing`: every decision with its trace.
    pub async fn case_routing(&self, p: &Principal, id: &str) -> CoreResult<Vec<StoredDecision>> {
        let c = self.visible_case(p, id).await?;
        let rows = rules::decisions(&self.store.db, c.id).await?;
        Ok(rows
            .into_iter()
            .map(|r| StoredDecision {
                id: r.id,
                event: r.event,
                at: r.at,
                decision: serde_json::from_str(&r.decision).unwrap_or(Value::Null),
            })
            .collect())
    }

    /// Replaces one tenant's rules in a view with other rules (a stored version or a draft).
    async fn view_with(&self, p: &Principal, tenant: Option<&str>, rule_set_id: Option<&str>, draft: Option<&Value>) -> CoreResult<View> {
        let mut view = self.routing.view(&self.store.db).await?;
        if rule_set_id.is_none() && draft.is_none() {
            return Ok(view);
        }
        let code =
            tenant.ok_or_else(|| hotline_domain::ValidationError::new("tenant", "required", "name the tenant whose rules to replace"))?;
        let t = self.visible_tenant(p, code).await?;
        let set: CompiledRuleSet = match (rule_set_id, draft) {
            (_, Some(rules)) => self.check_rules(&t, rules).await?.1,
            (Some(id), None) => {
                let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("rule set"))?;
                let row = rules::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("rule set"))?;
                let v: Value = serde_json::from_str(&row.rules).map_err(|e| CoreError::Internal(e.to_string()))?;
                let parsed = hotline_domain::rules::parse_rules(&v).map_err(rule_error)?;
                CompiledRuleSet::compile(row.version, parsed).map_err(rule_error)?
            }
            (None, None) => unreachable!("checked above"),
        };
        view.sets.insert(t.code.clone(), Arc::new(set));
        Ok(view)
    }

    /// Runs routing for a case (existing or described) without changing anything.
    pub async fn simulate(&self, p: &Principal, input: SimulateInput) -> CoreResult<RoutingDecision> {
        self.require(
            p,
            "routing.simulate",
            "routing",
            &[Role::CityAdmin, Role::CitySupervisor, Role::TenantAdmin, Role::Dispatcher, Role::Agent],
        )
        .await?;
        let event = match &input.event {
            Some(e) => RuleEvent::parse(e)?,
            None => RuleEvent::CaseReceived,
        };
        let view = self.view_with(p, input.tenant.as_deref(), input.rule_set_id.as_deref(), input.rules.as_ref()).await?;
        let db = &self.store.db;
        let c = match (&input.case_id, input.case) {
            (Some(id), _) => self.visible_case(p, id).await?,
            (None, Some(intake)) => self.unsaved_case(p, intake)?,
            (None, None) => return Err(hotline_domain::ValidationError::new("case", "required", "give case_id or case").into()),
        };
        let tz = self.tenant_tz(db, c.tenant_id).await?;
        let facts = self.facts_of(db, &c, tz, &[&view]).await?;
        Ok(self.decide_with(&view, &c, event, &facts))
    }

    /// Runs a version or draft over a tenant's cases of a period and counts changed decisions.
    pub async fn replay(&self, p: &Principal, code: &str, id: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> CoreResult<ReplayReport> {
        let t = self.visible_tenant(p, code).await?;
        self.require_admin_of(p, "rule_set.replay", &t).await?;
        if to <= from || to - from > chrono::TimeDelta::days(366) {
            return Err(hotline_domain::ValidationError::new("to", "invalid_range", "to is after from, at most 366 days later").into());
        }
        let current = self.routing.view(&self.store.db).await?;
        let candidate = self.view_with(p, Some(code), Some(id), None).await?;
        let scope = if t.kind == "platform" { CaseScope::All } else { CaseScope::Tenant(t.id) };
        let filter = CaseFilter { created_from: Some(from), created_to: Some(to), ..Default::default() };
        let db = &self.store.db;
        let mut report = ReplayReport { cases: 0, changed: 0, examples: Vec::new() };
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        // Bounded: a replay reads at most 10,000 cases.
        while report.cases < 10_000 {
            let batch = cases::list(db, scope, &filter, page).await?;
            for c in &batch.items {
                let tz = self.tenant_tz(db, c.tenant_id).await?;
                let facts = self.facts_of(db, c, tz, &[&current, &candidate]).await?;
                let before = Summary::from(&self.decide_with(&current, c, RuleEvent::CaseReceived, &facts));
                let after = Summary::from(&self.decide_with(&candidate, c, RuleEvent::CaseReceived, &facts));
                report.cases += 1;
                if before.lines != after.lines || before.lead_unit_id != after.lead_unit_id || before.co_unit_ids != after.co_unit_ids {
                    report.changed += 1;
                    if report.examples.len() < 10 {
                        report.examples.push(ReplayExample { case_id: c.id, tracking_number: c.tracking_number.clone(), before, after });
                    }
                }
            }
            match batch.next {
                Some(n) => page.after = Some(n),
                None => break,
            }
        }
        Ok(report)
    }
}

/// The units of a stored decision.
#[derive(Debug, Clone)]
pub(crate) struct RoutingDecisionRef {
    pub lead_unit: String,
    pub co_units: Vec<String>,
}

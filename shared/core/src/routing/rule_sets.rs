//! Rule-set versions: drafts are edited, publishing is atomic and audited, any earlier version
//! can be published again (rollback).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotline_domain::rules::{CompiledRuleSet, Rule, RuleAction, RuleError, parse_rules};
use hotline_domain::{Role, ValidationError};
use hotline_store::entities::{rule_set, tenant};
use hotline_store::{Page, PageRequest, rules};
use serde_json::Value;
use uuid::Uuid;

use crate::audit::{Entry, Outcome};
use crate::{Core, CoreError, CoreResult, Principal};

#[derive(Debug, Clone)]
pub struct RuleSetView {
    pub id: Uuid,
    pub tenant_code: String,
    pub version: i32,
    /// `draft`, `published` or `superseded`.
    pub status: String,
    pub rules: Value,
    pub note: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct RuleSetInput {
    pub rules: Value,
    pub note: Option<String>,
}

fn view(code: &str, r: rule_set::Model) -> RuleSetView {
    RuleSetView {
        id: r.id,
        tenant_code: code.to_owned(),
        version: r.version,
        status: r.status,
        rules: serde_json::from_str(&r.rules).unwrap_or(Value::Null),
        note: r.note,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
        published_at: r.published_at,
        published_by: r.published_by,
    }
}

pub(crate) fn rule_error(e: RuleError) -> CoreError {
    ValidationError::new(e.path, "invalid_rule", e.message).into()
}

/// Who reads a tenant's rules.
const READERS: &[Role] = &[Role::CityAdmin, Role::CitySupervisor, Role::TenantAdmin, Role::Dispatcher, Role::Auditor];

/// A short account of what a publish changes, by rule name, for the audit record.
fn diff(old: &[Rule], new: &[Rule]) -> String {
    let added: Vec<&str> = new.iter().filter(|n| !old.iter().any(|o| o.name == n.name)).map(|r| r.name.as_str()).collect();
    let removed: Vec<&str> = old.iter().filter(|o| !new.iter().any(|n| n.name == o.name)).map(|r| r.name.as_str()).collect();
    let changed: Vec<&str> = new.iter().filter(|n| old.iter().any(|o| o.name == n.name && o != *n)).map(|r| r.name.as_str()).collect();
    format!("added: [{}]; removed: [{}]; changed: [{}]", added.join(", "), removed.join(", "), changed.join(", "))
}

impl Core {
    /// Parses, compiles and checks references of a rule set for tenant `t`; errors name the path.
    pub(crate) async fn check_rules(&self, t: &tenant::Model, value: &Value) -> CoreResult<(Vec<Rule>, CompiledRuleSet)> {
        let parsed = parse_rules(value).map_err(rule_error)?;
        let org = self.routing.org(&self.store.db).await?;
        let platform = t.kind == "platform";
        for (i, rule) in parsed.iter().enumerate() {
            for (j, action) in rule.actions.iter().enumerate() {
                let path = format!("rules[{i}].actions[{j}]");
                let line_ok = |c: &str| org.lines.contains_key(c);
                let unit_ok = |u: &str| org.units.contains(&(t.code.clone(), u.to_owned()));
                let bad = |field: &str, msg: &str| -> CoreError {
                    ValidationError::new(format!("{path}.{field}"), "invalid_rule", msg.to_owned()).into()
                };
                match action {
                    RuleAction::RouteToLine { line } if !platform || !line_ok(line) => {
                        return Err(bad("line", "route_to_line is for the front door and names an active line code"));
                    }
                    RuleAction::RouteToUnit { unit } if platform || !unit_ok(unit) => {
                        return Err(bad("unit", "route_to_unit is for a line and names one of its active units"));
                    }
                    RuleAction::JointHandling { lead, co_units } => {
                        let ok = |x: &str| if platform { line_ok(x) } else { unit_ok(x) };
                        let what = if platform { "a line code" } else { "a unit of this line" };
                        if !ok(lead) {
                            return Err(bad("lead", &format!("must be {what}")));
                        }
                        if let Some(k) = co_units.iter().position(|c| !ok(c)) {
                            return Err(bad(&format!("co_units[{k}]"), &format!("must be {what}")));
                        }
                    }
                    RuleAction::Notify { unit: Some(u), .. } if platform || !unit_ok(u) => {
                        return Err(bad("unit", "must be a unit of this line"));
                    }
                    _ => {}
                }
            }
        }
        let compiled = CompiledRuleSet::compile(0, parsed.clone()).map_err(rule_error)?;
        Ok((parsed, compiled))
    }

    async fn rules_tenant(&self, p: &Principal, code: &str, write: bool) -> CoreResult<tenant::Model> {
        let t = self.visible_tenant(p, code).await?;
        if write {
            self.require_admin_of(p, "rule_set.write", &t).await?;
        } else {
            self.require(p, "rule_set.read", code, READERS).await?;
        }
        Ok(t)
    }

    pub async fn list_rule_sets(&self, p: &Principal, code: &str, page: PageRequest) -> CoreResult<Page<RuleSetView>> {
        let t = self.rules_tenant(p, code, false).await?;
        Ok(rules::list(&self.store.db, t.id, page).await?.map(|r| view(&t.code, r)))
    }

    pub async fn get_rule_set(&self, p: &Principal, code: &str, id: &str) -> CoreResult<RuleSetView> {
        let t = self.rules_tenant(p, code, false).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("rule set"))?;
        let r = rules::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("rule set"))?;
        Ok(view(&t.code, r))
    }

    pub async fn create_rule_set(&self, p: &Principal, code: &str, input: RuleSetInput) -> CoreResult<RuleSetView> {
        let t = self.rules_tenant(p, code, true).await?;
        self.check_rules(&t, &input.rules).await?;
        let now = self.now();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        let row = rule_set::Model {
            id: Uuid::now_v7(),
            tenant_id: t.id,
            version: rules::next_version(&txn, t.id).await?,
            status: "draft".into(),
            rules: input.rules.to_string(),
            note: input.note,
            created_by: p.user_id(),
            created_at: now,
            updated_at: now,
            published_at: None,
            published_by: None,
        };
        rules::insert(&txn, row.clone()).await?;
        self.audit_on(&txn, Entry::by(p, "rule_set.create", &format!("{}#{}", t.code, row.version), Outcome::Success).tenant(Some(t.id)))
            .await?;
        txn.commit().await?;
        Ok(view(&t.code, row))
    }

    pub async fn update_rule_set(&self, p: &Principal, code: &str, id: &str, input: RuleSetInput) -> CoreResult<RuleSetView> {
        let t = self.rules_tenant(p, code, true).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("rule set"))?;
        let mut row = rules::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("rule set"))?;
        if row.status != "draft" {
            return Err(CoreError::conflict("not_a_draft", "published versions never change; create a new draft"));
        }
        self.check_rules(&t, &input.rules).await?;
        row.rules = input.rules.to_string();
        row.note = input.note.or(row.note);
        row.updated_at = self.now();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        rules::update(&txn, row.clone()).await?;
        self.audit_on(&txn, Entry::by(p, "rule_set.update", &format!("{}#{}", t.code, row.version), Outcome::Success).tenant(Some(t.id)))
            .await?;
        txn.commit().await?;
        Ok(view(&t.code, row))
    }

    /// Makes a version the active one, atomically: the old one is superseded in the same
    /// transaction, the compiled set is swapped in this process and announced to the others.
    /// Publishing an older version is the rollback.
    pub async fn publish_rule_set(&self, p: &Principal, code: &str, id: &str) -> CoreResult<RuleSetView> {
        let t = self.rules_tenant(p, code, true).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("rule set"))?;
        let mut row = rules::find(&self.store.db, t.id, id).await?.ok_or(CoreError::NotFound("rule set"))?;
        if row.status == "published" {
            return Err(CoreError::conflict("already_published", "this version is already the active one"));
        }
        let value: Value = serde_json::from_str(&row.rules).map_err(|e| CoreError::Internal(e.to_string()))?;
        let (new_rules, _) = self.check_rules(&t, &value).await?;
        let compiled = Arc::new(CompiledRuleSet::compile(row.version, new_rules.clone()).map_err(rule_error)?);
        let previous = rules::published(&self.store.db, t.id).await?;
        let old_rules: Vec<Rule> = previous
            .as_ref()
            .and_then(|r| serde_json::from_str::<Value>(&r.rules).ok())
            .and_then(|v| parse_rules(&v).ok())
            .unwrap_or_default();
        let now = self.now();
        row.status = "published".into();
        row.published_at = Some(now);
        row.published_by = p.user_id();
        row.updated_at = now;
        let detail = format!(
            "v{} → v{}; {}",
            previous.as_ref().map(|r| r.version.to_string()).unwrap_or_else(|| "none".into()),
            row.version,
            diff(&old_rules, &new_rules)
        );
        let txn = hotline_store::begin_write(&self.store.db).await?;
        rules::supersede(&txn, t.id).await?;
        rules::update(&txn, row.clone()).await?;
        let entry =
            Entry::by(p, "rule_set.publish", &format!("{}#{}", t.code, row.version), Outcome::Success).tenant(Some(t.id)).detail(detail);
        self.audit_on(&txn, entry).await?;
        txn.commit().await?;
        self.telemetry.rule_set_published(&t.code);
        self.routing.install(t.id, Some(compiled));
        if let Err(e) = self.kv.publish(super::CHANNEL, &format!("rules:{}", t.id)).await {
            tracing::warn!(error = %e, "could not announce a rule-set publish; other instances keep their rules until they restart");
        }
        Ok(view(&t.code, row))
    }
}

//! Learned routing suggestions for agents (issue 8). The worker trains a model per tenant on a
//! schedule from the cases that already have a lead unit — at the platform the label is the
//! lead's line, inside a line the lead unit — and stores it as a numbered version; a version is
//! trained only when those cases changed. Instances serve the newest version, loaded once and
//! kept until a newer one is announced (or, as a safety net, for a minute). The rules decide;
//! the suggestion stands beside them with its confidence and its reasons.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hotline_domain::Role;
use hotline_domain::case::check_description;
use hotline_domain::suggest::{Model, TrainOptions};
use hotline_store::cases::{self, CaseFilter, CaseScope};
use hotline_store::entities::{routing_model, tenant};
use hotline_store::models::{self, Head};
use hotline_store::{PageRequest, StoreError, tenants, units};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult, Principal};

/// The newest cases a model learns from.
const TRAINING_CASES: u64 = 5000;
/// Versions kept per tenant (older ones are dropped after a training).
const KEPT_VERSIONS: i32 = 5;
/// How long an instance trusts its copy without asking the database again.
const RECHECK: Duration = Duration::from_secs(60);

/// The model each tenant serves now (`None`: nothing trained yet), with when it was looked up.
#[derive(Default)]
pub struct SuggestionCache(Mutex<HashMap<Uuid, (Instant, Option<Served>)>>);

#[derive(Clone)]
struct Served {
    head: Head,
    model: Arc<Model>,
}

impl SuggestionCache {
    /// Forgets a tenant's model (a new version was stored here or announced by another instance).
    pub fn invalidate(&self, tenant: Uuid) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(&tenant);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteSuggestion {
    /// A line code (platform) or a unit id (inside a line).
    pub label: String,
    /// The line code, or the unit's name.
    pub name: String,
    pub confidence: f32,
    pub because: Vec<(String, f32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggested {
    /// The stored version answering (0: no model trained yet).
    pub model_version: i32,
    pub trained_on: usize,
    pub suggestions: Vec<RouteSuggestion>,
}

impl Suggested {
    fn none() -> Self {
        Suggested { model_version: 0, trained_on: 0, suggestions: Vec::new() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetrainReport {
    pub trained: u64,
    /// Tenants whose cases did not change since their newest version.
    pub unchanged: u64,
}

impl Core {
    /// `POST /routing/suggest`: the three likeliest routes for a text, for agents and dispatchers
    /// (the platform's model for platform staff, the line's for a line's).
    pub async fn suggest_route(&self, p: &Principal, text: &str) -> CoreResult<Suggested> {
        if !p.has_any(&[Role::Agent, Role::Dispatcher]) {
            self.audit_denied(p, "routing.suggest", "", "missing role").await;
            return Err(CoreError::forbidden("suggestions are for agents and dispatchers"));
        }
        let text = check_description(text).map_err(|e| e.at("text"))?;
        self.suggestion_for(p.tenant.id.0, &text).await
    }

    /// What the tenant's newest model suggests for a (checked) text.
    pub(crate) async fn suggestion_for(&self, tenant: Uuid, text: &str) -> CoreResult<Suggested> {
        let Some(served) = self.served_model(tenant).await? else { return Ok(Suggested::none()) };
        let mut suggestions = Vec::new();
        for s in served.model.suggest(text, 3) {
            let name = match s.label.parse::<Uuid>() {
                Ok(unit) => units::find_any(&self.store.db, unit).await?.map(|u| u.name).unwrap_or_else(|| s.label.clone()),
                Err(_) => s.label.clone(),
            };
            suggestions.push(RouteSuggestion { label: s.label, name, confidence: s.confidence, because: s.because });
        }
        Ok(Suggested { model_version: served.head.version, trained_on: served.model.examples, suggestions })
    }

    async fn served_model(&self, tenant: Uuid) -> CoreResult<Option<Served>> {
        let cached = self.suggestions.0.lock().ok().and_then(|m| m.get(&tenant).filter(|(at, _)| at.elapsed() < RECHECK).cloned());
        if let Some((_, served)) = cached {
            return Ok(served);
        }
        let db = &self.store.db;
        let served = match models::latest(db, tenant).await? {
            None => None,
            Some(head) => {
                let known = self.suggestions.0.lock().ok().and_then(|m| m.get(&tenant).and_then(|(_, s)| s.clone()));
                match known.filter(|s| s.head.id == head.id) {
                    Some(s) => Some(s),
                    None => {
                        let Some(row) = models::find(db, head.id).await? else { return Ok(None) };
                        // Parsing a large model is CPU work: off the async threads.
                        let model = tokio::task::spawn_blocking(move || serde_json::from_str::<Model>(&row.model))
                            .await
                            .map_err(|e| CoreError::Internal(e.to_string()))?
                            .map_err(|e| CoreError::Internal(format!("stored routing model {} unreadable: {e}", head.id)))?;
                        Some(Served { head, model: Arc::new(model) })
                    }
                }
            }
        };
        if let Ok(mut m) = self.suggestions.0.lock() {
            m.insert(tenant, (Instant::now(), served.clone()));
        }
        Ok(served)
    }

    /// The worker's job: trains a new version for every active tenant whose dispatched cases
    /// changed since its newest version. Two workers may race; the unique version number lets
    /// one store it and the other skip.
    pub async fn retrain_models(&self) -> CoreResult<RetrainReport> {
        // A worker pass over every line: platform scope.
        hotline_store::scope::platform(async move {
            let db = &self.store.db;
            let mut report = RetrainReport::default();
            for t in tenants::all_active(db).await? {
                let (examples, data_version) = self.training_set(&t).await?;
                let latest = models::latest(db, t.id).await?;
                if examples.is_empty() || latest.as_ref().is_some_and(|h| h.data_version == data_version) {
                    report.unchanged += 1;
                    continue;
                }
                let version = latest.map_or(1, |h| h.version + 1);
                // Training and encoding are CPU work of up to a few seconds: off the async threads.
                let (model, json) = tokio::task::spawn_blocking(move || {
                    let model = Model::train(&examples, &TrainOptions::default());
                    let json = serde_json::to_string(&model);
                    (model, json)
                })
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))?;
                let json = json.map_err(|e| CoreError::Internal(e.to_string()))?;
                let row = routing_model::Model {
                    id: Uuid::now_v7(),
                    tenant_id: t.id,
                    version,
                    data_version,
                    examples: model.examples as i32,
                    labels: model.labels.len() as i32,
                    features: model.feature_count() as i32,
                    model: json,
                    trained_at: self.now(),
                };
                match models::insert(db, row).await {
                    Ok(()) => {}
                    Err(StoreError::Conflict(_)) => continue,
                    Err(e) => return Err(e.into()),
                }
                models::prune(db, t.id, version - KEPT_VERSIONS + 1).await?;
                report.trained += 1;
                self.suggestions.invalidate(t.id);
                if let Err(e) = self.kv.publish(super::CHANNEL, &format!("model:{}", t.id)).await {
                    tracing::warn!(error = %e, "could not announce a new routing model");
                }
            }
            Ok(report)
        })
        .await
    }

    /// A tenant's training examples (text → label) and a name for that history.
    async fn training_set(&self, t: &tenant::Model) -> CoreResult<(Vec<(String, String)>, String)> {
        let db = &self.store.db;
        let platform = t.kind == hotline_domain::TenantKind::Platform.as_str();
        let scope = if platform { CaseScope::All } else { CaseScope::Tenant(t.id) };
        let filter = CaseFilter { has_lead: true, ..Default::default() };
        let rows = cases::list(db, scope, &filter, PageRequest { after: None, limit: TRAINING_CASES }).await?.items;
        let org = self.routing.org(db).await?;
        let line_of: HashMap<&str, &str> = org.units.iter().map(|(code, unit)| (unit.as_str(), code.as_str())).collect();
        let examples: Vec<(String, String)> = rows
            .iter()
            .filter_map(|c| {
                let lead = c.lead_unit_id?.to_string();
                let label = if platform { (*line_of.get(lead.as_str())?).to_owned() } else { lead };
                Some((format!("{} {}", c.title, c.description), label))
            })
            .collect();
        let newest = rows.iter().map(|c| c.updated_at).max().map(|t| t.timestamp_micros()).unwrap_or_default();
        let data_version = format!("{}-{newest}", examples.len());
        Ok((examples, data_version))
    }

    /// The stored versions of the caller's model, newest first (for the line's admins and desks).
    pub async fn routing_models(&self, p: &Principal) -> CoreResult<Vec<Head>> {
        if !p.has_any(&[Role::Agent, Role::Dispatcher, Role::TenantAdmin, Role::CityAdmin]) {
            self.audit_denied(p, "routing.models", "", "missing role").await;
            return Err(CoreError::forbidden("model versions are for the desks and the line's administrators"));
        }
        Ok(models::versions(&self.store.db, p.tenant.id.0).await?)
    }
}

/// Retrains the models every `every` until `stop` turns true (the worker's loop; the first run
/// is at start; a stop lets a training under way finish). A failed run is logged and retried
/// at the next tick.
pub fn spawn_trainer(core: Core, every: Duration, mut stop: tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                break;
            }
            match core.retrain_models().await {
                Ok(r) if r.trained > 0 => tracing::info!(trained = r.trained, unchanged = r.unchanged, "routing models retrained"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "routing model training failed; retrying next tick"),
            }
        }
    })
}

//! Learned routing suggestions for agents (issue 8): a model per reader's scope, trained from
//! the cases it can see that already have a lead unit — at the platform the label is the lead's
//! line, inside a line the lead unit — and kept until a case is added or changes. The rules
//! decide; the suggestion stands beside them with its confidence and its reasons.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hotline_domain::Role;
use hotline_domain::case::check_description;
use hotline_domain::suggest::{Model, TrainOptions};
use hotline_store::PageRequest;
use hotline_store::cases::{self, CaseFilter, CaseScope};
use hotline_store::units;
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult, Principal};

/// The newest cases a model learns from.
const TRAINING_CASES: u64 = 5000;

/// Trained models by scope, with the version they were trained at.
#[derive(Default)]
pub struct SuggestionCache(Mutex<HashMap<String, (String, Arc<Model>)>>);

#[derive(Debug, Clone)]
pub struct RouteSuggestion {
    /// A line code (platform) or a unit id (inside a line).
    pub label: String,
    /// The line code, or the unit's name.
    pub name: String,
    pub confidence: f32,
    pub because: Vec<(String, f32)>,
}

#[derive(Debug, Clone)]
pub struct Suggested {
    /// Which training this answer comes from: the number of cases and the newest change.
    pub model_version: String,
    pub trained_on: usize,
    pub suggestions: Vec<RouteSuggestion>,
}

impl Core {
    /// `POST /routing/suggest`: the three likeliest routes for a text, for agents and dispatchers.
    pub async fn suggest_route(&self, p: &Principal, text: &str) -> CoreResult<Suggested> {
        if !p.has_any(&[Role::Agent, Role::Dispatcher]) {
            self.audit_denied(p, "routing.suggest", "", "missing role").await;
            return Err(CoreError::forbidden("suggestions are for agents and dispatchers"));
        }
        let text = check_description(text).map_err(|e| e.at("text"))?;
        let db = &self.store.db;
        let scope = self.case_scope(p)?;
        let platform = scope == CaseScope::All;
        let rows = cases::list(db, scope, &CaseFilter::default(), PageRequest { after: None, limit: TRAINING_CASES }).await?.items;
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
        let version = format!("{}-{newest}", examples.len());
        let key = format!("{scope:?}");
        let cached = self.suggestions.0.lock().ok().and_then(|m| m.get(&key).filter(|(v, _)| *v == version).map(|(_, m)| m.clone()));
        let model = match cached {
            Some(m) => m,
            None => {
                // Training is CPU work of a fraction of a second: off the async threads.
                let m = Arc::new(
                    tokio::task::spawn_blocking(move || Model::train(&examples, &TrainOptions::default()))
                        .await
                        .map_err(|e| CoreError::Internal(e.to_string()))?,
                );
                if let Ok(mut map) = self.suggestions.0.lock() {
                    map.insert(key, (version.clone(), m.clone()));
                }
                m
            }
        };
        let mut suggestions = Vec::new();
        for s in model.suggest(&text, 3) {
            let name = match (platform, s.label.parse::<Uuid>()) {
                (false, Ok(unit)) => units::find_any(db, unit).await?.map(|u| u.name).unwrap_or_else(|| s.label.clone()),
                _ => s.label.clone(),
            };
            suggestions.push(RouteSuggestion { label: s.label, name, confidence: s.confidence, because: s.because });
        }
        Ok(Suggested { model_version: version, trained_on: model.examples, suggestions })
    }
}

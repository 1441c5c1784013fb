//! Duplicate candidates (并单) for a case: the open cases the caller can see, across lines,
//! scored by `hotline_domain::duplicates` (text, place, time), best first. Linking is the
//! existing `link` step.

use hotline_domain::Role;
use hotline_domain::duplicates::{Contact, Score, Weights, candidates};
use hotline_store::PageRequest;
use hotline_store::cases::{self, CaseFilter};
use hotline_store::entities::case;
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult, Principal};

/// The bar a candidate must reach, and how many the agent sees.
const MIN_SCORE: f64 = 0.5;
const MAX_CANDIDATES: usize = 10;
/// How many open cases of the window are compared at most (newest first).
const COMPARED: u64 = 1000;

#[derive(Debug, Clone)]
pub struct DuplicateCandidate {
    pub case_id: Uuid,
    pub tracking_number: String,
    pub title: String,
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub score: Score,
}

/// What a case brings to a duplicate or hot-spot comparison.
pub(crate) fn contact(c: &case::Model) -> Contact {
    Contact {
        text: format!("{} {}", c.title, c.description),
        district: c.district.clone(),
        address: c.address.clone(),
        point: c.lat.zip(c.long),
        at: c.created_at,
    }
}

impl Core {
    /// `GET /cases/{id}/duplicates`: for the front door and the dispatch desks.
    pub async fn duplicate_candidates(&self, p: &Principal, id: &str) -> CoreResult<Vec<DuplicateCandidate>> {
        if !p.has_any(&[Role::Agent, Role::Dispatcher, Role::CitySupervisor]) {
            self.audit_denied(p, "case.duplicates", id, "missing role").await;
            return Err(CoreError::forbidden("duplicate candidates are for agents, dispatchers and the city office"));
        }
        let c = self.visible_case(p, id).await?;
        self.candidates_for(p, &c).await
    }

    /// The open cases the caller can see that are alike to `c` (saved or a draft), best first.
    pub(crate) async fn candidates_for(&self, p: &Principal, c: &case::Model) -> CoreResult<Vec<DuplicateCandidate>> {
        let w = Weights::default();
        let filter =
            CaseFilter { created_from: Some(c.created_at - w.window), created_to: Some(c.created_at + w.window), ..Default::default() };
        let rows = cases::list(&self.store.db, self.case_scope(p)?, &filter, PageRequest { after: None, limit: COMPARED }).await?.items;
        let open: Vec<(case::Model, Contact)> =
            rows.into_iter().filter(|o| o.id != c.id && o.status != "closed").map(|o| (contact(&o), o)).map(|(k, o)| (o, k)).collect();
        Ok(candidates(&contact(c), &open, &w, MIN_SCORE, MAX_CANDIDATES)
            .into_iter()
            .map(|(o, score)| DuplicateCandidate {
                case_id: o.id,
                tracking_number: o.tracking_number.clone(),
                title: o.title.clone(),
                status: o.status.clone(),
                created_at: o.created_at,
                score,
            })
            .collect())
    }
}

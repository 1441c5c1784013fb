//! The agent desk's assistant (issue 8, for the console of issue 9): while an agent writes a
//! contact down, one call shows what the rules decide (with their trace), what the learned model
//! suggests, the knowledge-base articles that may answer it, and the open cases it may repeat.
//! Nothing is saved and no search gap is recorded (a half-typed text is not a gap).

use hotline_domain::Role;
use hotline_domain::kb_search::normalise_query;

use crate::cases::{DuplicateCandidate, IntakeInput};
use crate::kb::KbHit;
use crate::routing::{SimulateInput, Suggested};
use crate::{Core, CoreError, CoreResult, Principal};

/// Articles and candidates shown at most.
const ARTICLES: usize = 5;

pub struct DeskAssist {
    /// The routing decision with its trace, as `POST /routing/simulate` answers it.
    pub decision: serde_json::Value,
    pub suggestion: Suggested,
    pub articles: Vec<KbHit>,
    pub duplicates: Vec<DuplicateCandidate>,
}

impl Core {
    /// `POST /desk/assist`: for agents and dispatchers.
    pub async fn desk_assist(&self, p: &Principal, draft: IntakeInput) -> CoreResult<DeskAssist> {
        if !p.has_any(&[Role::Agent, Role::Dispatcher]) {
            self.audit_denied(p, "desk.assist", "", "missing role").await;
            return Err(CoreError::forbidden("the desk assistant is for agents and dispatchers"));
        }
        let c = self.unsaved_case(p, draft.clone())?;
        let decision = self.simulate(p, SimulateInput { case: Some(draft), ..Default::default() }).await?;
        let decision = serde_json::to_value(&decision).map_err(|e| CoreError::Internal(e.to_string()))?;
        let text = format!("{} {}", c.title, c.description);
        let suggestion = self.suggestion_for(p.tenant.id.0, &text).await?;
        let scope = self.kb_scope(p)?;
        // The search takes the first 200 characters: the title and the start of the account.
        let query: String = normalise_query(&text).chars().take(200).collect();
        let articles = self.kb_query(&query, ARTICLES, |m| scope.is_none_or(|t| m.tenant == t)).await?;
        let duplicates = self.candidates_for(p, &c).await?;
        Ok(DeskAssist { decision, suggestion, articles, duplicates })
    }
}

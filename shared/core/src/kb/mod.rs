//! The knowledge base (知识库, issue 8): a line's articles with versions and a second-person
//! approval (`articles`), search across the lines a desk serves and for citizens, with the
//! searches that found nothing kept as a gaps report (`search`), and the worker's pass that
//! tells owners about expired articles and due reviews (`flags`).

mod articles;
mod flags;
mod search;

use hotline_domain::Role;
use hotline_domain::kb::{ArticleStatus, Flag};
use hotline_store::entities::{kb_article, kb_article_version, tenant};
use uuid::Uuid;

use crate::{Core, CoreError, CoreResult, Principal};

pub use articles::ArticleInput;
pub use search::{Gap, KbHit, KbIndex, KbSearch};

/// An article as staff see it.
#[derive(Debug, Clone)]
pub struct ArticleView {
    pub article: kb_article::Model,
    pub tenant_code: String,
    pub flags: Vec<Flag>,
    /// Newest first; only in the detail view.
    pub versions: Vec<kb_article_version::Model>,
}

/// Who writes a line's articles: its desks and administrators (and the city admin).
const WRITERS: &[Role] = &[Role::TenantAdmin, Role::Agent, Role::Dispatcher];
/// Who reads a line's articles, drafts included.
const READERS: &[Role] = &[
    Role::TenantAdmin,
    Role::Agent,
    Role::Dispatcher,
    Role::UnitLead,
    Role::UnitHandler,
    Role::Auditor,
    Role::CitySupervisor,
    Role::CityAdmin,
];

/// An article's status as stored (an unknown word reads as a draft: never served).
fn status_of(a: &kb_article::Model) -> ArticleStatus {
    ArticleStatus::parse(&a.status).unwrap_or(ArticleStatus::Draft)
}

/// Whether the article may be served at `now` (searched, read by citizens, used for an answer).
pub(crate) fn served(a: &kb_article::Model, now: chrono::DateTime<chrono::Utc>) -> bool {
    hotline_domain::kb::servable(status_of(a), a.valid_from, a.valid_until, now)
}

/// What the article's owner must look at, at `now`.
pub(crate) fn flags_of(a: &kb_article::Model, now: chrono::DateTime<chrono::Utc>) -> Vec<Flag> {
    hotline_domain::kb::flags(status_of(a), a.valid_from, a.valid_until, a.review_at, now)
}

pub fn tags_of(row: &str) -> Vec<String> {
    row.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

impl Core {
    fn article_view(&self, article: kb_article::Model, t: &tenant::Model, versions: Vec<kb_article_version::Model>) -> ArticleView {
        let flags = flags_of(&article, self.now());
        ArticleView { article, tenant_code: t.code.clone(), flags, versions }
    }

    /// The lines whose articles a principal's searches cover: every line from the platform's
    /// desks and the city office, else the principal's own line.
    pub(crate) fn kb_scope(&self, p: &Principal) -> CoreResult<Option<Uuid>> {
        let platform = p.on_platform() && p.has_any(&[Role::Agent, Role::Dispatcher, Role::CitySupervisor, Role::CityAdmin]);
        if platform {
            return Ok(None);
        }
        if p.has_any(READERS) {
            return Ok(Some(p.tenant.id.0));
        }
        Err(CoreError::forbidden("the knowledge base is for staff"))
    }

    /// `kb_scope`, with a refusal audited as `action` on `target`.
    pub(crate) async fn kb_scope_of(&self, p: &Principal, action: &str, target: &str) -> CoreResult<Option<Uuid>> {
        let scope = self.kb_scope(p);
        if scope.is_err() {
            self.audit_denied(p, action, target, "missing role").await;
        }
        scope
    }

    /// An article the principal may read (another line's is "not found", as if it did not
    /// exist). Platform desks read every line's articles; a line's staff their own.
    async fn readable_article(&self, p: &Principal, id: &str) -> CoreResult<(kb_article::Model, tenant::Model)> {
        let scope = self.kb_scope_of(p, "kb.read", id).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("article"))?;
        let db = &self.store.db;
        let a = hotline_store::kb::find(db, id).await?.ok_or(CoreError::NotFound("article"))?;
        if scope.is_some_and(|t| t != a.tenant_id) {
            return Err(CoreError::NotFound("article"));
        }
        let t = hotline_store::tenants::find_by_id(db, a.tenant_id).await?.ok_or(CoreError::NotFound("article"))?;
        Ok((a, t))
    }
}

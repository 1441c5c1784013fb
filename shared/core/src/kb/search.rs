//! Knowledge-base search: one in-memory index (`hotline_domain::kb_search`: Chinese character
//! bigrams and Latin words, BM25, highlights) of the published articles of every line, built
//! from the database at start and kept current article by article — here on publish and
//! archive, in other instances through the kv store's pub/sub. Which articles a search may see
//! (line, public, valid now) is decided per query, so one index serves every desk and citizens.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, RwLock};

use chrono::{DateTime, Utc};
use hotline_domain::kb::{ArticleStatus, servable};
use hotline_domain::kb_search::{Doc, Index, Segment, normalise_query};
use hotline_domain::{Role, ValidationError};
use hotline_store::entities::{kb_article, kb_search_gap};
use hotline_store::{kb, tenants};
use uuid::Uuid;

use super::tags_of;
use crate::{Core, CoreError, CoreResult, Principal};

/// What a query decides on without reading the article.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub(crate) tenant: Uuid,
    pub(crate) public: bool,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    version: i32,
    category: Option<String>,
}

#[derive(Default)]
struct Loaded {
    index: Index,
    meta: HashMap<Uuid, Meta>,
}

/// The index of published articles, loaded once, then changed article by article.
#[derive(Default)]
pub struct KbIndex {
    loaded: RwLock<Option<Loaded>>,
    /// Articles another instance changed, reloaded before the next search.
    pending: Mutex<HashSet<Uuid>>,
}

impl KbIndex {
    /// Another instance changed this article.
    pub fn mark_changed(&self, id: Uuid) {
        if let Ok(mut p) = self.pending.lock() {
            p.insert(id);
        }
    }

    fn apply(&self, a: &kb_article::Model) {
        let Ok(mut guard) = self.loaded.write() else { return };
        let Some(loaded) = guard.as_mut() else { return };
        apply(loaded, a);
    }
}

fn apply(loaded: &mut Loaded, a: &kb_article::Model) {
    if a.status == ArticleStatus::Published.as_str() {
        loaded.index.upsert(Doc { id: a.id, title: a.title.clone(), body: a.body.clone(), tags: tags_of(&a.tags) });
        loaded.meta.insert(
            a.id,
            Meta {
                tenant: a.tenant_id,
                public: a.public,
                valid_from: a.valid_from,
                valid_until: a.valid_until,
                version: a.published_version.unwrap_or_default(),
                category: a.category.clone(),
            },
        );
    } else {
        loaded.index.remove(a.id);
        loaded.meta.remove(&a.id);
    }
}

/// One hit, highlighted.
#[derive(Debug, Clone)]
pub struct KbHit {
    pub article_id: Uuid,
    pub tenant_code: String,
    pub version: i32,
    pub category: Option<String>,
    pub public: bool,
    pub score: f32,
    pub title: Vec<Segment>,
    pub snippet: Vec<Segment>,
}

#[derive(Debug, Clone)]
pub struct KbSearch {
    /// The query as recorded in the gaps report.
    pub query: String,
    pub hits: Vec<KbHit>,
}

/// One line of the gaps report.
pub type Gap = hotline_store::kb::Gap;

const MAX_QUERY: usize = 200;

fn check_query(q: &str) -> Result<String, ValidationError> {
    let n = normalise_query(q);
    if n.is_empty() {
        return Err(ValidationError::new("q", "required", "a search needs words"));
    }
    if n.chars().count() > MAX_QUERY {
        return Err(ValidationError::new("q", "too_long", format!("a search has at most {MAX_QUERY} characters")));
    }
    Ok(n)
}

fn check_limit(limit: Option<u64>) -> Result<usize, ValidationError> {
    match limit {
        None => Ok(10),
        Some(l @ 1..=50) => Ok(l as usize),
        Some(_) => Err(ValidationError::new("limit", "out_of_range", "limit is 1 to 50")),
    }
}

impl Core {
    /// Loads the index if it is not loaded, and applies what other instances changed.
    pub async fn warm_kb_index(&self) -> CoreResult<()> {
        // Public articles of every line, and the index they are found through: platform scope.
        hotline_store::scope::platform(async move {
            let db = &self.store.db;
            let loaded = self.kb_index.loaded.read().map(|g| g.is_some()).unwrap_or(false);
            if !loaded {
                let rows = kb::published(db).await?;
                // Building is CPU work (about 55 µs an article): off the async threads.
                let built = tokio::task::spawn_blocking(move || {
                    let mut l = Loaded::default();
                    for a in &rows {
                        apply(&mut l, a);
                    }
                    l
                })
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))?;
                if let Ok(mut g) = self.kb_index.loaded.write()
                    && g.is_none()
                {
                    *g = Some(built);
                }
            }
            let pending: Vec<Uuid> = self.kb_index.pending.lock().map(|mut p| p.drain().collect()).unwrap_or_default();
            for id in pending {
                match kb::find(db, id).await? {
                    Some(a) => self.kb_index.apply(&a),
                    None => {
                        if let Ok(mut g) = self.kb_index.loaded.write()
                            && let Some(l) = g.as_mut()
                        {
                            l.index.remove(id);
                            l.meta.remove(&id);
                        }
                    }
                }
            }
            Ok(())
        })
        .await
    }

    /// An article was published or archived here: the index follows, and the other instances
    /// are told.
    pub(crate) async fn kb_changed(&self, a: &kb_article::Model) {
        self.kb_index.apply(a);
        // Also reread it before the next search: an index being built while this commit
        // happened may have read the article before it.
        self.kb_index.mark_changed(a.id);
        if let Err(e) = self.kv.publish(crate::routing::CHANNEL, &format!("kb:{}", a.id)).await {
            tracing::warn!(error = %e, "could not announce a knowledge-base change");
        }
    }

    /// Ranked hits among the articles `keep` allows.
    pub(crate) async fn kb_query(&self, q: &str, limit: usize, keep: impl Fn(&Meta) -> bool) -> CoreResult<Vec<KbHit>> {
        self.warm_kb_index().await?;
        let now = self.now();
        let found: Vec<(hotline_domain::kb_search::Hit, Meta)> = {
            let guard = self.kb_index.loaded.read().map_err(|_| CoreError::Internal("knowledge-base index poisoned".into()))?;
            let Some(l) = guard.as_ref() else { return Ok(Vec::new()) };
            let ok =
                |id: Uuid| l.meta.get(&id).is_some_and(|m| servable(ArticleStatus::Published, m.valid_from, m.valid_until, now) && keep(m));
            l.index.search(q, ok, limit).into_iter().filter_map(|h| l.meta.get(&h.id).cloned().map(|m| (h, m))).collect()
        };
        let mut codes: HashMap<Uuid, String> = HashMap::new();
        let mut hits = Vec::with_capacity(found.len());
        for (h, m) in found {
            if let std::collections::hash_map::Entry::Vacant(e) = codes.entry(m.tenant) {
                e.insert(tenants::find_by_id(&self.store.db, m.tenant).await?.map(|t| t.code).unwrap_or_default());
            }
            hits.push(KbHit {
                article_id: h.id,
                tenant_code: codes.get(&m.tenant).cloned().unwrap_or_default(),
                version: m.version,
                category: m.category,
                public: m.public,
                score: h.score,
                title: h.title,
                snippet: h.snippet,
            });
        }
        Ok(hits)
    }

    async fn record_gap(&self, tenant: Uuid, query: &str, source: &str) -> CoreResult<()> {
        let row = kb_search_gap::Model {
            id: Uuid::now_v7(),
            tenant_id: tenant,
            query: query.to_owned(),
            source: source.to_owned(),
            searched_at: self.now(),
        };
        kb::record_gap(&self.store.db, row).await?;
        Ok(())
    }

    /// `GET /kb/search`: published, valid articles of the lines the caller serves (all lines
    /// from the platform's desks, else the caller's line), internal ones included; `line`
    /// narrows to one line. A search that finds nothing is kept for the gaps report of the line
    /// searched (the caller's own when not narrowed).
    pub async fn search_kb(&self, p: &Principal, q: &str, line: Option<&str>, limit: Option<u64>) -> CoreResult<KbSearch> {
        let scope = self.kb_scope_of(p, "kb.search", "").await?;
        let query = check_query(q)?;
        let limit = check_limit(limit)?;
        let line = match line.filter(|l| !l.is_empty()) {
            Some(code) => {
                let t = tenants::find_by_code(&self.store.db, code).await?.ok_or(CoreError::NotFound("tenant"))?;
                if scope.is_some_and(|s| s != t.id) {
                    return Err(CoreError::NotFound("tenant"));
                }
                Some(t.id)
            }
            None => scope,
        };
        let hits = self.kb_query(&query, limit, |m| line.is_none_or(|t| m.tenant == t)).await?;
        if hits.is_empty() {
            self.record_gap(line.unwrap_or(p.tenant.id.0), &query, "staff").await?;
        }
        Ok(KbSearch { query, hits })
    }

    /// `GET /public/kb/search`: citizens search the public articles of every line (or one).
    pub async fn public_search_kb(&self, ip: &str, q: &str, line: Option<&str>, limit: Option<u64>) -> CoreResult<KbSearch> {
        // Public articles of every line, and the index they are found through: platform scope.
        hotline_store::scope::platform(async move {
            self.public_budget(ip).await?;
            let query = check_query(q)?;
            let limit = check_limit(limit)?;
            let db = &self.store.db;
            let line = match line.filter(|l| !l.is_empty()) {
                Some(code) => Some(tenants::find_by_code(db, code).await?.ok_or(CoreError::NotFound("tenant"))?.id),
                None => None,
            };
            let hits = self.kb_query(&query, limit, |m| m.public && line.is_none_or(|t| m.tenant == t)).await?;
            if hits.is_empty() {
                let platform = tenants::find_by_code(db, crate::bootstrap::PLATFORM_CODE).await?.ok_or(CoreError::NotFound("platform"))?;
                self.record_gap(line.unwrap_or(platform.id), &query, "public").await?;
            }
            Ok(KbSearch { query, hits })
        })
        .await
    }

    /// The article an agent answers from: published, valid now, of a line the agent serves;
    /// anything else is an invalid `article_id`.
    pub(crate) async fn answering_article(&self, p: &Principal, id: &str) -> CoreResult<kb_article::Model> {
        let unknown = || ValidationError::new("article_id", "unknown_article", "no published, valid article of your lines has this id");
        let scope = self.kb_scope(p).map_err(|_| unknown())?;
        let id = id.parse::<Uuid>().map_err(|_| unknown())?;
        let a = kb::find(&self.store.db, id).await?.ok_or_else(unknown)?;
        if scope.is_some_and(|t| t != a.tenant_id) || !super::served(&a, self.now()) {
            return Err(unknown().into());
        }
        Ok(a)
    }

    /// `GET /public/kb/articles/{id}`: a public, published, valid article (anything else is
    /// "not found").
    pub async fn public_article(&self, ip: &str, id: &str) -> CoreResult<(kb_article::Model, String)> {
        // Public articles of every line, and the index they are found through: platform scope.
        hotline_store::scope::platform(async move {
            self.public_budget(ip).await?;
            let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("article"))?;
            let a = kb::find(&self.store.db, id).await?.ok_or(CoreError::NotFound("article"))?;
            if !a.public || !super::served(&a, self.now()) {
                return Err(CoreError::NotFound("article"));
            }
            let code = tenants::find_by_id(&self.store.db, a.tenant_id).await?.map(|t| t.code).unwrap_or_default();
            Ok((a, code))
        })
        .await
    }

    /// `GET /tenants/{code}/kb/gaps`: what the line's searches did not find in `[from, to)`
    /// (default: the last 30 days), most asked first — for the line's administrators and the
    /// city office.
    pub async fn kb_gaps(&self, p: &Principal, code: &str, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> CoreResult<Vec<Gap>> {
        let t = self.visible_tenant(p, code).await?;
        self.require(p, "kb.gaps", code, &[Role::TenantAdmin, Role::CityAdmin, Role::CitySupervisor]).await?;
        let to = to.unwrap_or(self.now() + chrono::Duration::seconds(1));
        let from = from.unwrap_or(to - chrono::Duration::days(30));
        if to <= from {
            return Err(ValidationError::new("to", "before_from", "to must be after from").into());
        }
        Ok(kb::gaps(&self.store.db, t.id, from, to, 200).await?)
    }
}

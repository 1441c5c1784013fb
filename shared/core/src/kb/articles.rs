//! Writing articles: a draft, new versions, submission, approval by a second person, archiving.

use chrono::{DateTime, Utc};
use hotline_domain::kb::{ArticleContent, ArticleStatus, VersionAction, VersionState, step};
use hotline_domain::{Role, ValidationError};
use hotline_store::entities::{kb_article, kb_article_version, tenant};
use hotline_store::{kb, users};
use uuid::Uuid;

use super::{ArticleView, READERS, WRITERS};
use crate::audit::{Entry, Outcome};
use crate::{Core, CoreError, CoreResult, Principal};

/// An article's content as sent by an author.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub category: Option<String>,
    pub public: bool,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub review_at: Option<DateTime<Utc>>,
    /// Who is told about expiry and reviews (a user of the line); the author by default.
    pub owner_id: Option<String>,
}

impl ArticleInput {
    fn check(&self) -> Result<ArticleContent, ValidationError> {
        ArticleContent::check(
            &self.title,
            &self.body,
            &self.tags,
            self.category.as_deref(),
            self.public,
            self.valid_from,
            self.valid_until,
            self.review_at,
        )
    }
}

fn version_row(
    article: &kb_article::Model,
    version: i32,
    c: &ArticleContent,
    p: &Principal,
    now: DateTime<Utc>,
) -> kb_article_version::Model {
    kb_article_version::Model {
        id: Uuid::now_v7(),
        article_id: article.id,
        tenant_id: article.tenant_id,
        version,
        state: VersionState::Draft.as_str().to_owned(),
        title: c.title.clone(),
        body: c.body.clone(),
        tags: c.tags.join(","),
        category: c.category.clone(),
        public: c.public,
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        review_at: c.review_at,
        author_id: p.id,
        author_name: p.name.chars().take(64).collect(),
        decided_by: None,
        decided_at: None,
        reason: None,
        created_at: now,
    }
}

/// The article row shows a version's content (the published one, or the first draft's).
fn show(article: &mut kb_article::Model, v: &kb_article_version::Model) {
    article.title = v.title.clone();
    article.body = v.body.clone();
    article.tags = v.tags.clone();
    article.category = v.category.clone();
    article.public = v.public;
    article.valid_from = v.valid_from;
    article.valid_until = v.valid_until;
    article.review_at = v.review_at;
}

impl Core {
    async fn require_writer(&self, p: &Principal, action: &str, t: &tenant::Model) -> CoreResult<()> {
        let own = p.tenant.id.0 == t.id && p.has_any(WRITERS);
        if (own || p.on_platform() && p.has(Role::CityAdmin)) && p.user_id().is_some() {
            return Ok(());
        }
        self.audit_denied(p, action, &t.code, "not a knowledge-base writer of this line").await;
        Err(CoreError::forbidden("articles are written by the line's agents, dispatchers and administrators"))
    }

    /// `GET /tenants/{code}/kb/articles`: a line's articles, drafts included, with their flags.
    pub async fn list_articles(&self, p: &Principal, code: &str, status: Option<&str>) -> CoreResult<Vec<ArticleView>> {
        let t = self.visible_tenant_for(p, code).await?;
        self.require(p, "kb.list", code, READERS).await?;
        let status = status.filter(|s| !s.is_empty()).map(|s| ArticleStatus::parse(s).map_err(|e| e.at("status"))).transpose()?;
        let rows = kb::list(&self.store.db, t.id, status.map(|s| s.as_str()), 500).await?;
        Ok(rows.into_iter().map(|a| self.article_view(a, &t, Vec::new())).collect())
    }

    /// A line's own staff see their line; the platform's desks and the city office every line.
    async fn visible_tenant_for(&self, p: &Principal, code: &str) -> CoreResult<tenant::Model> {
        if matches!(self.kb_scope(p), Ok(None)) {
            return hotline_store::tenants::find_by_code(&self.store.db, code).await?.ok_or(CoreError::NotFound("tenant"));
        }
        self.visible_tenant(p, code).await
    }

    /// `POST /tenants/{code}/kb/articles`: a new article as version 1, a draft.
    pub async fn create_article(&self, p: &Principal, code: &str, input: ArticleInput) -> CoreResult<ArticleView> {
        let t = self.visible_tenant(p, code).await?;
        self.require_writer(p, "kb.create", &t).await?;
        let content = input.check()?;
        let db = &self.store.db;
        let owner = match input.owner_id.as_deref().filter(|o| !o.is_empty()) {
            Some(o) => {
                let id = crate::cases::parse_uuid("owner_id", o)?;
                users::find(db, t.id, id)
                    .await?
                    .ok_or_else(|| ValidationError::new("owner_id", "unknown_user", "the owner is a user of this line"))?
                    .id
            }
            None => p.id,
        };
        let now = self.now();
        let mut article = kb_article::Model {
            id: Uuid::now_v7(),
            tenant_id: t.id,
            owner_id: owner,
            status: ArticleStatus::Draft.as_str().to_owned(),
            public: false,
            category: None,
            tags: String::new(),
            title: String::new(),
            body: String::new(),
            valid_from: None,
            valid_until: None,
            review_at: None,
            published_version: None,
            latest_version: 1,
            answer_count: 0,
            flag_notified: None,
            created_at: now,
            updated_at: now,
        };
        let v = version_row(&article, 1, &content, p, now);
        show(&mut article, &v);
        let txn = hotline_store::begin_write(db).await?;
        kb::insert(&txn, article.clone()).await?;
        kb::insert_version(&txn, v.clone()).await?;
        self.audit_on(&txn, Entry::by(p, "kb.create", &article.id.to_string(), Outcome::Success).tenant(Some(t.id))).await?;
        txn.commit().await?;
        Ok(self.article_view(article, &t, vec![v]))
    }

    /// `GET /kb/articles/{id}`: an article with all its versions.
    pub async fn get_article(&self, p: &Principal, id: &str) -> CoreResult<ArticleView> {
        let (a, t) = self.readable_article(p, id).await?;
        let versions = kb::versions(&self.store.db, a.id).await?;
        Ok(self.article_view(a, &t, versions))
    }

    /// `POST /kb/articles/{id}/versions`: new content. A draft being written is replaced in
    /// place; otherwise a new version starts (one waiting for approval must be decided first).
    pub async fn edit_article(&self, p: &Principal, id: &str, input: ArticleInput) -> CoreResult<ArticleView> {
        let (mut a, t) = self.readable_article(p, id).await?;
        self.require_writer(p, "kb.edit", &t).await?;
        if a.status == ArticleStatus::Archived.as_str() {
            return Err(CoreError::conflict("article_archived", "an archived article is not edited"));
        }
        let content = input.check()?;
        let db = &self.store.db;
        let now = self.now();
        let latest = kb::version(db, a.id, a.latest_version).await?.ok_or(CoreError::NotFound("article"))?;
        let txn = hotline_store::begin_write(db).await?;
        let v = match VersionState::parse(&latest.state)? {
            VersionState::Submitted => {
                return Err(CoreError::conflict("version_pending", "the latest version waits for approval: approve or reject it first"));
            }
            VersionState::Draft => {
                let mut v = version_row(&a, latest.version, &content, p, now);
                v.id = latest.id;
                v.created_at = latest.created_at;
                kb::update_version(&txn, v.clone()).await?;
                v
            }
            _ => {
                a.latest_version += 1;
                let v = version_row(&a, a.latest_version, &content, p, now);
                kb::insert_version(&txn, v.clone()).await.map_err(|e| stale(e.into()))?;
                v
            }
        };
        if a.published_version.is_none() {
            show(&mut a, &v);
        }
        a.updated_at = now;
        kb::update(&txn, a.clone()).await?;
        self.audit_on(
            &txn,
            Entry::by(p, "kb.edit", &a.id.to_string(), Outcome::Success).tenant(Some(t.id)).detail(format!("v{}", v.version)),
        )
        .await?;
        txn.commit().await?;
        self.get_article(p, id).await
    }

    /// `POST /kb/articles/{id}/versions/{version}/{submit|approve|reject}`. Approving publishes
    /// the version (the one before it is superseded); only a line's administrator (or the city
    /// admin) decides, and never on their own version.
    pub async fn article_step(
        &self,
        p: &Principal,
        id: &str,
        version: i32,
        action: VersionAction,
        reason: Option<String>,
    ) -> CoreResult<ArticleView> {
        let (mut a, t) = self.readable_article(p, id).await?;
        match action {
            VersionAction::Submit => self.require_writer(p, "kb.submit", &t).await?,
            _ => self.require_admin_of(p, &format!("kb.{action}"), &t).await?,
        }
        if a.status == ArticleStatus::Archived.as_str() {
            return Err(CoreError::conflict("article_archived", "an archived article has no more steps"));
        }
        let db = &self.store.db;
        let mut v = kb::version(db, a.id, version).await?.ok_or(CoreError::NotFound("version"))?;
        let next = step(VersionState::parse(&v.state)?, action, v.author_id, p.id).map_err(|e| match e.code {
            "own_version" => CoreError::forbidden_because("own_version", e.message),
            "invalid_transition" => CoreError::conflict("invalid_transition", e.message),
            _ => e.into(),
        })?;
        let reason = match action {
            VersionAction::Reject => Some(crate::cases::required("reason", &reason, 500)?),
            _ => None,
        };
        let now = self.now();
        v.state = next.as_str().to_owned();
        if action != VersionAction::Submit {
            v.decided_by = Some(p.id);
            v.decided_at = Some(now);
            v.reason = reason;
        }
        let txn = hotline_store::begin_write(db).await?;
        if action == VersionAction::Approve {
            if let Some(old) = a.published_version
                && let Some(mut before) = kb::version(&txn, a.id, old).await?
            {
                before.state = VersionState::Superseded.as_str().to_owned();
                kb::update_version(&txn, before).await?;
            }
            show(&mut a, &v);
            a.status = ArticleStatus::Published.as_str().to_owned();
            a.published_version = Some(v.version);
            a.flag_notified = None;
        }
        a.updated_at = now;
        kb::update_version(&txn, v.clone()).await?;
        kb::update(&txn, a.clone()).await?;
        let detail = format!("v{}", v.version);
        self.audit_on(&txn, Entry::by(p, &format!("kb.{action}"), &a.id.to_string(), Outcome::Success).tenant(Some(t.id)).detail(detail))
            .await?;
        txn.commit().await?;
        if action == VersionAction::Approve {
            self.kb_changed(&a).await;
        }
        self.get_article(p, id).await
    }

    /// `POST /kb/articles/{id}/archive`: withdrawn from search and answers (the line's
    /// administrators); history stays.
    pub async fn archive_article(&self, p: &Principal, id: &str) -> CoreResult<ArticleView> {
        let (mut a, t) = self.readable_article(p, id).await?;
        self.require_admin_of(p, "kb.archive", &t).await?;
        if a.status == ArticleStatus::Archived.as_str() {
            return Err(CoreError::conflict("article_archived", "the article is archived already"));
        }
        a.status = ArticleStatus::Archived.as_str().to_owned();
        a.updated_at = self.now();
        let txn = hotline_store::begin_write(&self.store.db).await?;
        kb::update(&txn, a.clone()).await?;
        self.audit_on(&txn, Entry::by(p, "kb.archive", &a.id.to_string(), Outcome::Success).tenant(Some(t.id))).await?;
        txn.commit().await?;
        self.kb_changed(&a).await;
        self.get_article(p, id).await
    }
}

/// Two authors starting a version at once: the second is told to reload.
fn stale(e: CoreError) -> CoreError {
    match e {
        CoreError::Conflict { .. } => CoreError::conflict("stale_article", "the article changed meanwhile; reload and edit again"),
        other => other,
    }
}

use chrono::{DateTime, Utc};
use hotline_auth::{ApiKeySecret, hash_secret};
use hotline_domain::parse_name;
use hotline_store::entities::api_key;
use hotline_store::{Page, PageRequest, api_keys};
use uuid::Uuid;

use crate::audit::{Entry, Outcome};
use crate::{Core, CoreError, CoreResult, Principal};

#[derive(Debug, Clone)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub tenant_code: String,
    pub name: String,
    /// The public part of the key, to recognise it in lists and logs.
    pub prefix: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn view(code: &str, k: api_key::Model) -> ApiKeyView {
    ApiKeyView {
        id: k.id,
        tenant_code: code.to_owned(),
        name: k.name,
        prefix: k.prefix,
        created_by: k.created_by,
        created_at: k.created_at,
        last_used_at: k.last_used_at,
        revoked_at: k.revoked_at,
    }
}

impl Core {
    pub async fn list_api_keys(&self, p: &Principal, code: &str, page: PageRequest) -> CoreResult<Page<ApiKeyView>> {
        let t = self.visible_tenant(p, code).await?;
        self.require_key_admin_of(p, "api_key.read", &t).await?;
        Ok(api_keys::list(&self.store.db, t.id, page).await?.map(|k| view(&t.code, k)))
    }

    /// Creates a key and returns it with its secret, which is never shown again (only its
    /// hash is kept).
    pub async fn create_api_key(&self, p: &Principal, code: &str, name: &str) -> CoreResult<(ApiKeyView, String)> {
        let t = self.visible_tenant(p, code).await?;
        self.require_key_admin_of(p, "api_key.create", &t).await?;
        let name = parse_name("name", name, 128)?;
        let secret = ApiKeySecret::generate();
        let row = api_key::Model {
            id: Uuid::now_v7(),
            tenant_id: t.id,
            name,
            prefix: secret.prefix.clone(),
            key_hash: hash_secret(&secret.full),
            created_by: p.user_id(),
            created_at: self.now(),
            last_used_at: None,
            revoked_at: None,
        };
        let txn = hotline_store::begin_write(&self.store.db).await?;
        api_keys::insert(&txn, row.clone()).await?;
        let entry = Entry::by(p, "api_key.create", &row.id.to_string(), Outcome::Success).tenant(Some(t.id)).detail(row.name.clone());
        self.audit_on(&txn, entry).await?;
        txn.commit().await?;
        Ok((view(&t.code, row), secret.full))
    }

    pub async fn revoke_api_key(&self, p: &Principal, code: &str, id: &str) -> CoreResult<ApiKeyView> {
        let t = self.visible_tenant(p, code).await?;
        self.require_key_admin_of(p, "api_key.revoke", &t).await?;
        let id = id.parse::<Uuid>().map_err(|_| CoreError::NotFound("API key"))?;
        let txn = hotline_store::begin_write(&self.store.db).await?;
        api_keys::revoke(&txn, t.id, id, self.now()).await?;
        let key = api_keys::find(&txn, t.id, id).await?.ok_or(CoreError::NotFound("API key"))?;
        self.audit_on(&txn, Entry::by(p, "api_key.revoke", &id.to_string(), Outcome::Success).tenant(Some(t.id))).await?;
        txn.commit().await?;
        // Refused at once here; the other instances drop their cached copy on the message.
        self.api_key_cache.forget(&key.prefix);
        if let Err(e) = self.kv.publish(crate::routing::CHANNEL, &format!("apikey:{}", key.prefix)).await {
            tracing::warn!(error = %e, "could not announce a revoked API key (other instances refuse it within the cache's lifetime)");
        }
        Ok(view(&t.code, key))
    }
}

//! Reading cases: one case, lists, the event history, and the audited reveal of contact data.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotline_domain::Role;
use hotline_domain::case::{CaseStatus, Channel, ContactType, Urgency};
use hotline_store::cases::{self, CaseFilter};
use hotline_store::{Page, PageRequest};

use super::steps::required;
use super::view::{CaseView, EventView, RevealedContact, case_view, event_view, hides_reporter};
use crate::audit::{Entry, Outcome};
use crate::read_cache::{CaseRead, Fence, PageKey, PageRead};
use crate::{Core, CoreError, CoreResult, Principal};

/// The row-level-security scope the task's connections carry (`hotline.scope`).
fn row_security() -> String {
    hotline_store::scope::current().map(|s| s.setting()).unwrap_or_default()
}

/// The read cache, unless the request has written: its own change may not have reached the
/// cache yet (the request waits for that only before it answers), and a page it renders after
/// a step (the console's) must show the step.
fn cache_of(core: &Core) -> Option<&crate::read_cache::ReadCache> {
    (!hotline_store::scope::wrote()).then_some(&*core.read_cache)
}

#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub tenant: Option<String>,
    pub unit_id: Option<String>,
    pub status: Option<String>,
    pub contact_type: Option<String>,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub channel: Option<String>,
    pub district: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
    pub problem: Option<bool>,
    /// Past the reminder point, not yet due.
    pub near_due: Option<bool>,
    /// Only cases whose unit asked for more time and waits for the decision.
    pub extension_pending: Option<bool>,
    pub q: Option<String>,
}

impl Core {
    /// Answered from the read cache when the same question was asked under the same scopes
    /// since the case last changed (see [`crate::read_cache`]); the view is masked for `p`
    /// either way.
    pub async fn get_case(&self, p: &Principal, id: &str) -> CoreResult<CaseView> {
        let fence = Fence { scope: self.case_scope(p)?, row_security: row_security() };
        let id = super::access::case_id(id)?;
        let cache = cache_of(self);
        if let Some(kept) = cache.and_then(|c| c.case(&fence, id)) {
            let CaseRead { case, parts } = (*kept).clone();
            return Ok(case_view(case, parts, p));
        }
        let ticket = cache.and_then(|c| c.case_ticket());
        let (case, parts) = cases::find_with_participants(&self.store.db, fence.scope, id).await?.ok_or(CoreError::NotFound("case"))?;
        if let (Some(cache), Some(ticket)) = (cache, ticket) {
            cache.keep_case(ticket, fence, Arc::new(CaseRead { case: case.clone(), parts: parts.clone() }));
        }
        Ok(case_view(case, parts, p))
    }

    /// The case a tracking number names, if the reader may see it (the console's search box:
    /// agents read tracking numbers, not ids, over the phone).
    pub async fn find_case_by_tracking(&self, p: &Principal, tracking: &str) -> CoreResult<CaseView> {
        let found = cases::find_by_tracking(&self.store.db, tracking.trim()).await?.ok_or(CoreError::NotFound("case"))?;
        self.get_case(p, &found.id.to_string()).await
    }

    pub async fn case_events(&self, p: &Principal, id: &str, page: PageRequest) -> CoreResult<Page<EventView>> {
        let c = self.visible_case(p, id).await?;
        Ok(cases::events(&self.store.db, c.id, page).await?.map(event_view))
    }

    pub async fn list_cases(&self, p: &Principal, q: CaseQuery, page: PageRequest) -> CoreResult<Page<CaseView>> {
        let scope = self.case_scope(p)?;
        let tenant_id = match &q.tenant {
            Some(code) => Some(self.visible_tenant(p, code).await?.id),
            None => None,
        };
        let word = |v: &Option<String>, f: fn(&str) -> Result<String, hotline_domain::ValidationError>| v.as_deref().map(f).transpose();
        let filter = CaseFilter {
            tenant_id,
            unit_id: q.unit_id.as_deref().map(|u| super::steps::parse_uuid("unit_id", u)).transpose()?,
            status: word(&q.status, |s| CaseStatus::parse(s).map(|v| v.as_str().to_owned()))?,
            contact_type: word(&q.contact_type, |s| ContactType::parse(s).map(|v| v.as_str().to_owned()))?,
            category: q.category.filter(|c| !c.is_empty()),
            urgency: word(&q.urgency, |s| Urgency::parse(s).map(|v| v.as_str().to_owned()))?,
            channel: word(&q.channel, |s| Channel::parse(s).map(|v| v.as_str().to_owned()))?,
            district: q.district.filter(|d| !d.is_empty()),
            created_from: q.created_from,
            created_to: q.created_to,
            overdue_at: q.overdue.filter(|o| *o).map(|_| self.now()),
            problem: q.problem,
            near_at: q.near_due.filter(|n| *n).map(|_| self.now()),
            extension_pending: q.extension_pending,
            q: q.q.filter(|t| !t.trim().is_empty()),
            has_lead: false,
        };
        let key = PageKey { fence: Fence { scope, row_security: row_security() }, filter, page };
        let cache = cache_of(self);
        let read = match cache.and_then(|c| c.page(&key)) {
            Some(kept) => kept,
            None => {
                let ticket = cache.and_then(|c| c.page_ticket(&key));
                let read = Arc::new(self.read_page(&key).await?);
                if let (Some(cache), Some(ticket)) = (cache, ticket) {
                    cache.keep_page(ticket, key, read.clone());
                }
                read
            }
        };
        let items = read.items.iter().map(|r| case_view(r.case.clone(), r.parts.clone(), p)).collect();
        Ok(Page { items, next: read.next })
    }

    /// A list page and its cases' participants from the database.
    async fn read_page(&self, key: &PageKey) -> CoreResult<PageRead> {
        let page = cases::list(&self.store.db, key.fence.scope, &key.filter, key.page).await?;
        // One query for the page's participants, not one per case.
        let ids: Vec<uuid::Uuid> = page.items.iter().map(|c| c.id).collect();
        let mut parts = cases::participants_of(&self.store.db, &ids).await?;
        let items = page
            .items
            .into_iter()
            .map(|case| {
                let parts = parts.remove(&case.id).unwrap_or_default();
                CaseRead { case, parts }
            })
            .collect();
        Ok(PageRead { items, next: page.next })
    }

    /// The supervision queues (near due, overdue, problem) for those who supervise.
    pub async fn list_supervision(
        &self,
        p: &Principal,
        view: &str,
        tenant: Option<String>,
        page: PageRequest,
    ) -> CoreResult<Page<CaseView>> {
        self.require(p, "supervision.read", "supervision", &[Role::CitySupervisor, Role::Dispatcher, Role::TenantAdmin, Role::UnitLead])
            .await?;
        let mut q = CaseQuery { tenant, ..Default::default() };
        match view {
            "near_due" => q.near_due = Some(true),
            "overdue" => q.overdue = Some(true),
            "problem" => q.problem = Some(true),
            other => {
                return Err(hotline_domain::ValidationError::new(
                    "view",
                    "invalid_value",
                    format!("'{other}' is not one of: near_due, overdue, problem"),
                )
                .into());
            }
        }
        self.list_cases(p, q, page).await
    }

    /// Returns the caller's name and phone in clear, for a stated reason, and records who saw
    /// them, when and why. Never to the unit a whistle-blower reported about.
    pub async fn reveal_contact(&self, p: &Principal, id: &str, reason: Option<String>) -> CoreResult<RevealedContact> {
        let c = self.visible_case(p, id).await?;
        let reason = required("reason", &reason, 500)?;
        let allowed = p.has_any(&[Role::Agent, Role::Dispatcher, Role::UnitLead, Role::UnitHandler]);
        if !allowed || hides_reporter(&c, p) {
            self.audit_denied(p, "case.reveal_contact", &c.tracking_number, if allowed { "reported unit" } else { "missing role" }).await;
            return Err(CoreError::forbidden("you may not see this caller's contact data"));
        }
        let decrypt = |v: &Option<String>| -> CoreResult<Option<String>> {
            v.as_deref().map(|x| self.pii.decrypt(x).map_err(|e| CoreError::Internal(e.to_string()))).transpose()
        };
        let contact = RevealedContact { caller_name: decrypt(&c.caller_name_enc)?, caller_phone: decrypt(&c.caller_phone_enc)? };
        let entry = Entry::by(p, "case.reveal_contact", &c.tracking_number, Outcome::Success).tenant(Some(c.tenant_id)).detail(reason);
        self.audit_on(&self.store.db, entry).await?;
        Ok(contact)
    }
}

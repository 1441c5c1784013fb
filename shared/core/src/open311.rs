//! Open311 GeoReport v2 over the platform: jurisdictions, the services of the lines'
//! dispatch catalogues, requests filed by integrators as ordinary cases, public reads of cases
//! without personal data, and mySociety's request updates (citizen follow-ups, "not fixed").
//! The rendering (JSON, XML, the spec's error lists) is the API layer's.

use chrono::{DateTime, Utc};
use hotline_domain::case::{CaseStatus, ContactType};
use hotline_domain::open311::{self as spec, OTHER};
use hotline_domain::{MergeMode, Role, TenantKind, ValidationError};
use hotline_store::cases::{self, CaseScope};
use hotline_store::catalogue::{self, CategoryFilter, PublicFilter};
use hotline_store::entities::{case, case_event, tenant};
use hotline_store::{tenants, units};
use uuid::Uuid;

use crate::bootstrap::PLATFORM_CODE;
use crate::cases::{AttachmentInput, IntakeInput, StepInput};
use crate::{Core, CoreError, CoreResult, Principal};

/// Who answers under a `jurisdiction_id`: the city platform (every line), or one line that
/// keeps its own number (双号并行, 设分中心).
#[derive(Debug, Clone)]
pub struct Jurisdiction {
    pub code: String,
    pub root: tenant::Model,
    /// The tenants whose services are offered and whose cases are listed here.
    pub tenants: Vec<tenant::Model>,
}

impl Jurisdiction {
    fn is_platform(&self) -> bool {
        self.root.kind == TenantKind::Platform.as_str()
    }

    fn scope(&self) -> CaseScope {
        if self.is_platform() { CaseScope::All } else { CaseScope::Tenant(self.root.id) }
    }
}

/// One Open311 service: a category of a line's catalogue, or a line's catch-all.
#[derive(Debug, Clone)]
pub struct Service {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub keywords: Option<String>,
    /// The line's name (Open311's `group`).
    pub group: String,
    pub tenant_id: Uuid,
    /// The category a case filed under it gets; `None` for the catch-all.
    pub category: Option<String>,
}

/// A request as public GETs show it: nothing about the citizen.
#[derive(Debug, Clone)]
pub struct PublicRequest {
    pub service_request_id: String,
    pub status: &'static str,
    pub status_notes: String,
    pub service_name: Option<String>,
    pub service_code: String,
    pub description: String,
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: DateTime<Utc>,
    pub updated_datetime: DateTime<Utc>,
    pub expected_datetime: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
    /// Our finer detail, for `extensions=true`.
    pub extended: Extended,
}

#[derive(Debug, Clone)]
pub struct Extended {
    pub state: String,
    pub closure: Option<String>,
    pub contact_type: String,
    pub channel: String,
    pub urgency: String,
    pub district: Option<String>,
    /// The line that received the case.
    pub line: String,
    /// The public milestones of the case, oldest first.
    pub notes: Vec<Update>,
}

/// One public step of a request (mySociety's `request_update`).
#[derive(Debug, Clone)]
pub struct Update {
    pub update_id: String,
    pub service_request_id: String,
    pub status: &'static str,
    pub updated_datetime: DateTime<Utc>,
    pub description: String,
}

/// What `POST requests` carries (form fields of the spec).
#[derive(Debug, Clone, Default)]
pub struct RequestForm {
    pub jurisdiction_id: Option<String>,
    pub service_code: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub email: Option<String>,
    pub device_id: Option<String>,
    pub account_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub media_url: Option<String>,
    /// `attribute[code]` → value (a list's several values as several pairs).
    pub attributes: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Created {
    pub service_request_id: String,
    pub token: String,
    pub service_notice: String,
}

/// What `GET requests` may ask.
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    pub jurisdiction_id: Option<String>,
    pub service_request_id: Option<String>,
    pub service_code: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub status: Option<String>,
    pub page: Option<String>,
    pub page_size: Option<String>,
}

/// What `POST servicerequestupdates` carries.
#[derive(Debug, Clone, Default)]
pub struct UpdateForm {
    pub jurisdiction_id: Option<String>,
    pub service_request_id: Option<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    pub media_url: Option<String>,
}

/// The steps a citizen may read about, and what the update says besides the state.
const PUBLIC_ACTIONS: &[&str] =
    &["receive", "accept", "answer", "refer", "transfer", "link", "dispatch", "sign", "feedback", "rate", "close", "reopen", "follow_up"];

fn number(field: &str, v: &Option<String>) -> Result<Option<f64>, ValidationError> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<f64>().ok().filter(|n| n.is_finite()))
        .map(|n| n.ok_or_else(|| ValidationError::new(field, "invalid_number", format!("{field} is a decimal number"))))
        .transpose()
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Chinese names are family name first, without a space; others as given.
fn caller_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    match (first, last) {
        (Some(f), Some(l)) if cjk(f) || cjk(l) => Some(format!("{l}{f}")),
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (one, other) => one.or(other).map(str::to_owned),
    }
}

fn media_type(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    match path.rsplit('.').next() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("mp4") => "video/mp4",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// The text of one public step.
fn update_text(e: &case_event::Model, c: &case::Model) -> String {
    let to = CaseStatus::parse(&e.to_status).unwrap_or(CaseStatus::Received);
    let closure = (to == CaseStatus::Closed).then_some(c.closure.as_deref()).flatten();
    let stage = spec::status_note(to, closure);
    // The public answer travels with the step that gave it; handlers' internal reasons do not.
    let payload: serde_json::Value = e.payload.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default();
    let said = match e.action.as_str() {
        // Given once, at the first contact: the case holds them as they were said.
        "answer" => c.answer.clone(),
        "refer" => c.referral.clone(),
        // Each round of handling has its own answer and rating, kept in its event.
        "feedback" => payload["text"].as_str().map(str::to_owned),
        "rate" => payload["rating"].as_str().map(|r| format!("市民评价 rated: {r}")),
        "follow_up" => Some("市民补充诉求 the citizen added to the request".to_owned()),
        _ => None,
    };
    match said {
        Some(s) => spec::scrub(&format!("{stage}. {s}")),
        None => stage,
    }
}

impl Core {
    /// The jurisdiction named by `jurisdiction_id` (none: the city platform).
    pub async fn open311_jurisdiction(&self, id: Option<&str>) -> CoreResult<Jurisdiction> {
        // Open311 is the platform's public face (every line's public cases): platform scope.
        hotline_store::scope::platform(async move {
            let code = id.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(PLATFORM_CODE);
            let mut all = tenants::all_active(&self.store.db).await?;
            // The front door's own services first, then the lines by code.
            all.sort_by_key(|t| (t.kind != TenantKind::Platform.as_str(), t.code.clone()));
            let root = all.iter().find(|t| t.code == code).cloned().ok_or(CoreError::NotFound("jurisdiction"))?;
            let keeps_number = root.merge_mode.as_deref().and_then(|m| MergeMode::parse(m).ok()).is_some_and(MergeMode::keeps_own_number);
            if root.kind == TenantKind::Platform.as_str() {
                Ok(Jurisdiction { code: code.to_owned(), root, tenants: all })
            } else if keeps_number {
                Ok(Jurisdiction { code: code.to_owned(), tenants: vec![root.clone()], root })
            } else {
                // An absorbed line (整体并入) answers only through the platform.
                Err(CoreError::NotFound("jurisdiction"))
            }
        })
        .await
    }

    /// Where an integrator key writes: the jurisdiction named (by default its own), which must be
    /// the key's own tenant.
    async fn writing_jurisdiction(&self, p: &Principal, named: &Option<String>, action: &str, what: &str) -> CoreResult<Jurisdiction> {
        if !p.has(Role::Integrator) {
            return Err(CoreError::forbidden(format!("only an integrator API key {what} over Open311")));
        }
        let j = self.open311_jurisdiction(present(named).or(Some(p.tenant.code.as_str()))).await?;
        if j.root.id != p.tenant.id.0 {
            self.audit_denied(p, action, &j.code, "key of another jurisdiction").await;
            return Err(CoreError::forbidden(format!("this API key {what} in jurisdiction {} only", p.tenant.code)));
        }
        Ok(j)
    }

    /// Every service of a jurisdiction: each line's active categories, then its catch-all.
    pub async fn open311_services(&self, j: &Jurisdiction) -> CoreResult<Vec<Service>> {
        // Open311 is the platform's public face (every line's public cases): platform scope.
        hotline_store::scope::platform(async move {
            let ids: Vec<Uuid> = j.tenants.iter().map(|t| t.id).collect();
            let rows = catalogue::list(&self.store.db, &ids, false).await?;
            let mut out = Vec::with_capacity(rows.len() + j.tenants.len());
            for t in &j.tenants {
                for r in rows.iter().filter(|r| r.tenant_id == t.id) {
                    out.push(Service {
                        code: spec::service_code(&t.code, &r.code),
                        name: r.name.clone(),
                        description: r.description.clone(),
                        keywords: r.keywords.clone(),
                        group: t.name.clone(),
                        tenant_id: t.id,
                        category: Some(r.name.clone()),
                    });
                }
                out.push(Service {
                    code: spec::service_code(&t.code, OTHER),
                    name: "其他 Other".into(),
                    description: Some(format!("{}: 不在目录中的诉求，由坐席分类 / anything else; an agent classifies it", t.name)),
                    keywords: None,
                    group: t.name.clone(),
                    tenant_id: t.id,
                    category: None,
                });
            }
            Ok(out)
        })
        .await
    }

    pub async fn open311_service(&self, j: &Jurisdiction, code: &str) -> CoreResult<Service> {
        // Open311 is the platform's public face (every line's public cases): platform scope.
        hotline_store::scope::platform(async move {
            self.open311_services(j).await?.into_iter().find(|s| s.code == code).ok_or(CoreError::NotFound("service"))
        })
        .await
    }

    /// Files a request as an ordinary case of the key's tenant: routed by its rules, timed by
    /// its SLA, counted in the statistics.
    pub async fn open311_create(&self, p: &Principal, form: RequestForm, key: Option<&str>) -> CoreResult<Created> {
        let j = self.writing_jurisdiction(p, &form.jurisdiction_id, "open311.create", "files requests").await?;
        let code =
            present(&form.service_code).ok_or_else(|| ValidationError::new("service_code", "required", "service_code is required"))?;
        let service = match self.open311_service(&j, code).await {
            Err(CoreError::NotFound(_)) => {
                return Err(ValidationError::new(
                    "service_code",
                    "unknown_service",
                    format!("'{code}' is not a service of jurisdiction {}", j.code),
                )
                .into());
            }
            other => other?,
        };
        let mut contact_type = None;
        for (name, value) in &form.attributes {
            match name.as_str() {
                "contact_type" if contact_type.is_none() => {
                    contact_type = Some(ContactType::parse(value.trim()).map_err(|e| e.at("attribute[contact_type]"))?)
                }
                "contact_type" => {
                    return Err(ValidationError::new("attribute[contact_type]", "single_value", "contact_type takes one value").into());
                }
                other => {
                    return Err(ValidationError::new(
                        format!("attribute[{other}]"),
                        "unknown_attribute",
                        format!("service {} has no attribute '{other}'", service.code),
                    )
                    .into());
                }
            }
        }
        let contact_type = contact_type.ok_or_else(|| {
            ValidationError::new("attribute[contact_type]", "required", "attribute[contact_type] is required (see the service definition)")
        })?;
        let (lat, long) = (number("lat", &form.lat)?, number("long", &form.long)?);
        let address = present(&form.address_string).map(str::to_owned);
        if lat.is_none() && long.is_none() && address.is_none() && present(&form.address_id).is_none() {
            return Err(ValidationError::new(
                "lat",
                "location_required",
                "a request needs a location: lat and long, address_string or address_id",
            )
            .into());
        }
        let description = present(&form.description).map(str::to_owned).unwrap_or_else(|| service.name.clone());
        let input = IntakeInput {
            // Apps identify themselves by a device; everything else came through a web form.
            channel: if present(&form.device_id).is_some() { "app" } else { "web" }.into(),
            contact_type: contact_type.as_str().into(),
            category: service.category.clone(),
            description,
            address,
            lat,
            long,
            caller_name: caller_name(present(&form.first_name), present(&form.last_name)),
            caller_phone: present(&form.phone).map(str::to_owned),
            attachments: present(&form.media_url)
                .map(|u| spec::check_media_url(u).map(|u| vec![AttachmentInput { kind: media_type(&u).into(), url: u, size: 0 }]))
                .transpose()?
                .unwrap_or_default(),
            ..Default::default()
        };
        let result = self.create_case(p, input, key).await.map_err(form_fields)?;
        let r = result.receipt;
        Ok(Created {
            service_notice: format!("已接收，编号 {}；received, tracking number {}", r.tracking_number, r.tracking_number),
            service_request_id: r.tracking_number,
            token: r.case_id.to_string(),
        })
    }

    /// `tokens/{token}`: the request a token stands for.
    pub async fn open311_token(&self, j: &Jurisdiction, token: &str) -> CoreResult<String> {
        // Open311 is the platform's public face (every line's public cases): platform scope.
        hotline_store::scope::platform(async move {
            let id = token.parse::<Uuid>().map_err(|_| CoreError::NotFound("token"))?;
            let c = cases::find(&self.store.db, j.scope(), id).await?.filter(|c| spec::publicly_listed(&c.contact_type));
            Ok(c.ok_or(CoreError::NotFound("token"))?.tracking_number)
        })
        .await
    }

    /// `GET requests` and `GET requests/{id}`.
    pub async fn open311_requests(&self, j: &Jurisdiction, q: &RequestQuery) -> CoreResult<Vec<PublicRequest>> {
        // Open311 is the platform's public face (every line's public cases): platform scope.
        hotline_store::scope::platform(async move {
            let services = self.open311_services(j).await?;
            let (offset, limit) = spec::paging(q.page.as_deref(), q.page_size.as_deref())?;
            let mut f = PublicFilter { hidden_types: vec![ContactType::Report.as_str().to_owned()], ..Default::default() };
            // Every parameter is checked, even those a list of ids then overrides.
            if let Some(codes) = present(&q.service_code) {
                let mut c = CategoryFilter { known: services.iter().filter_map(|s| s.category.clone()).collect(), ..Default::default() };
                // A code this jurisdiction does not have matches nothing (an empty list, as a filter
                // on any other value would).
                for s in codes.split(',').map(str::trim).filter_map(|code| services.iter().find(|s| s.code == code)) {
                    match &s.category {
                        Some(name) => c.names.push(name.clone()),
                        None => {
                            c.uncatalogued = true;
                            if j.is_platform() {
                                c.uncatalogued_tenants.push(s.tenant_id);
                            }
                        }
                    }
                }
                f.categories = Some(c);
            }
            if let Some(status) = present(&q.status) {
                let (mut open, mut closed) = (false, false);
                for s in status.split(',').map(str::trim) {
                    match s {
                        "open" => open = true,
                        "closed" => closed = true,
                        other => {
                            return Err(ValidationError::new("status", "invalid_value", format!("'{other}' is not open or closed")).into());
                        }
                    }
                }
                f.open = if open == closed { None } else { Some(open) };
            }
            let (from, to) = spec::window_of(present(&q.start_date), present(&q.end_date), self.now())?;
            (f.from, f.to) = (Some(from), Some(to));
            if let Some(ids) = present(&q.service_request_id) {
                let ids: Vec<String> = ids.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
                if ids.len() > spec::MAX_PAGE_SIZE as usize {
                    return Err(ValidationError::new("service_request_id", "too_many", "at most 200 ids at once").into());
                }
                // The spec's rule: ids override every other filter.
                f = PublicFilter { tracking: Some(ids), hidden_types: f.hidden_types, ..Default::default() };
            }
            let rows = catalogue::public_cases(&self.store.db, j.scope(), &f, offset, limit).await?;
            let mut out = Vec::with_capacity(rows.len());
            for c in rows {
                out.push(self.public_request(j, &services, c).await?);
            }
            Ok(out)
        })
        .await
    }

    async fn public_request(&self, j: &Jurisdiction, services: &[Service], c: case::Model) -> CoreResult<PublicRequest> {
        let db = &self.store.db;
        let lead = match c.lead_unit_id {
            Some(u) => units::find_any(db, u).await?,
            None => None,
        };
        let lead_tenant = lead.as_ref().map(|u| u.tenant_id);
        // The service whose category the case has: the lead's line first, then the receiving one.
        let named = |t: Option<Uuid>| services.iter().find(|s| s.category.is_some() && s.category == c.category && Some(s.tenant_id) == t);
        let service = named(lead_tenant)
            .or_else(|| named(Some(c.tenant_id)))
            .or_else(|| services.iter().find(|s| s.category.is_some() && s.category == c.category))
            .or_else(|| {
                let other_of = |t: Uuid| services.iter().find(|s| s.category.is_none() && s.tenant_id == t);
                other_of(c.tenant_id).or_else(|| other_of(j.root.id))
            });
        let status = CaseStatus::parse(&c.status).unwrap_or(CaseStatus::Received);
        let line = j.tenants.iter().find(|t| t.id == c.tenant_id).map(|t| t.code.clone());
        let line = match line {
            Some(l) => l,
            None => tenants::find_by_id(db, c.tenant_id).await?.map(|t| t.code).unwrap_or_default(),
        };
        let notes = self.updates_of(&c).await?;
        let media_url = c
            .attachments
            .as_deref()
            .and_then(|a| serde_json::from_str::<Vec<serde_json::Value>>(a).ok())
            .and_then(|v| v.first().and_then(|a| a["url"].as_str().map(str::to_owned)));
        Ok(PublicRequest {
            service_request_id: c.tracking_number.clone(),
            status: spec::public_status(status),
            status_notes: spec::status_note(status, c.closure.as_deref()),
            service_name: service.map(|s| s.name.clone()).or_else(|| c.category.clone()),
            service_code: service.map(|s| s.code.clone()).unwrap_or_else(|| spec::service_code(&j.code, OTHER)),
            description: spec::scrub(&c.description),
            agency_responsible: lead.map(|u| u.name),
            service_notice: c.feedback_due_at.map(|_| "按时限办理 handled within its time limit".to_owned()),
            requested_datetime: c.created_at,
            updated_datetime: c.updated_at,
            expected_datetime: if status == CaseStatus::Closed { None } else { c.feedback_due_at },
            address: c.address.as_deref().map(spec::scrub),
            lat: c.lat,
            long: c.long,
            media_url,
            extended: Extended {
                state: c.status.clone(),
                closure: c.closure.clone(),
                contact_type: c.contact_type.clone(),
                channel: c.channel.clone(),
                urgency: c.urgency.clone(),
                district: c.district.clone(),
                line,
                notes,
            },
        })
    }

    async fn updates_of(&self, c: &case::Model) -> CoreResult<Vec<Update>> {
        let events = catalogue::events_of(&self.store.db, c.id, PUBLIC_ACTIONS).await?;
        Ok(events.iter().map(|e| update(e, c)).collect())
    }

    /// `GET servicerequestupdates`: the public steps of the jurisdiction's requests in a window.
    pub async fn open311_updates(
        &self,
        j: &Jurisdiction,
        start: Option<&str>,
        end: Option<&str>,
        page: Option<&str>,
        page_size: Option<&str>,
    ) -> CoreResult<Vec<Update>> {
        // Open311 is the platform's public face (every line's public cases): platform scope.
        hotline_store::scope::platform(async move {
            let (offset, limit) = spec::paging(page, page_size)?;
            let (from, to) = spec::window_of(start, end, self.now())?;
            let hidden = vec![ContactType::Report.as_str().to_owned()];
            let rows = catalogue::public_events(&self.store.db, j.scope(), PUBLIC_ACTIONS, &hidden, (from, to), (offset, limit)).await?;
            Ok(rows.iter().map(|(e, c)| update(e, c)).collect())
        })
        .await
    }

    /// `POST servicerequestupdates`: the citizen speaks again through the integrator's app. On
    /// an open case it is a follow-up (补充诉求); on a handled one, status OPEN means "not fixed":
    /// a dissatisfied rating, which sends the case back (二次派单).
    pub async fn open311_post_update(&self, p: &Principal, form: UpdateForm) -> CoreResult<Update> {
        // The key must write in its own jurisdiction; the case is then looked up among its own.
        self.writing_jurisdiction(p, &form.jurisdiction_id, "open311.update", "posts updates").await?;
        let id = present(&form.service_request_id)
            .ok_or_else(|| ValidationError::new("service_request_id", "required", "service_request_id is required"))?;
        let text = present(&form.description).ok_or_else(|| ValidationError::new("description", "required", "description is required"))?;
        let wants = match present(&form.status).map(str::to_ascii_uppercase).as_deref() {
            None | Some("OPEN") => "open",
            Some("CLOSED") => "closed",
            Some(other) => return Err(ValidationError::new("status", "invalid_value", format!("'{other}' is not OPEN or CLOSED")).into()),
        };
        // Only a case the key's tenant received: another line's number is "not found".
        let c = cases::find_by_tracking(&self.store.db, id)
            .await?
            .filter(|c| c.tenant_id == p.tenant.id.0 && spec::publicly_listed(&c.contact_type))
            .ok_or(CoreError::NotFound("case"))?;
        let status = CaseStatus::parse(&c.status).map_err(|e| CoreError::Internal(e.to_string()))?;
        let text = match present(&form.media_url) {
            Some(url) => format!("{text}\n{}", spec::check_media_url(url)?),
            None => text.to_owned(),
        };
        let handled = matches!(status, CaseStatus::FeedbackGiven | CaseStatus::Closed);
        let view = if handled && wants == "open" {
            let input = StepInput { rating: Some("dissatisfied".into()), comment: Some(text), ..Default::default() };
            self.rate_as(p, &c, input).await?
        } else if handled {
            return Err(CoreError::conflict("already_handled", "the case is already answered; post status OPEN if it is not fixed"));
        } else {
            let change_input = StepInput { text: Some(text), ..Default::default() };
            self.follow_up_as(p, &c, change_input).await.map_err(|e| match e {
                CoreError::Validation(v) if v.field == "text" => CoreError::Validation(v.at("description")),
                other => other,
            })?
        };
        let c = cases::find(&self.store.db, CaseScope::All, view.id).await?.ok_or(CoreError::NotFound("case"))?;
        let latest = self.updates_of(&c).await?;
        latest.into_iter().last().ok_or_else(|| CoreError::Internal("the step wrote no event".into()))
    }
}

/// Intake names its fields as our API does; an Open311 client knows them by the form's names.
fn form_fields(e: CoreError) -> CoreError {
    match e {
        CoreError::Validation(v) => {
            let field = match v.field.as_str() {
                "caller_phone" => "phone",
                "caller_name" => "first_name",
                "address" => "address_string",
                "attachments[0].url" | "attachments[0].type" => "media_url",
                "title" => "description",
                other => other,
            }
            .to_owned();
            CoreError::Validation(v.at(field))
        }
        other => other,
    }
}

fn update(e: &case_event::Model, c: &case::Model) -> Update {
    let to = CaseStatus::parse(&e.to_status).unwrap_or(CaseStatus::Received);
    Update {
        update_id: e.id.to_string(),
        service_request_id: c.tracking_number.clone(),
        status: spec::public_status(to),
        updated_datetime: e.at,
        description: update_text(e, c),
    }
}

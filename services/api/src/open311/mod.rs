//! Open311 GeoReport v2 under `/open311/v2/`, beside our own API, with mySociety's
//! `servicerequestupdates` for FixMyStreet-style clients. Every resource answers as `.json` or
//! `.xml`; GETs are public (no personal data); POSTs take an integrator key as `api_key`.

mod dto;
pub mod render;

use std::collections::HashMap;

use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse, get, post};
use hotline_core::open311::{Jurisdiction, RequestForm, RequestQuery, UpdateForm};
use hotline_core::{CoreError, Principal};
use hotline_domain::open311::contact_type_options;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub use dto::*;
use render::{Format, Open311Error, ok};

use crate::state::AppState;

type Answer = Result<HttpResponse, Open311Error>;

/// `json` or `xml`: the suffix of every Open311 resource.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormatParam {
    Json,
    Xml,
}

const SPEC: &str = "http://wiki.open311.org/GeoReport_v2";
const CHANGESET: &str = "2026-11-23T00:00:00Z";

/// The query or form fields, each at most once, none unknown. `api_key` is accepted (and
/// ignored on reads) everywhere, because FixMyStreet sends it with every call.
fn fields(format: Format, raw: &[u8], allowed: &[&str]) -> Result<HashMap<String, String>, Open311Error> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(raw)
        .map_err(|e| Open311Error::new(format, 400, format!("the parameters are not URL-encoded: {e}")))?;
    let mut out = HashMap::new();
    for (k, v) in pairs {
        let known = k == "api_key" || allowed.contains(&k.as_str()) || (allowed.contains(&"attribute[]") && k.starts_with("attribute["));
        if !known {
            return Err(Open311Error::new(format, 400, format!("unknown parameter '{k}'")));
        }
        // An empty value is a mistake, not an absent parameter: say so rather than ignore it.
        if v.is_empty() {
            return Err(Open311Error::new(format, 400, format!("parameter '{k}' is empty: leave it out or give a value")));
        }
        // Several values of one list attribute arrive as `attribute[code][]`: keep them all.
        let k = if k.ends_with("[]") && k.starts_with("attribute[") { format!("{k}{}", out.len()) } else { k };
        if out.insert(k.clone(), v).is_some() {
            return Err(Open311Error::new(format, 400, format!("parameter '{k}' is given more than once")));
        }
    }
    Ok(out)
}

fn query(req: &HttpRequest, format: Format, allowed: &[&str]) -> Result<HashMap<String, String>, Open311Error> {
    fields(format, req.query_string().as_bytes(), allowed)
}

fn format_of(s: &str) -> Result<Format, Open311Error> {
    Format::parse(s)
}

fn core(format: Format) -> impl Fn(CoreError) -> Open311Error {
    move |e| Open311Error::from_core(format, e)
}

/// The jurisdiction a read names (`jurisdiction_id`, default the platform).
async fn jurisdiction(state: &AppState, format: Format, q: &HashMap<String, String>) -> Result<Jurisdiction, Open311Error> {
    state.core.open311_jurisdiction(q.get("jurisdiction_id").map(String::as_str)).await.map_err(core(format))
}

/// The key of a POST, from the form or the query; a missing or bad one is the spec's 403.
async fn integrator(state: &AppState, format: Format, key: Option<&String>) -> Result<Principal, Open311Error> {
    let key = key.map(|k| k.trim()).filter(|k| !k.is_empty()).ok_or_else(|| Open311Error::new(format, 403, "api_key is required"))?;
    let p =
        state.core.authenticate_api_key(key).await.map_err(|_| Open311Error::new(format, 403, "api_key is not a valid integrator key"))?;
    // The key's own budget, spent only once the key is verified (a guessed prefix spends nothing).
    crate::edge::rate_limit::charge(state, crate::edge::rate_limit::RateClass::Open311Post, "key", &p.id.to_string()).await.map_err(
        |e| {
            let mut err = Open311Error::new(format, e.status.as_u16(), e.body.message);
            err.retry_after = e.retry_after;
            err
        },
    )?;
    Ok(p)
}

/// The body of a POST: form-encoded, merged with the query (some clients put `api_key` there).
fn form(req: &HttpRequest, body: &Bytes, format: Format, allowed: &[&str]) -> Result<HashMap<String, String>, Open311Error> {
    let ct = req.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !body.is_empty() && !ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(Open311Error::new(format, 400, "send the fields form-encoded (application/x-www-form-urlencoded)"));
    }
    let mut all = query(req, format, allowed)?;
    for (k, v) in fields(format, body, allowed)? {
        if all.insert(k.clone(), v).is_some() {
            return Err(Open311Error::new(format, 400, format!("parameter '{k}' is given more than once")));
        }
    }
    Ok(all)
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct JurisdictionParam {
    /// `12345` (the city platform, the default) or a line that keeps its own number, e.g. `12319`.
    #[param(min_length = 1)]
    jurisdiction_id: Option<String>,
}

/// Service discovery: where the endpoint is and which formats it speaks.
#[utoipa::path(
    tag = "open311",
    params(("format" = FormatParam, Path, description = "json or xml")),
    responses(
        (status = 200, content((Discovery = "application/json"), (String = "text/xml"))),
        (status = 400, content((Vec<ErrorDto> = "application/json"), (String = "text/xml")))
    )
)]
#[get("/discovery.{format}")]
pub async fn discovery(req: HttpRequest, path: Path<String>) -> Answer {
    let format = format_of(&path)?;
    query(&req, format, &[])?;
    let info = req.connection_info();
    let url = format!("{}://{}/open311/v2", info.scheme(), info.host());
    let d = Discovery {
        changeset: CHANGESET.into(),
        contact: "市12345热线办 / the city's 12345 hotline office".into(),
        key_service: "API keys are issued by the line's administrators (POST /api/v1/tenants/{code}/api-keys)".into(),
        endpoints: vec![DiscoveryEndpoint {
            specification: SPEC.into(),
            url,
            changeset: CHANGESET.into(),
            kind: "production".into(),
            formats: vec!["text/xml".into(), "application/json".into()],
        }],
    };
    ok(format, &d, ("discovery", ""))
}

/// The services of a jurisdiction: every line's catalogue (`group` = the line), and each
/// line's catch-all `<line>-other`.
#[utoipa::path(
    tag = "open311",
    params(("format" = FormatParam, Path, description = "json or xml"), JurisdictionParam),
    responses(
        (status = 200, content((Vec<ServiceDto> = "application/json"), (String = "text/xml"))),
        (status = 400, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 404, description = "Unknown jurisdiction", content((Vec<ErrorDto> = "application/json"), (String = "text/xml")))
    )
)]
#[get("/services.{format}")]
pub async fn services(req: HttpRequest, state: Data<AppState>, path: Path<String>) -> Answer {
    let format = format_of(&path)?;
    let q = query(&req, format, &["jurisdiction_id", "lat", "long"])?;
    let j = jurisdiction(&state, format, &q).await?;
    let list: Vec<ServiceDto> = state.core.open311_services(&j).await.map_err(core(format))?.into_iter().map(ServiceDto::from).collect();
    ok(format, &list, ("services", "service"))
}

/// A service's definition: its one attribute, the contact type (诉求类型).
#[utoipa::path(
    tag = "open311",
    params(("service_code" = String, Path, description = "e.g. 12319-water"), ("format" = FormatParam, Path, description = "json or xml"), JurisdictionParam),
    responses(
        (status = 200, content((ServiceDefinition = "application/json"), (String = "text/xml"))),
        (status = 400, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 404, content((Vec<ErrorDto> = "application/json"), (String = "text/xml")))
    )
)]
#[get("/services/{service_code}.{format}")]
pub async fn service_definition(req: HttpRequest, state: Data<AppState>, path: Path<(String, String)>) -> Answer {
    let (code, format) = path.into_inner();
    let format = format_of(&format)?;
    let q = query(&req, format, &["jurisdiction_id", "lat", "long"])?;
    let j = jurisdiction(&state, format, &q).await?;
    let s = state.core.open311_service(&j, &code).await.map_err(core(format))?;
    let def = ServiceDefinition {
        service_code: s.code,
        attributes: vec![Attribute {
            variable: true,
            code: "contact_type".into(),
            datatype: "singlevaluelist".into(),
            required: true,
            datatype_description: None,
            order: 1,
            description: "诉求类型 What kind of contact is this?".into(),
            values: contact_type_options().into_iter().map(|(k, n)| AttributeValue { key: k.into(), name: n.into() }).collect(),
        }],
    };
    ok(format, &def, ("service_definition", ""))
}

/// The seven contact types (诉求类型), the keys of the `contact_type` attribute.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactTypeKey {
    Consultation,
    Complaint,
    Report,
    Suggestion,
    Help,
    Praise,
    Other,
}

/// `OPEN` or `CLOSED` (any case).
#[derive(Debug, Deserialize, ToSchema)]
pub enum UpdateStatus {
    #[serde(rename = "OPEN")]
    Open,
    #[serde(rename = "CLOSED")]
    Closed,
}

/// What `POST requests` takes (form-encoded). A location is required: `lat` and `long`
/// together, `address_string` or `address_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RequestFormDoc {
    /// An integrator key (`hlk_…`) of the jurisdiction's tenant.
    #[schema(pattern = r"\S")]
    api_key: String,
    #[schema(nullable = false, min_length = 1)]
    jurisdiction_id: Option<String>,
    #[schema(pattern = r"\S")]
    service_code: String,
    #[schema(nullable = false, minimum = -90.0, maximum = 90.0)]
    lat: Option<f64>,
    #[schema(nullable = false, minimum = -180.0, maximum = 180.0)]
    long: Option<f64>,
    /// Plain text with something in it (blank is no location).
    #[schema(
        nullable = false,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    address_string: Option<String>,
    #[schema(nullable = false, max_length = 200, pattern = r"\S")]
    address_id: Option<String>,
    /// Accepted, not stored: the platform keeps the phone as the citizen's contact.
    #[schema(nullable = false, min_length = 1)]
    email: Option<String>,
    /// Present: channel `app`; absent: channel `web`.
    #[schema(nullable = false, min_length = 1)]
    device_id: Option<String>,
    #[schema(nullable = false, min_length = 1)]
    account_id: Option<String>,
    #[schema(nullable = false, min_length = 1, max_length = 31, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    first_name: Option<String>,
    #[schema(nullable = false, min_length = 1, max_length = 31, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    last_name: Option<String>,
    /// Stored encrypted, never shown in a GET.
    #[schema(nullable = false, pattern = r"^(\+86|0086)?[ ()-]*([0-9][ ()-]*){5,20}$")]
    phone: Option<String>,
    /// At most 4,000 characters of plain text (blank: the service's name).
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 4000,
        pattern = r"^(?:[^<\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|<[^A-Za-z/!?<\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F])*<?$"
    )]
    description: Option<String>,
    /// An absolute http(s) URL with a host name.
    #[schema(
        nullable = false,
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]*)?([/?#]([!#$&'()*+,./0-9:;=?@A-Z_a-z~-]|%([2-689A-Fa-f][0-9A-Fa-f]|7[0-9A-Ea-e]))*)?$"
    )]
    media_url: Option<String>,
    /// `attribute[contact_type]`: one of the definition's keys.
    #[serde(rename = "attribute[contact_type]")]
    contact_type: ContactTypeKey,
}

const REQUEST_FIELDS: &[&str] = &[
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "attribute[]",
];

/// File a request: it becomes an ordinary case of the key's tenant (routed, timed, counted).
#[utoipa::path(
    tag = "open311",
    params(("format" = FormatParam, Path, description = "json or xml"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body(content = RequestFormDoc, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, content((Vec<CreatedDto> = "application/json"), (String = "text/xml"))),
        (status = 400, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 403, description = "Missing or invalid api_key, or a key of another jurisdiction", content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 404, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 409, description = "The Idempotency-Key was used with another body", content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 413, description = "The body is larger than 64 KiB", content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 429, description = "The key's or the address's budget of POSTs is spent (`rate_limit_open311_post`); `Retry-After` says when to try again", content((Vec<ErrorDto> = "application/json"), (String = "text/xml")))
    )
)]
#[post("/requests.{format}")]
pub async fn create_request(req: HttpRequest, state: Data<AppState>, path: Path<String>, body: Bytes) -> Answer {
    let format = format_of(&path)?;
    let mut f = form(&req, &body, format, REQUEST_FIELDS)?;
    let p = integrator(&state, format, f.get("api_key")).await?;
    crate::request_log::record_tenant(p.tenant.id.0, p.tenant.code.as_str());
    let mut attributes: Vec<(String, String)> = Vec::new();
    for (k, v) in &f {
        if let Some(rest) = k.strip_prefix("attribute[") {
            let name = rest.split(']').next().unwrap_or_default();
            attributes.push((name.to_owned(), v.clone()));
        }
    }
    attributes.sort();
    let mut take = |k: &str| f.remove(k);
    let input = RequestForm {
        jurisdiction_id: take("jurisdiction_id"),
        service_code: take("service_code"),
        lat: take("lat"),
        long: take("long"),
        address_string: take("address_string"),
        address_id: take("address_id"),
        email: take("email"),
        device_id: take("device_id"),
        account_id: take("account_id"),
        first_name: take("first_name"),
        last_name: take("last_name"),
        phone: take("phone"),
        description: take("description"),
        media_url: take("media_url"),
        attributes,
    };
    let account_id = input.account_id.clone();
    let key = crate::routes::cases::idempotency_key(&req);
    let c = state.core.open311_create(&p, input, key.as_deref()).await.map_err(core(format))?;
    if let Ok(id) = c.token.parse() {
        crate::request_log::record_case(id);
    }
    let out = vec![CreatedDto { service_request_id: c.service_request_id, token: c.token, service_notice: c.service_notice, account_id }];
    ok(format, &out, ("service_requests", "request"))
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RequestsParams {
    /// `12345` (default) or a line keeping its own number.
    #[param(min_length = 1)]
    jurisdiction_id: Option<String>,
    /// Tracking numbers, comma-separated (at most 200); when given, the other filters do not apply.
    #[param(min_length = 1)]
    service_request_id: Option<String>,
    /// Service codes, comma-separated.
    #[param(min_length = 1)]
    service_code: Option<String>,
    /// W3C date-time with zone; the window is at most 90 days (default: the last 90 days).
    start_date: Option<chrono::DateTime<chrono::Utc>>,
    end_date: Option<chrono::DateTime<chrono::Utc>>,
    /// `open`, `closed` or both, comma-separated.
    #[param(min_length = 1, pattern = "^(open|closed)(,(open|closed))*$")]
    status: Option<String>,
    /// From 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u32>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
    /// `true` adds `extended_attributes` (our state, contact type, channel, notes).
    extensions: Option<bool>,
}

fn extensions(format: Format, q: &HashMap<String, String>) -> Result<bool, Open311Error> {
    match q.get("extensions").map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(Open311Error::new(format, 400, format!("extensions is true or false, not '{other}'"))),
    }
}

/// Requests of a jurisdiction, newest first, without personal data.
#[utoipa::path(
    tag = "open311",
    params(("format" = FormatParam, Path, description = "json or xml"), RequestsParams),
    responses(
        (status = 200, content((Vec<RequestDto> = "application/json"), (String = "text/xml"))),
        (status = 400, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 404, content((Vec<ErrorDto> = "application/json"), (String = "text/xml")))
    )
)]
#[get("/requests.{format}")]
pub async fn list_requests(req: HttpRequest, state: Data<AppState>, path: Path<String>) -> Answer {
    let format = format_of(&path)?;
    let mut q = query(
        &req,
        format,
        &["jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size", "extensions"],
    )?;
    let ext = extensions(format, &q)?;
    let j = jurisdiction(&state, format, &q).await?;
    let mut take = |k: &str| q.remove(k);
    let rq = RequestQuery {
        jurisdiction_id: take("jurisdiction_id"),
        service_request_id: take("service_request_id"),
        service_code: take("service_code"),
        start_date: take("start_date"),
        end_date: take("end_date"),
        status: take("status"),
        page: take("page"),
        page_size: take("page_size"),
    };
    let list = state.core.open311_requests(&j, &rq).await.map_err(core(format))?;
    let list: Vec<RequestDto> = list.into_iter().map(|r| RequestDto::of(r, ext)).collect();
    ok(format, &list, ("service_requests", "request"))
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OneRequestParams {
    #[param(min_length = 1)]
    jurisdiction_id: Option<String>,
    extensions: Option<bool>,
}

/// One request (an array of one, as the spec answers).
#[utoipa::path(
    tag = "open311",
    params(("service_request_id" = String, Path, description = "The tracking number"), ("format" = FormatParam, Path, description = "json or xml"), OneRequestParams),
    responses(
        (status = 200, content((Vec<RequestDto> = "application/json"), (String = "text/xml"))),
        (status = 400, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 404, content((Vec<ErrorDto> = "application/json"), (String = "text/xml")))
    )
)]
#[get("/requests/{service_request_id}.{format}")]
pub async fn get_request(req: HttpRequest, state: Data<AppState>, path: Path<(String, String)>) -> Answer {
    let (id, format) = path.into_inner();
    let format = format_of(&format)?;
    let q = query(&req, format, &["jurisdiction_id", "extensions"])?;
    let ext = extensions(format, &q)?;
    let j = jurisdiction(&state, format, &q).await?;
    let rq = RequestQuery { service_request_id: Some(id.replace(',', " ")), ..Default::default() };
    let list = state.core.open311_requests(&j, &rq).await.map_err(core(format))?;
    if list.is_empty() {
        return Err(Open311Error::new(format, 404, "service request not found"));
    }
    let list: Vec<RequestDto> = list.into_iter().map(|r| RequestDto::of(r, ext)).collect();
    ok(format, &list, ("service_requests", "request"))
}

/// The request a token stands for.
#[utoipa::path(
    tag = "open311",
    params(("token" = String, Path, description = "The token of a POST answer"), ("format" = FormatParam, Path, description = "json or xml"), JurisdictionParam),
    responses(
        (status = 200, content((Vec<TokenDto> = "application/json"), (String = "text/xml"))),
        (status = 400, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 404, content((Vec<ErrorDto> = "application/json"), (String = "text/xml")))
    )
)]
#[get("/tokens/{token}.{format}")]
pub async fn token(req: HttpRequest, state: Data<AppState>, path: Path<(String, String)>) -> Answer {
    let (token, format) = path.into_inner();
    let format = format_of(&format)?;
    let q = query(&req, format, &["jurisdiction_id"])?;
    let j = jurisdiction(&state, format, &q).await?;
    let id = state.core.open311_token(&j, &token).await.map_err(core(format))?;
    ok(format, &vec![TokenDto { service_request_id: id, token }], ("service_requests", "request"))
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UpdatesParams {
    #[param(min_length = 1)]
    jurisdiction_id: Option<String>,
    /// W3C date-time with zone; at most 90 days apart (default: the last 90 days).
    start_date: Option<chrono::DateTime<chrono::Utc>>,
    end_date: Option<chrono::DateTime<chrono::Utc>>,
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
}

/// The public steps of the jurisdiction's requests in a window, oldest first (mySociety).
#[utoipa::path(
    tag = "open311",
    params(("format" = FormatParam, Path, description = "json or xml"), UpdatesParams),
    responses(
        (status = 200, content((Vec<UpdateDto> = "application/json"), (String = "text/xml"))),
        (status = 400, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 404, content((Vec<ErrorDto> = "application/json"), (String = "text/xml")))
    )
)]
#[get("/servicerequestupdates.{format}")]
pub async fn list_updates(req: HttpRequest, state: Data<AppState>, path: Path<String>) -> Answer {
    let format = format_of(&path)?;
    let q = query(&req, format, &["jurisdiction_id", "start_date", "end_date", "page", "page_size"])?;
    let j = jurisdiction(&state, format, &q).await?;
    let get = |k: &str| q.get(k).map(String::as_str);
    let list =
        state.core.open311_updates(&j, get("start_date"), get("end_date"), get("page"), get("page_size")).await.map_err(core(format))?;
    let list: Vec<UpdateDto> = list.into_iter().map(|u| UpdateDto::of(u, true)).collect();
    ok(format, &list, ("service_request_updates", "request_update"))
}

/// What `POST servicerequestupdates` takes (form-encoded).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UpdateFormDoc {
    #[schema(pattern = r"\S")]
    api_key: String,
    #[schema(nullable = false, min_length = 1)]
    jurisdiction_id: Option<String>,
    /// The tracking number.
    #[schema(pattern = r"\S")]
    service_request_id: String,
    /// The client's own id of the update (not stored).
    #[schema(nullable = false, min_length = 1)]
    update_id: Option<String>,
    #[schema(nullable = false)]
    updated_datetime: Option<chrono::DateTime<chrono::Utc>>,
    /// `OPEN` (on a handled request: "not fixed", which reopens it) or `CLOSED`.
    #[schema(nullable = false)]
    status: Option<UpdateStatus>,
    /// Plain text, at most 4,000 characters.
    #[schema(
        max_length = 4000,
        pattern = r"^\s*(?:[^<\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|<[^A-Za-z/!?<\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F])(?:[^<\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|<[^A-Za-z/!?<\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F])*<?$"
    )]
    description: String,
    #[schema(nullable = false, min_length = 1)]
    email: Option<String>,
    #[schema(nullable = false, min_length = 1)]
    first_name: Option<String>,
    #[schema(nullable = false, min_length = 1)]
    last_name: Option<String>,
    #[schema(
        nullable = false,
        max_length = 2048,
        pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]*)?([/?#]([!#$&'()*+,./0-9:;=?@A-Z_a-z~-]|%([2-689A-Fa-f][0-9A-Fa-f]|7[0-9A-Ea-e]))*)?$"
    )]
    media_url: Option<String>,
    #[schema(nullable = false, min_length = 1)]
    account_id: Option<String>,
}

/// A citizen's follow-up (补充诉求) on an open request, or "not fixed" on a handled one: a
/// dissatisfied rating that sends the case back (二次派单).
#[utoipa::path(
    tag = "open311",
    params(("format" = FormatParam, Path, description = "json or xml")),
    request_body(content = UpdateFormDoc, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, content((Vec<UpdateDto> = "application/json"), (String = "text/xml"))),
        (status = 400, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 403, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 404, content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 413, description = "The body is larger than 64 KiB", content((Vec<ErrorDto> = "application/json"), (String = "text/xml"))),
        (status = 429, description = "The key's or the address's budget of POSTs is spent (`rate_limit_open311_post`); `Retry-After` says when to try again", content((Vec<ErrorDto> = "application/json"), (String = "text/xml")))
    )
)]
#[post("/servicerequestupdates.{format}")]
pub async fn post_update(req: HttpRequest, state: Data<AppState>, path: Path<String>, body: Bytes) -> Answer {
    let format = format_of(&path)?;
    let mut f = form(
        &req,
        &body,
        format,
        &[
            "jurisdiction_id",
            "service_request_id",
            "update_id",
            "updated_datetime",
            "status",
            "description",
            "email",
            "first_name",
            "last_name",
            "media_url",
            "account_id",
        ],
    )?;
    let p = integrator(&state, format, f.get("api_key")).await?;
    if let Some(at) = f.get("updated_datetime") {
        hotline_domain::open311::parse_w3c("updated_datetime", at).map_err(|e| core(format)(e.into()))?;
    }
    let mut take = |k: &str| f.remove(k);
    let input = UpdateForm {
        jurisdiction_id: take("jurisdiction_id"),
        service_request_id: take("service_request_id"),
        status: take("status"),
        description: take("description"),
        media_url: take("media_url"),
    };
    let u = state.core.open311_post_update(&p, input).await.map_err(core(format))?;
    ok(format, &vec![UpdateDto::of(u, true)], ("service_request_updates", "request_update"))
}

/// Registers the Open311 endpoints (documented in the same OpenAPI description).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope::scope("/open311/v2")
            .service(discovery)
            .service(services)
            .service(service_definition)
            .service(create_request)
            .service(list_requests)
            .service(get_request)
            .service(token)
            .service(list_updates)
            .service(post_update),
    );
}

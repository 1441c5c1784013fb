//! The bodies of GeoReport v2 (and mySociety's request updates), field for field as the spec
//! names them. Every optional field is present (null when unknown), as the spec's schemas list.

use chrono::{DateTime, Utc};
use hotline_core::open311::{PublicRequest, Service, Update};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryEndpoint {
    pub specification: String,
    pub url: String,
    pub changeset: String,
    /// `production`
    #[serde(rename = "type")]
    pub kind: String,
    pub formats: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Discovery {
    pub changeset: String,
    pub contact: String,
    pub key_service: String,
    pub endpoints: Vec<DiscoveryEndpoint>,
}

/// One service (a category of a line's dispatch catalogue, 派单目录).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDto {
    /// `<line code>-<category code>`, e.g. `12319-water`.
    pub service_code: String,
    pub service_name: String,
    pub description: Option<String>,
    /// Always true: every service asks for the contact type.
    pub metadata: bool,
    /// Always `realtime`: a request is a case the moment it is acknowledged.
    #[serde(rename = "type")]
    pub kind: String,
    /// Comma-separated.
    pub keywords: Option<String>,
    /// The line's name.
    pub group: Option<String>,
}

impl From<Service> for ServiceDto {
    fn from(s: Service) -> Self {
        ServiceDto {
            service_code: s.code,
            service_name: s.name,
            description: s.description,
            metadata: true,
            kind: "realtime".into(),
            keywords: s.keywords,
            group: Some(s.group),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Attribute {
    pub variable: bool,
    pub code: String,
    /// `singlevaluelist`
    pub datatype: String,
    pub required: bool,
    pub datatype_description: Option<String>,
    pub order: i32,
    pub description: String,
    pub values: Vec<AttributeValue>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDefinition {
    pub service_code: String,
    pub attributes: Vec<Attribute>,
}

/// The answer to `POST requests`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDto {
    /// The tracking number, e.g. `12345-20261123-000001`.
    pub service_request_id: String,
    /// Stands for the request in `GET tokens/{token}`.
    pub token: String,
    pub service_notice: String,
    pub account_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    pub service_request_id: String,
    pub token: String,
}

/// One public step of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateDto {
    pub update_id: String,
    pub service_request_id: String,
    /// `open` or `closed` in GeoReport; mySociety's updates write them in capitals.
    pub status: String,
    pub updated_datetime: DateTime<Utc>,
    pub description: String,
    pub media_url: Option<String>,
}

impl UpdateDto {
    pub fn of(u: Update, capitals: bool) -> Self {
        UpdateDto {
            update_id: u.update_id,
            service_request_id: u.service_request_id,
            status: if capitals { u.status.to_ascii_uppercase() } else { u.status.to_owned() },
            updated_datetime: u.updated_datetime,
            description: u.description,
            media_url: None,
        }
    }
}

/// Our detail beyond GeoReport, with `extensions=true`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtendedAttributes {
    /// Our state: `received`, `accepted`, `dispatched`, `signed`, `in_progress`, `returned`,
    /// `feedback_given` or `closed`.
    pub state: String,
    pub closure: Option<String>,
    pub contact_type: String,
    pub channel: String,
    pub urgency: String,
    pub district: Option<String>,
    /// The line that received the request.
    pub line: String,
    /// The attributes of the service definition, as filed or classified.
    pub attributes: AttributesDto,
    pub notes: Vec<UpdateDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttributesDto {
    pub contact_type: String,
}

/// A request as anyone may read it: no caller data, reports (举报) never listed, phone numbers,
/// ID numbers and e-mail addresses removed from the text.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestDto {
    pub service_request_id: String,
    /// `open` or `closed`.
    pub status: String,
    /// Our detailed state in words (Chinese and English).
    pub status_notes: Option<String>,
    pub service_name: Option<String>,
    pub service_code: String,
    pub description: Option<String>,
    /// The lead unit (牵头单位).
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: DateTime<Utc>,
    pub updated_datetime: Option<DateTime<Utc>>,
    /// The current feedback deadline.
    pub expected_datetime: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_attributes: Option<ExtendedAttributes>,
}

impl RequestDto {
    pub fn of(r: PublicRequest, extensions: bool) -> Self {
        let extended = extensions.then(|| ExtendedAttributes {
            state: r.extended.state,
            closure: r.extended.closure,
            attributes: AttributesDto { contact_type: r.extended.contact_type.clone() },
            contact_type: r.extended.contact_type,
            channel: r.extended.channel,
            urgency: r.extended.urgency,
            district: r.extended.district,
            line: r.extended.line,
            notes: r.extended.notes.into_iter().map(|u| UpdateDto::of(u, false)).collect(),
        });
        RequestDto {
            service_request_id: r.service_request_id,
            status: r.status.to_owned(),
            status_notes: Some(r.status_notes),
            service_name: r.service_name,
            service_code: r.service_code,
            description: Some(r.description),
            agency_responsible: r.agency_responsible,
            service_notice: r.service_notice,
            requested_datetime: r.requested_datetime,
            updated_datetime: Some(r.updated_datetime),
            expected_datetime: r.expected_datetime,
            address: r.address,
            address_id: None,
            zipcode: None,
            lat: r.lat,
            long: r.long,
            media_url: r.media_url,
            extended_attributes: extended,
        }
    }
}

/// One entry of the spec's error list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDto {
    pub code: u16,
    pub description: String,
}

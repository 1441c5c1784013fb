//! The edge's own defences, before any handler runs: request budgets ([`rate_limit`]), body
//! size limits ([`body_limit`]) and the security headers of every answer ([`headers`]).
//!
//! Their refusals answer in the style of the part of the site asked: the spec's error list for
//! Open311, a page for the console, the JSON error body everywhere else.

pub mod body_limit;
pub mod headers;
pub mod rate_limit;

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::ResponseError;

use crate::error::ApiError;
use crate::open311::render::{Format, Open311Error};

/// `err` as the part of the site `req` asked answers its errors.
pub fn refusal(req: &HttpRequest, err: ApiError) -> HttpResponse {
    let path = req.path();
    if let Some(resource) = path.strip_prefix("/open311/") {
        let format = if resource.ends_with(".xml") { Format::Xml } else { Format::Json };
        let mut e = Open311Error::new(format, err.status.as_u16(), err.body.message.clone());
        e.retry_after = err.retry_after;
        return e.response();
    }
    if is_page(path) {
        return crate::console::edge_refusal(req, err);
    }
    err.error_response()
}

/// The console's and the citizen portal's pages (people with a browser read their refusals).
fn is_page(path: &str) -> bool {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    path == "/" || under("/console") || under("/portal") || under("/track") || under("/kb")
}

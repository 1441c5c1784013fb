//! The answer to a request no endpoint takes. When the path is a documented endpoint's and
//! only the method is wrong, that is `405 method_not_allowed` with `Allow` listing the
//! methods the description gives it (RFC 9110 §15.5.6), so a client learns what it got
//! wrong; anything else is `404 not_found`.

use std::sync::OnceLock;

use actix_web::dev::ResourceDef;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use utoipa::openapi::PathItem;

use crate::error::ApiError;

/// Each documented path as actix matches it, with its methods (`GET, PATCH`).
fn endpoints() -> &'static [(ResourceDef, String)] {
    static ENDPOINTS: OnceLock<Vec<(ResourceDef, String)>> = OnceLock::new();
    ENDPOINTS.get_or_init(|| {
        crate::openapi::spec().paths.paths.iter().map(|(path, item)| (ResourceDef::new(path.as_str()), methods(item))).collect()
    })
}

fn methods(item: &PathItem) -> String {
    let ops = [
        ("GET", &item.get),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
        ("HEAD", &item.head),
        ("OPTIONS", &item.options),
        ("TRACE", &item.trace),
    ];
    ops.iter().filter(|(_, op)| op.is_some()).map(|(m, _)| *m).collect::<Vec<_>>().join(", ")
}

pub async fn no_endpoint(req: HttpRequest) -> HttpResponse {
    let path = req.path();
    let method = req.method().as_str();
    let documented = endpoints().iter().find(|(def, _)| def.is_match(path));
    if let Some((_, allow)) = documented.filter(|(_, allow)| !allow.split(", ").any(|m| m == method)) {
        let err = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{path} does not take {}; it takes {allow}", req.method()),
        );
        let mut res = err.error_response();
        res.headers_mut().insert(header::ALLOW, header::HeaderValue::from_str(allow).expect("method names are header text"));
        return res;
    }
    ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no endpoint at {} {path}", req.method())).error_response()
}

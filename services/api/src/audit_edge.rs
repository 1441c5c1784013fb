//! Records at the edge what no use case recorded itself: every refusal (403) and every file
//! download (an export: CSV of statistics, dashboards), with the principal when the request had
//! one. Use cases that record a refusal or an export themselves (with more detail) mark it in
//! the request's [`EdgeMarks`], so nothing is recorded twice.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use hotline_core::Principal;
use hotline_core::audit::{EDGE_MARKS, EdgeMarks, Entry, Outcome};

use crate::extract::client_ip;
use crate::state::AppState;

fn is_download<B>(res: &ServiceResponse<B>) -> bool {
    res.headers().get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("attachment"))
}

pub async fn audit_edge(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let (res, refusal_recorded, export_recorded) = EDGE_MARKS
        .scope(EdgeMarks::default(), async move {
            let res = next.call(req).await;
            let (refusal, export) = EDGE_MARKS.with(|m| (m.refusal_recorded(), m.export_recorded()));
            (res, refusal, export)
        })
        .await;
    let res = res?;
    let refusal = res.status() == StatusCode::FORBIDDEN && !refusal_recorded;
    let export = res.status().is_success() && !export_recorded && is_download(&res);
    if !(refusal || export) {
        return Ok(res);
    }
    let req = res.request().clone();
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else { return Ok(res) };
    let principal = req.extensions().get::<Principal>().cloned();
    let ip = client_ip(&req, state.settings.trust_proxy_headers);
    let (action, outcome, target) = if refusal {
        ("http.forbidden", Outcome::Denied, format!("{} {}", req.method(), req.path()))
    } else {
        ("export", Outcome::Success, format!("{} {}", req.method(), req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("")))
    };
    let entry = match &principal {
        Some(p) => Entry::by(p, action, &target, outcome),
        None => {
            let mut e = Entry::anonymous(action, outcome);
            e.target = Some(target);
            e
        }
    };
    let detail = if refusal {
        "refused by the endpoint".to_owned()
    } else {
        res.headers().get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
    };
    state.core.audit(entry.detail(detail).ip(Some(&ip))).await;
    Ok(res)
}

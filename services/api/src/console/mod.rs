//! The web console (issue 9), served by this binary: staff pages under `/console`, the citizen
//! portal at `/`. Server-rendered (maud) with htmx for interaction and ECharts for charts, all
//! embedded; the pages call the same core use cases as the REST API, as the signed-in user, so
//! permissions, tenancy, masking and auditing are the API's own.

// The page helpers land before the pages that use them (removed once every page is in).
#![allow(dead_code)]

mod admin;
mod assets;
mod auth;
mod dashboard;
mod error;
mod html;
mod i18n;
mod messages;
mod portal;
mod session;
mod work;

pub(crate) use error::edge_refusal;
pub(crate) use html::CSP;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    assets::configure(cfg);
    auth::configure(cfg);
    admin::configure(cfg);
    dashboard::configure(cfg);
    portal::configure(cfg);
    work::configure(cfg);
}

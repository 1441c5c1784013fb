//! Line admin (热线管理): rule sets, units, users, calendars, SLA policies, knowledge base,
//! API keys.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

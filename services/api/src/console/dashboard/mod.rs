//! The city office's dashboard (数据看板) and supervision board (督办), with CSV export.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

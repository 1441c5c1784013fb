//! The work pages: the agent desk (接线台), the dispatcher's queues (派单), finding cases, a case with the steps the reader may take, and the
//! unit inbox (单位待办).

mod case;
mod cases;
mod desk;
mod dispatch;
mod inbox;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    desk::configure(cfg);
    dispatch::configure(cfg);
    cases::configure(cfg);
    case::configure(cfg);
    inbox::configure(cfg);
}

pub(super) use crate::console::html::blank;

//! HTTP routes of the joint-handling service.

pub mod get;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api/v1").route("/routes/{case_id}", web::get().to(get::get_route)));
}

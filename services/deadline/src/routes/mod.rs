//! HTTP routes of the deadline service.

pub mod calendar;
pub mod clocks;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/clocks", web::get().to(clocks::list_clocks))
            .route("/calendar/due", web::get().to(calendar::calendar_due))
            .route(
                "/calendar/working-days",
                web::get().to(calendar::calendar_working_days),
            ),
    );
}

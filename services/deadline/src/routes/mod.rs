//! HTTP routes of the deadline service.

pub mod calendar;
pub mod clocks;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/clocks", web::get().to(clocks::list::list_clocks))
            .route("/clocks/{id}", web::get().to(clocks::get::get_clock))
            .route(
                "/clocks/{id}/pause",
                web::post().to(clocks::pause::pause_clock),
            )
            .route(
                "/clocks/{id}/resume",
                web::post().to(clocks::resume::resume_clock),
            )
            .route(
                "/clocks/{id}/extension",
                web::post().to(clocks::extend::extend_clock),
            )
            .route("/calendar/due", web::get().to(calendar::calendar_due))
            .route(
                "/calendar/working-days",
                web::get().to(calendar::calendar_working_days),
            ),
    );
}

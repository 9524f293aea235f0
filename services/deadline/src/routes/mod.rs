//! HTTP routes of the deadline service.

pub mod calendar;
pub mod calendar_admin;
pub mod clocks;
pub mod supervision;

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
            .route(
                "/supervision/clocks",
                web::get().to(supervision::list_supervised_clocks),
            )
            .route(
                "/supervision/summary",
                web::get().to(supervision::supervision_summary),
            )
            .route("/calendar/due", web::get().to(calendar::calendar_due))
            .route(
                "/calendar/years",
                web::get().to(calendar_admin::list_calendar_years),
            )
            .route(
                "/calendar/years/{year}",
                web::put().to(calendar_admin::put_calendar_year),
            )
            .route(
                "/calendar/days",
                web::post().to(calendar_admin::change_calendar_day),
            )
            .route(
                "/calendar/working-days",
                web::get().to(calendar::calendar_working_days),
            ),
    );
}

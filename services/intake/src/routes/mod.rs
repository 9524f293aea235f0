//! HTTP routes of the intake service.

pub mod cases;
pub mod matters;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/matters", web::get().to(matters::list::list_matters))
            .route("/cases", web::post().to(cases::submit::submit_case))
            .route("/cases", web::get().to(cases::list::list_my_cases))
            .route("/cases/{id}", web::get().to(cases::get::get_case))
            .route(
                "/cases/{id}/acceptance",
                web::post().to(cases::accept::accept_case),
            ),
    );
}

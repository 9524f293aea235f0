//! HTTP routes of the approval service.

pub mod tasks;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/tasks", web::get().to(tasks::list::list_tasks))
            .route(
                "/tasks/{id}/opinion",
                web::post().to(tasks::opinion::record_opinion),
            ),
    );
}

//! HTTP routes of the approval service.

pub mod reviews;
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
            )
            .route(
                "/tasks/{id}/claim",
                web::post().to(tasks::assign::claim_task),
            )
            .route(
                "/tasks/{id}/send-back",
                web::post().to(tasks::steps::send_back_task),
            )
            .route(
                "/tasks/{id}/supplement-request",
                web::post().to(tasks::supplement::request_supplement_in_review),
            )
            .route(
                "/tasks/{id}/release",
                web::post().to(tasks::assign::release_task),
            )
            .route(
                "/tasks/{id}/assignment",
                web::post().to(tasks::assign::assign_task),
            )
            .route("/reviews/{id}", web::get().to(reviews::get_review))
            .route(
                "/reviews/{id}/resumption",
                web::post().to(reviews::resume_review),
            )
            .route(
                "/reviews/{id}/return-to-window",
                web::post().to(reviews::return_to_window),
            )
            .route(
                "/reviews/{id}/departments",
                web::post().to(reviews::add_department),
            )
            .route(
                "/reviews/{id}/departments/{code}/removal",
                web::post().to(reviews::remove_department),
            ),
    );
}

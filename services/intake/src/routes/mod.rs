//! HTTP routes of the intake service.

pub mod cases;
pub mod drafts;
pub mod error;
pub mod materials;
pub mod matters;
pub mod ratings;
pub mod support;

pub use error::IntakeError;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use cases::{lifecycle as l, prereview as p, submit as s, views as v};
    cfg.service(
        web::scope("/api/v1")
            .route("/matters", web::get().to(matters::public::list_matters))
            .route(
                "/matters/versions/{id}",
                web::get().to(matters::public::get_matter_version),
            )
            .route(
                "/matters/{code}",
                web::get().to(matters::public::get_matter),
            )
            .route(
                "/admin/matters",
                web::get().to(matters::admin::list_matter_versions),
            )
            .route(
                "/admin/matters",
                web::post().to(matters::admin::create_matter),
            )
            .route(
                "/admin/matters/{id}",
                web::put().to(matters::admin::update_matter),
            )
            .route(
                "/admin/matters/{id}/publication",
                web::post().to(matters::admin::publish_matter),
            )
            .route(
                "/admin/matters/{id}/retirement",
                web::post().to(matters::admin::retire_matter),
            )
            .route("/drafts", web::post().to(drafts::create_draft))
            .route("/drafts", web::get().to(drafts::list_drafts))
            .route("/drafts/{id}", web::get().to(drafts::get_draft))
            .route("/drafts/{id}", web::put().to(drafts::update_draft))
            .route("/drafts/{id}", web::delete().to(drafts::delete_draft))
            .route(
                "/drafts/{id}/submission",
                web::post().to(drafts::submit_draft),
            )
            .route("/cases", web::post().to(s::submit_case))
            .route("/cases", web::get().to(v::list_my_cases))
            .route("/cases/{id}", web::get().to(v::get_case))
            .route(
                "/cases/{id}/receipt",
                web::get().to(v::get_acceptance_receipt),
            )
            .route(
                "/cases/{id}/query-password",
                web::post().to(v::reset_query_password),
            )
            .route("/cases/{id}/acceptance", web::post().to(p::accept_case))
            .route("/cases/{id}/rejection", web::post().to(p::reject_case))
            .route(
                "/cases/{id}/supplement-notice",
                web::post().to(p::request_supplement),
            )
            .route("/cases/{id}/supplement", web::post().to(p::supplement_case))
            .route(
                "/cases/{id}/commitment-fulfilment",
                web::post().to(p::fulfil_commitment),
            )
            .route(
                "/cases/{id}/instant-decision",
                web::post().to(p::decide_on_the_spot),
            )
            .route("/cases/{id}/suspension", web::post().to(l::suspend_case))
            .route("/cases/{id}/resumption", web::post().to(l::resume_case))
            .route("/cases/{id}/delivery", web::post().to(l::deliver_result))
            .route(
                "/cases/{id}/delivery-confirmation",
                web::post().to(l::confirm_delivery),
            )
            .route("/cases/{id}/withdrawal", web::post().to(l::withdraw_case))
            .route("/cases/{id}/termination", web::post().to(l::terminate_case))
            .route(
                "/cases/{id}/review-resubmission",
                web::post().to(l::resubmit_to_review),
            )
            .route("/lookup/{number}", web::get().to(v::lookup_case))
            .route("/queue", web::get().to(v::list_pre_review_queue))
            .route("/case-search", web::get().to(v::search_cases))
            .route("/cases/{id}/rating", web::post().to(ratings::rate_case))
            .route("/ratings/stats", web::get().to(ratings::rating_stats))
            .route(
                "/rectifications",
                web::get().to(ratings::list_rectifications),
            )
            .route(
                "/rectifications/{id}/closure",
                web::post().to(ratings::close_rectification),
            )
            .route("/uploads/{id}", web::post().to(materials::upload_material))
            .route("/uploads/{id}", web::get().to(materials::list_materials))
            .route(
                "/materials/{id}",
                web::get().to(materials::download_material),
            ),
    );
}

//! The counter console (窗口受理) for window clerks: the pre-review queue ordered by the
//! acceptance time left, entering an application for an applicant at the window, the
//! pre-review itself (accept, accept with materials missing against a commitment (容缺),
//! one-time supplement notice (一次性告知), refuse), instant decisions (即办件), receipts and
//! handing over results.

mod actions;
mod case;
mod entry;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use govhall_web::Role;

use crate::{
    Portal,
    error::PageError,
    hall::items,
    layout::{Ctx, Layout},
    my_cases::CaseRow,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/counter", web::get().to(queue))
        .route("/counter/new", web::get().to(entry::new_page))
        .route("/counter/new", web::post().to(entry::enter))
        .route("/counter/cases/{id}", web::get().to(case::case_page))
        .route(
            "/counter/cases/{id}/materials/{code}",
            web::post().to(crate::apply::upload),
        )
        .route("/counter/cases/{id}/{action}", web::post().to(case::act));
}

#[derive(Template)]
#[template(path = "counter_queue.html")]
struct QueuePage {
    l: Layout,
    waiting: Vec<CaseRow>,
    to_deliver: Vec<CaseRow>,
}

async fn queue(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    ctx.staff(Role::WindowClerk)?;
    // The API orders the queue by acceptance time left, least first.
    let waiting = ctx.api.get("/api/v1/queue").await?;
    let decided = ctx
        .api
        .get("/api/v1/case-search?state=decided&per_page=100")
        .await?;
    ctx.render(&QueuePage {
        l: ctx.layout("窗口受理"),
        waiting: items(&waiting).iter().map(CaseRow::from).collect(),
        to_deliver: items(&decided).iter().map(CaseRow::from).collect(),
    })
}

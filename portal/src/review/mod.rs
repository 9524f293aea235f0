//! The review console (审批工作台) for department reviewers and leaders: the department's
//! tasks, soonest due first; a task with its case, materials and every department's opinion,
//! and what the approval service lets the caller do with it (claim, release, assign, record
//! the department's opinion, send back to an earlier step, ask for a supplement through the
//! window, and for the lead department suspend, resume, return to the window, add or remove a
//! co-department); and cross-level transfers (跨层级报送) to sign for or send back.

mod files;
mod inbox;
mod task;
mod task_actions;
mod task_view;
mod time_left;
mod transfer;
mod transfers;
mod words;

use actix_web::web;
use govhall_web::Role;

use crate::{api::ApiError, error::PageError, layout::Ctx, session::Session};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/review", web::get().to(inbox::inbox))
        .route("/review/tasks/{id}", web::get().to(task::task_page))
        .route(
            "/review/tasks/{id}/{action}",
            web::post().to(task_actions::task_action),
        )
        .route("/review/files/{id}", web::get().to(files::view_file))
        .route("/review/transfers", web::get().to(transfers::transfers))
        .route(
            "/review/transfers/{id}",
            web::get().to(transfer::transfer_page),
        )
        .route(
            "/review/transfers/{id}/{action}",
            web::post().to(transfer::transfer_action),
        );
}

/// A reviewer or a leader (both work in the console).
fn reviewer(ctx: &Ctx) -> Result<&Session, PageError> {
    let session = ctx.signed_in()?;
    if session.is(Role::Reviewer) || session.is(Role::Leader) {
        Ok(session)
    } else {
        Err(PageError::Forbidden(
            "此页面仅供审核人员、审批领导使用。".to_owned(),
        ))
    }
}

/// What a 422 says: each field's message, else the problem's own words.
fn refusal(e: &ApiError) -> Vec<String> {
    let messages: Vec<String> = e
        .field_errors()
        .into_iter()
        .map(|(_, m)| m)
        .filter(|m| !m.is_empty())
        .collect();
    if messages.is_empty() {
        vec![e.message()]
    } else {
        messages
    }
}

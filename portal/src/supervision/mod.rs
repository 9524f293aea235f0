//! The supervision dashboard (电子监察) for supervisors: the open time limits of a division and
//! the divisions below it by status, what was completed in a period and how much of it on
//! time, the same by department and by division, trends drawn as SVG charts on the server,
//! the overdue and warned clocks, and a read-only case page.
//!
//! Every figure comes from `GET /api/v1/supervision/summary` (several calls, run at once and
//! bounded in number); the API decides what a supervisor may see (his division and below).

mod case;
mod charts;
mod clocks;
mod dashboard;
mod divisions;
mod figures;
mod period;
mod trend;

use actix_web::web;
use govhall_web::Role;

use crate::{error::PageError, layout::Ctx};
use divisions::valid_division;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/supervision", web::get().to(dashboard::dashboard))
        .route("/supervision/clocks", web::get().to(clocks::clocks_page))
        .route("/supervision/cases/{id}", web::get().to(case::case_page));
}

/// At most this many summary calls for the departments, for the divisions below, and for the
/// sub-periods of a trend (each).
const MAX_CALLS: usize = 20;
/// Matters read to find the departments of a division (one page of the catalog).
const MATTERS_READ: u64 = 100;

/// The signed-in supervisor's own division.
fn own_division(ctx: &Ctx) -> Result<String, PageError> {
    let session = ctx.staff(Role::Supervisor)?;
    session
        .principal
        .division
        .clone()
        .filter(|d| valid_division(d))
        .ok_or_else(|| {
            PageError::Forbidden("您的账号未设置所属行政区划，无法查看电子监察。".to_owned())
        })
}

//! `POST /api/v1/clocks/{id}/resume`: count again, with the time the clock had left.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use govhall_runtime::clock::Clock;
use govhall_web::{Principal, Problem, RequestContext, ValidatedJson};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{ClockError, ClockOut, commit, load_changeable};
use crate::{
    calendars::CalendarCell,
    ops::{self, Actor},
    startup::AppState,
};

/// A resumption.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"note": "专家评审结束", "version": 2}))]
pub struct ResumeIn {
    /// Explanation.
    #[validate(length(max = 500, message = "说明过长"))]
    pub note: Option<String>,
    /// The clock version seen; a stale one is refused with 409.
    pub version: Option<i32>,
}

/// Resumes a paused clock; it falls due after the working days it had left.
#[utoipa::path(post, path = "/api/v1/clocks/{id}/resume", tag = "clocks", operation_id = "resume_clock",
    params(("id" = Uuid, Path, description = "Clock id")),
    request_body = ResumeIn,
    responses(
        (status = 200, description = "Running again", body = ClockOut),
        (status = 403, description = "Not allowed to change the clock", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such clock", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paused, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resume_clock(
    state: web::Data<AppState>,
    cals: web::Data<CalendarCell>,
    now: web::Data<Arc<dyn Clock>>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ValidatedJson<ResumeIn>,
) -> Result<HttpResponse, ClockError> {
    let input = body.into_inner();
    let clock = load_changeable(&state.db, &principal, *id, input.version).await?;
    let actor = Actor {
        subject: principal.sub.clone(),
        reason: input.note,
        legal_basis: None,
        traceparent: Some(ctx.trace.header()),
    };
    let txn = govhall_bus::begin_write(&state.db).await?;
    let events = ops::resume(
        &txn,
        &cals.current(),
        &clock,
        &actor,
        now.now().fixed_offset(),
    )
    .await?;
    commit(&state, txn, events, clock.id).await
}

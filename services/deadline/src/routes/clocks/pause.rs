//! `POST /api/v1/clocks/{id}/pause`: stop counting for a period the law does not count.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use govhall_contracts::events::deadline::PauseReason;
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

/// Why and on what grounds a clock pauses.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "expert_review", "note": "组织专家评审", "legal_basis": "《中华人民共和国行政许可法》第四十五条", "version": 1}))]
pub struct PauseIn {
    /// Reason, from the periods the law does not count.
    #[schema(value_type = String, example = "expert_review")]
    pub reason: PauseReason,
    /// Explanation.
    #[validate(length(max = 500, message = "说明过长"))]
    pub note: Option<String>,
    /// Legal basis, required.
    #[validate(length(min = 1, max = 200, message = "请填写法律依据"))]
    pub legal_basis: String,
    /// The clock version seen; a stale one is refused with 409.
    pub version: Option<i32>,
}

/// Pauses a running clock, keeping what it has left.
#[utoipa::path(post, path = "/api/v1/clocks/{id}/pause", tag = "clocks", operation_id = "pause_clock",
    params(("id" = Uuid, Path, description = "Clock id")),
    request_body = PauseIn,
    responses(
        (status = 200, description = "Paused", body = ClockOut),
        (status = 403, description = "Not allowed to change the clock", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such clock", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not running, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pause_clock(
    state: web::Data<AppState>,
    cals: web::Data<CalendarCell>,
    now: web::Data<Arc<dyn Clock>>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ValidatedJson<PauseIn>,
) -> Result<HttpResponse, ClockError> {
    let input = body.into_inner();
    let clock = load_changeable(&state.db, &principal, *id, input.version).await?;
    let actor = Actor {
        subject: principal.sub.clone(),
        reason: input.note,
        legal_basis: Some(input.legal_basis),
        traceparent: Some(ctx.trace.header()),
    };
    let txn = govhall_bus::begin_write(&state.db).await?;
    let events = ops::pause(
        &txn,
        &cals.current(),
        &clock,
        input.reason,
        &actor,
        now.now().fixed_offset(),
    )
    .await?;
    commit(&state, txn, events, clock.id).await
}

//! `POST /api/v1/clocks/{id}/extension`: extend a clock once, with a leader's approval.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use govhall_runtime::clock::Clock;
use govhall_web::{Principal, Problem, RequestContext, Role, ValidatedJson};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{ClockError, ClockOut, commit, load_visible, of_its_division};
use crate::{
    calendars::CalendarCell,
    ops::{self, Actor, OpError},
    startup::AppState,
};

/// An extension.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"value": 10, "reason": "情况复杂，需延长审查期限", "legal_basis": "《中华人民共和国行政许可法》第四十二条", "version": 1}))]
pub struct ExtensionIn {
    /// How much, in the clock's own unit (e.g. 10 working days; 15 for joint handling).
    #[validate(range(min = 1, max = 60, message = "延长期限须在 1 到 60 之间"))]
    pub value: u32,
    /// Why.
    #[validate(length(min = 1, max = 500, message = "请填写延期理由"))]
    pub reason: String,
    /// Legal basis.
    #[validate(length(min = 1, max = 200, message = "请填写法律依据"))]
    pub legal_basis: String,
    /// The clock version seen; a stale one is refused with 409.
    pub version: Option<i32>,
}

/// Extends a running or paused clock once; the approving leader is recorded.
///
/// Only a leader of the clock's own division approves it; a supervisor who sees the clock from
/// a division above does not.
#[utoipa::path(post, path = "/api/v1/clocks/{id}/extension", tag = "clocks", operation_id = "extend_clock",
    params(("id" = Uuid, Path, description = "Clock id")),
    request_body = ExtensionIn,
    responses(
        (status = 200, description = "Extended", body = ClockOut),
        (status = 403, description = "Only a leader of the clock's division approves an extension", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such clock", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stopped, extended before, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn extend_clock(
    state: web::Data<AppState>,
    cals: web::Data<CalendarCell>,
    now: web::Data<Arc<dyn Clock>>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ValidatedJson<ExtensionIn>,
) -> Result<HttpResponse, ClockError> {
    let input = body.into_inner();
    let clock = load_visible(&state.db, &principal, *id).await?;
    if !(principal.has_role(Role::Leader) && of_its_division(&principal, &clock)) {
        return Err(ClockError::Forbidden(
            "an extension needs the approval of a leader (机关负责人)",
        ));
    }
    if input.version.is_some_and(|v| v != clock.version) {
        return Err(OpError::VersionConflict.into());
    }
    let actor = Actor {
        subject: principal.sub.clone(),
        reason: Some(input.reason),
        legal_basis: Some(input.legal_basis),
        traceparent: Some(ctx.trace.header()),
    };
    let txn = govhall_bus::begin_write(&state.db).await?;
    let events = ops::extend(
        &txn,
        &cals.current(),
        &clock,
        input.value,
        &actor,
        now.now().fixed_offset(),
    )
    .await?;
    commit(&state, txn, events, clock.id).await
}

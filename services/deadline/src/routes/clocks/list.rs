//! `GET /api/v1/clocks?case_id=…`: the clocks of a case, for staff.

use actix_web::{HttpResponse, web};
use govhall_web::{Principal, PrincipalKind, Problem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{ClockOut, can_see};
use crate::{startup::AppState, store::clocks};

/// Query of the clock list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ClockQuery {
    /// Case id.
    pub case_id: Uuid,
}

/// The clocks.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [
    {"id": "01a1e740-b908-7309-912a-c9b67b81e5e0", "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6",
        "kind": "acceptance", "task_id": null, "division_code": "320102", "department_code": null,
        "limit_value": 5, "limit_unit": "working_days", "state": "stopped",
        "started_at": "2026-11-17T10:05:41+08:00", "due_at": "2026-11-25T00:00:00+08:00",
        "paused_at": null, "pause_reason": null, "remaining_value": null, "remaining_unit": null,
        "extended": false, "warning": "none", "stopped_at": "2026-11-18T09:40:12+08:00", "overdue": false, "version": 2},
    {"id": "01a1ec4f-c1f0-75c3-a66e-9a56b78d8387", "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6",
        "kind": "processing", "task_id": null, "division_code": "320102", "department_code": null,
        "limit_value": 10, "limit_unit": "working_days", "state": "running",
        "started_at": "2026-11-18T09:40:12+08:00", "due_at": "2026-12-03T00:00:00+08:00",
        "paused_at": null, "pause_reason": null, "remaining_value": null, "remaining_unit": null,
        "extended": false, "warning": "none", "stopped_at": null, "overdue": false, "version": 1},
    {"id": "01a1ec4f-c830-7a7d-9ad6-b2dc694472d1", "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6",
        "kind": "task", "task_id": "01a1ec4f-c510-7b26-8ee6-f8170e8e2329", "division_code": "320102", "department_code": "320102-SCJGJ",
        "limit_value": 10, "limit_unit": "working_days", "state": "running",
        "started_at": "2026-11-18T09:40:14+08:00", "due_at": "2026-12-03T00:00:00+08:00",
        "paused_at": null, "pause_reason": null, "remaining_value": null, "remaining_unit": null,
        "extended": false, "warning": "none", "stopped_at": null, "overdue": false, "version": 1}
]}))]
pub struct ClockListOut {
    /// Clocks, oldest first.
    pub items: Vec<ClockOut>,
}

/// Lists the clocks of a case (staff only).
#[utoipa::path(get, path = "/api/v1/clocks", tag = "clocks", operation_id = "list_clocks",
    params(ClockQuery),
    responses(
        (status = 200, description = "The case's clocks", body = ClockListOut),
        (status = 400, description = "Missing or bad case_id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_clocks(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ClockQuery>,
) -> Result<HttpResponse, Problem> {
    if principal.kind != PrincipalKind::Staff {
        return Err(Problem::forbidden("staff only"));
    }
    let items = clocks::of_case(&state.db, query.case_id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "listing clocks failed");
            Problem::internal()
        })?;
    let items = items
        .into_iter()
        .filter(|c| can_see(&principal, c))
        .map(ClockOut::from)
        .collect();
    Ok(HttpResponse::Ok().json(ClockListOut { items }))
}

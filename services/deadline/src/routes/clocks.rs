//! `GET /api/v1/clocks?case_id=…`: the clocks of a case, for staff.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_web::{Principal, PrincipalKind, Problem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{startup::AppState, store::clocks};

/// Query of the clock list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ClockQuery {
    /// Case id.
    pub case_id: Uuid,
}

/// One clock.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClockOut {
    /// Clock id.
    pub id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// `acceptance`, `processing` or `task`.
    pub kind: String,
    /// The task it measures.
    pub task_id: Option<Uuid>,
    /// Limit amount.
    pub limit_value: i32,
    /// Limit unit.
    pub limit_unit: String,
    /// `running` or `stopped`.
    pub state: String,
    /// Start.
    pub started_at: DateTime<FixedOffset>,
    /// Due time.
    pub due_at: DateTime<FixedOffset>,
    /// Stop.
    pub stopped_at: Option<DateTime<FixedOffset>>,
    /// Stopped late?
    pub overdue: bool,
}

/// The clocks.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
        .map(|c| ClockOut {
            id: c.id,
            case_id: c.case_id,
            kind: c.kind,
            task_id: c.task_id,
            limit_value: c.limit_value,
            limit_unit: c.limit_unit,
            state: c.state,
            started_at: c.started_at,
            due_at: c.due_at,
            stopped_at: c.stopped_at,
            overdue: c.overdue,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ClockListOut { items }))
}

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

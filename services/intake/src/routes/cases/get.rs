//! `GET /api/v1/cases/{id}`: one case.

use actix_web::{HttpResponse, web};
use govhall_web::{Principal, Problem};
use uuid::Uuid;

use super::{CaseError, CaseOut, load_visible};
use crate::startup::AppState;

/// Reads a case: its applicant, or staff of its division.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "get_case",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case", body = CaseOut),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn get_case(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, CaseError> {
    let case = load_visible(&state.db, &principal, *id).await?;
    Ok(HttpResponse::Ok().json(CaseOut::from(case)))
}

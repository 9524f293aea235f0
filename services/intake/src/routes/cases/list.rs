//! `GET /api/v1/cases`: the caller's own cases.

use actix_web::{HttpResponse, web};
use govhall_web::{Principal, Problem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CaseError, CaseOut};
use crate::{startup::AppState, store::cases};

/// A page of cases.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseListOut {
    /// Cases, newest first.
    pub items: Vec<CaseOut>,
}

/// Lists the cases the caller submitted ("my cases"), newest first, at most 100.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", operation_id = "list_my_cases",
    responses(
        (status = 200, description = "The caller's cases", body = CaseListOut),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_my_cases(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, CaseError> {
    let items = cases::by_submitter(&state.db, &principal.sub, 100).await?;
    Ok(HttpResponse::Ok().json(CaseListOut {
        items: items.into_iter().map(CaseOut::from).collect(),
    }))
}

//! `GET /api/v1/matters` and `GET /api/v1/matters/{code}`: the public catalog (no login).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::MatterOut;
use crate::{
    routes::IntakeError,
    startup::AppState,
    store::matters::{self, Search},
};

/// Catalog query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatterQuery {
    /// Words in the matter's name.
    pub q: Option<String>,
    /// Division code or prefix: `32` (Jiangsu), `3201` (Nanjing), `320102`.
    pub division: Option<String>,
    /// Implementing department code.
    pub department: Option<String>,
    /// Item type (`administrative_licence`, `public_service`, …).
    pub item_type: Option<String>,
    /// Case type (`instant` or `promised`).
    pub case_type: Option<String>,
    /// Page, from 1.
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<u32>,
    /// Page size, 1–100 (20 by default).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of the catalog.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [super::matter_example()], "total": 1, "page": 1, "per_page": 20}))]
pub struct MatterListOut {
    /// Matching published matters.
    pub items: Vec<MatterOut>,
    /// Total matching.
    pub total: u64,
    /// This page.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// Browses and searches the published catalog (no login).
#[utoipa::path(get, path = "/api/v1/matters", tag = "matters", operation_id = "list_matters",
    params(MatterQuery),
    responses(
        (status = 200, description = "Published matters", body = MatterListOut),
        (status = 400, description = "Bad query", body = govhall_web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_matters(
    state: web::Data<AppState>,
    query: web::Query<MatterQuery>,
) -> Result<HttpResponse, IntakeError> {
    let q = query.into_inner();
    let (offset, per_page) = crate::routes::support::paging(q.page, q.per_page)?;
    let page = offset / per_page + 1;
    let (rows, total) = matters::search(
        &state.db,
        &Search {
            q: q.q,
            division: q.division,
            department: q.department,
            item_type: q.item_type,
            case_type: q.case_type,
            offset,
            limit: per_page,
        },
    )
    .await?;
    let items = rows
        .into_iter()
        .map(MatterOut::try_from)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(MatterListOut {
        items,
        total,
        page,
        per_page,
    }))
}

/// The published version of a matter, by implementation code (no login).
#[utoipa::path(get, path = "/api/v1/matters/{code}", tag = "matters", operation_id = "get_matter",
    params(("code" = String, Path, description = "Implementation code (实施编码)")),
    responses(
        (status = 200, description = "The published version", body = MatterOut),
        (status = 404, description = "No published matter with that code", body = govhall_web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_matter(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, IntakeError> {
    let row = matters::published(&state.db, &code)
        .await?
        .ok_or(IntakeError::NotFound("matter"))?;
    Ok(HttpResponse::Ok().json(MatterOut::try_from(row)?))
}

/// One version by id, published or retired — what a case was submitted under (no login).
#[utoipa::path(get, path = "/api/v1/matters/versions/{id}", tag = "matters", operation_id = "get_matter_version",
    params(("id" = Uuid, Path, description = "Id of the version")),
    responses(
        (status = 200, description = "The version", body = MatterOut),
        (status = 404, description = "No such version, or still a draft", body = govhall_web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_matter_version(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let row = matters::find(&state.db, *id)
        .await?
        .filter(|m| m.state != "draft")
        .ok_or(IntakeError::NotFound("matter"))?;
    Ok(HttpResponse::Ok().json(MatterOut::try_from(row)?))
}

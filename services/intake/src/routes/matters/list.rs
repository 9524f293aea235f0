//! `GET /api/v1/matters`: the catalog, public.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::matters::{MATTERS, Matter};

/// The catalog.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatterListOut {
    /// Matters.
    pub items: Vec<Matter>,
}

/// Lists the matters one can apply for (no login).
#[utoipa::path(get, path = "/api/v1/matters", tag = "matters", operation_id = "list_matters",
    responses((status = 200, description = "The catalog", body = MatterListOut)))]
pub async fn list_matters() -> HttpResponse {
    HttpResponse::Ok().json(
        web::Json(MatterListOut {
            items: MATTERS.to_vec(),
        })
        .0,
    )
}

//! `GET /api/v1/routes/{case_id}`: the route of a case across levels (staff).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_web::{Principal, PrincipalKind, Problem};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{startup::AppState, store::case_routes};

/// A case's route.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RouteOut {
    /// Case id.
    pub case_id: Uuid,
    /// Accepting division.
    pub division_code: String,
    /// Division codes of the stages, in order.
    pub stages: Vec<String>,
    /// `planned` or `completed`.
    pub state: String,
    /// When planned.
    pub planned_at: DateTime<FixedOffset>,
}

/// Reads the route of a case (staff of its division).
#[utoipa::path(get, path = "/api/v1/routes/{case_id}", tag = "routes", operation_id = "get_route",
    params(("case_id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The route", body = RouteOut),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No route (yet) for the case", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_route(
    state: web::Data<AppState>,
    principal: Principal,
    case_id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    if principal.kind != PrincipalKind::Staff {
        return Err(Problem::forbidden("staff only"));
    }
    let route = case_routes::Entity::find_by_id(*case_id)
        .one(&state.db)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading a route failed");
            Problem::internal()
        })?;
    match route {
        Some(r) if principal.division.as_deref() == Some(r.division_code.as_str()) => {
            Ok(HttpResponse::Ok().json(RouteOut {
                case_id: r.case_id,
                division_code: r.division_code,
                stages: serde_json::from_value(r.stages).unwrap_or_default(),
                state: r.state,
                planned_at: r.planned_at,
            }))
        }
        _ => Err(Problem::not_found("route")),
    }
}

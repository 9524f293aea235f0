//! `GET /api/v1/routes/{case_id}`: the route of a case across levels (staff on the chain,
//! supervisors above it).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_web::{Principal, Problem};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{can_see, internal, transfers::TransferOut};
use crate::{
    chain::{StageOpinion, opinions_of, stages_of},
    startup::AppState,
    store::{case_routes, divisions, transfers},
};

/// One stage of a route.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StageOut {
    /// Position in the chain, from 0.
    pub index: i32,
    /// Level (`province`, `city`, `county`, `town`).
    pub level: String,
    /// Division that handles it.
    pub division_code: String,
    /// Its name (also for a code retired since).
    pub division_name: Option<String>,
    /// Lead department.
    pub department_code: String,
    /// Department name.
    pub department_name: String,
    /// `done`, `current` or `pending`.
    pub state: String,
}

/// A case's route.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case_id": "0190f2b4-7c1e-7d2a-9b1e-3c4d5e6f7a8b", "division_code": "320282", "division_name": "宜兴市", "stages": [
    {"index": 0, "level": "county", "division_code": "320282", "division_name": "宜兴市", "department_code": "320282-YJGLJ", "department_name": "宜兴市应急管理局", "state": "done"},
    {"index": 1, "level": "city", "division_code": "320200", "division_name": "无锡市", "department_code": "320200-YJGLJ", "department_name": "无锡市应急管理局", "state": "current"}],
    "stage_index": 1, "state": "transferring", "overdue": false, "opinions": [], "transfers": [], "planned_at": "2026-11-02T10:00:00+08:00", "version": 3}))]
pub struct RouteOut {
    /// Case id.
    pub case_id: Uuid,
    /// Accepting division.
    pub division_code: String,
    /// Its name.
    pub division_name: Option<String>,
    /// The stages in order (one for a case handled at one level).
    pub stages: Vec<StageOut>,
    /// Index of the stage holding the case.
    pub stage_index: i32,
    /// `planned`, `in_review`, `transferring`, `sent_back`, `decided`, `completed`,
    /// `cancelled`.
    pub state: String,
    /// A clock of the current stage ran out: its upward submission will be late.
    pub overdue: bool,
    /// What each stage concluded so far.
    pub opinions: Vec<StageOpinion>,
    /// Every hand-over, oldest first.
    pub transfers: Vec<TransferOut>,
    /// When planned.
    pub planned_at: DateTime<FixedOffset>,
    /// Version.
    pub version: i32,
}

/// Reads the route of a case.
#[utoipa::path(get, path = "/api/v1/routes/{case_id}", tag = "routes", operation_id = "get_route",
    params(("case_id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The route", body = RouteOut),
        (status = 401, description = "No principal", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No route for the case, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_route(
    state: web::Data<AppState>,
    principal: Principal,
    case_id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let route = case_routes::Entity::find_by_id(*case_id)
        .one(&state.db)
        .await
        .map_err(internal)?;
    let Some(route) = route.filter(|r| can_see(&principal, r)) else {
        return Err(Problem::not_found("route"));
    };
    let transfers = transfers::of_case(&state.db, route.case_id)
        .await
        .map_err(internal)?;
    let plan = stages_of(&route);
    let codes: Vec<String> = serde_json::from_value(route.stages.clone()).unwrap_or_default();
    let names = divisions::names(
        &state.db,
        codes
            .iter()
            .cloned()
            .chain([route.division_code.clone()])
            .chain(
                transfers
                    .iter()
                    .flat_map(|t| [t.from_division.clone(), t.to_division.clone()]),
            ),
    )
    .await
    .map_err(internal)?;
    let finished = matches!(route.state.as_str(), "decided" | "completed");
    let stages = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let index = i32::try_from(i).unwrap_or_default();
            let p = plan.get(i);
            StageOut {
                index,
                level: p.map_or_else(|| "local".into(), |p| p.level.clone()),
                division_code: code.clone(),
                division_name: names.get(code).cloned(),
                department_code: p.map(|p| p.department_code.clone()).unwrap_or_default(),
                department_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                state: if index < route.stage_index || (finished && index == route.stage_index) {
                    "done"
                } else if index == route.stage_index {
                    "current"
                } else {
                    "pending"
                }
                .into(),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(RouteOut {
        case_id: route.case_id,
        division_name: names.get(&route.division_code).cloned(),
        division_code: route.division_code.clone(),
        stages,
        stage_index: route.stage_index,
        state: route.state.clone(),
        overdue: route.overdue,
        opinions: opinions_of(&route),
        transfers: transfers
            .into_iter()
            .map(|t| TransferOut::new(t, &names))
            .collect(),
        planned_at: super::cst(route.planned_at),
        version: route.version,
    }))
}

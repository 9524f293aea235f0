//! `GET /api/v1/tasks`: the inbox of the caller's department.

use actix_web::{HttpResponse, web};
use govhall_web::{Principal, PrincipalKind, Problem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::TaskOut;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{startup::AppState, store::tasks};

/// Filters of the inbox.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TaskQuery {
    /// Only tasks of this case.
    pub case_id: Option<Uuid>,
}

/// The inbox.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [super::task_example()]}))]
pub struct TaskListOut {
    /// Tasks, oldest first.
    pub items: Vec<TaskOut>,
}

/// Lists the tasks of the caller's department (staff with a department only).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", operation_id = "list_tasks",
    params(TaskQuery),
    responses(
        (status = 200, description = "The department's tasks", body = TaskListOut),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not department staff", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_tasks(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<TaskQuery>,
) -> Result<HttpResponse, Problem> {
    let department = match (&principal.kind, &principal.department) {
        (PrincipalKind::Staff, Some(d)) => d.clone(),
        _ => return Err(Problem::forbidden("department staff only")),
    };
    let internal = |e: sea_orm::DbErr| {
        tracing::error!(error = %e, "listing tasks failed");
        Problem::internal()
    };
    let items = tasks::inbox(&state.db, &department, query.case_id)
        .await
        .map_err(internal)?;
    // Only the reviews of the caller's own division (a department code names one body, but
    // the division is checked too: a city's department must not see a county's review).
    let review_ids: Vec<Uuid> = items.iter().map(|t| t.review_id).collect();
    let divisions: std::collections::HashMap<Uuid, String> = crate::store::reviews::Entity::find()
        .filter(crate::store::reviews::Column::Id.is_in(review_ids))
        .all(&state.db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|r| (r.id, r.division_code))
        .collect();
    let own = |t: &tasks::Model| {
        divisions
            .get(&t.review_id)
            .is_some_and(|d| principal.division.as_deref() == Some(d.as_str()))
    };
    Ok(HttpResponse::Ok().json(TaskListOut {
        items: items.into_iter().filter(own).map(TaskOut::from).collect(),
    }))
}

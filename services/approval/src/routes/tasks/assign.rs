//! Who works on a task: a reviewer claims or releases it; a leader of the department assigns
//! or reassigns it. Every change is logged with actor and time and guarded by the version.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use govhall_web::{Principal, Problem, Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::TaskOut;
use crate::{
    startup::AppState,
    store::{log, tasks},
};

/// A claim, release or assignment.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"assignee": "reviewer-7", "reason": "按分工", "version": 1}))]
pub struct AssignIn {
    /// The reviewer to assign (assignment only).
    #[serde(default)]
    pub assignee: Option<String>,
    /// Why (assignment).
    #[serde(default)]
    pub reason: Option<String>,
    /// The task version the caller saw.
    #[serde(default)]
    pub version: Option<i32>,
}

async fn department_task(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<tasks::Model, Problem> {
    let (task, _) = super::of_caller(&state.db, principal, id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("task"))?;
    if task.state != "open" {
        return Err(Problem::conflict(
            "task_closed",
            "the task is no longer open",
        ));
    }
    Ok(task)
}

fn internal(e: impl std::fmt::Display) -> Problem {
    tracing::error!(error = %e, "task assignment failed");
    Problem::internal()
}

async fn set_assignee(
    state: &AppState,
    task: &tasks::Model,
    expected: Option<i32>,
    assignee: Option<String>,
    actor: &str,
    action: &str,
    reason: Option<String>,
) -> Result<HttpResponse, Problem> {
    let version = expected.unwrap_or(task.version);
    let now = Utc::now().fixed_offset();
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    let changed = tasks::Entity::update_many()
        .col_expr(tasks::Column::Assignee, Expr::value(assignee.clone()))
        .col_expr(tasks::Column::Version, Expr::value(version + 1))
        .filter(tasks::Column::Id.eq(task.id))
        .filter(tasks::Column::Version.eq(version))
        .filter(tasks::Column::State.eq("open"))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if changed.rows_affected != 1 {
        return Err(Problem::conflict(
            "version_conflict",
            "the task was changed by someone else; reload it",
        ));
    }
    log::record(
        &txn,
        task.review_id,
        now,
        actor,
        action,
        json!({"task_id": task.id, "assignee": assignee, "reason": reason}),
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    let task = tasks::Entity::find_by_id(task.id)
        .one(&state.db)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("task"))?;
    Ok(HttpResponse::Ok().json(TaskOut::from(task)))
}

/// Claims an unassigned task of the caller's department (认领).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/claim", tag = "tasks", operation_id = "claim_task",
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = AssignIn,
    responses(
        (status = 200, description = "Claimed", body = TaskOut),
        (status = 403, description = "Not a reviewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task in the caller's department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Held by another reviewer, closed, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn claim_task(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: govhall_web::Json<AssignIn>,
) -> Result<HttpResponse, Problem> {
    if !principal.has_role(Role::Reviewer) && !principal.has_role(Role::Leader) {
        return Err(Problem::forbidden("only reviewers claim tasks"));
    }
    let task = department_task(&state, &principal, *id).await?;
    match task.assignee.as_deref() {
        Some(a) if a == principal.sub => Ok(HttpResponse::Ok().json(TaskOut::from(task))),
        Some(_) => Err(Problem::conflict(
            "assigned_to_another",
            "该任务已由其他审查人员认领",
        )),
        None => {
            set_assignee(
                &state,
                &task,
                body.version,
                Some(principal.sub.clone()),
                &principal.sub,
                "claimed",
                None,
            )
            .await
        }
    }
}

/// Releases a task the caller holds, back to the department's pool.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/release", tag = "tasks", operation_id = "release_task",
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = AssignIn,
    responses(
        (status = 200, description = "Released", body = TaskOut),
        (status = 404, description = "No such task in the caller's department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not held by the caller, closed, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn release_task(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: govhall_web::Json<AssignIn>,
) -> Result<HttpResponse, Problem> {
    let task = department_task(&state, &principal, *id).await?;
    if task.assignee.as_deref() != Some(principal.sub.as_str()) {
        return Err(Problem::conflict("not_holder", "只能释放本人认领的任务"));
    }
    set_assignee(
        &state,
        &task,
        body.version,
        None,
        &principal.sub,
        "released",
        None,
    )
    .await
}

/// A leader of the department assigns or reassigns a task (分派 / 改派).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/assignment", tag = "tasks", operation_id = "assign_task",
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = AssignIn,
    responses(
        (status = 200, description = "Assigned", body = TaskOut),
        (status = 403, description = "Not a leader of the department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task in the caller's department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Closed, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No assignee named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn assign_task(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: govhall_web::Json<AssignIn>,
) -> Result<HttpResponse, Problem> {
    if !principal.has_role(Role::Leader) {
        return Err(Problem::forbidden(
            "only a leader of the department assigns tasks",
        ));
    }
    let body = body.into_inner();
    let Some(assignee) = body.assignee.filter(|a| !a.trim().is_empty()) else {
        return Err(Problem::validation(vec![govhall_web::FieldError {
            field: "assignee".into(),
            message: "请指定审查人员".into(),
            code: "required".into(),
        }]));
    };
    let task = department_task(&state, &principal, *id).await?;
    let action = if task.assignee.is_some() {
        "reassigned"
    } else {
        "assigned"
    };
    set_assignee(
        &state,
        &task,
        body.version,
        Some(assignee),
        &principal.sub,
        action,
        body.reason,
    )
    .await
}

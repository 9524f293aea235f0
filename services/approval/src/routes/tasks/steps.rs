//! Sequential steps inside a department (初审 → 复审 → 审批): an intermediate step's opinion
//! moves the task to the next step; only the last step's verdict is the department's. A later
//! step may send the task back (退回) to an earlier one, with a reason.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use govhall_web::{Principal, Problem, Role};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::TaskOut;
use crate::{
    startup::AppState,
    store::{log, tasks},
};

/// May `principal` act at a step whose role is `role`?
pub fn may_act(principal: &Principal, role: &str) -> bool {
    match role {
        "leader" => principal.has_role(Role::Leader),
        _ => principal.has_role(Role::Reviewer) || principal.has_role(Role::Leader),
    }
}

/// Is the task at an intermediate step (its opinion moves it on rather than deciding)?
pub fn is_intermediate(task: &tasks::Model) -> bool {
    let steps = task.step_list();
    !steps.is_empty() && usize::try_from(task.step_index).unwrap_or_default() + 1 < steps.len()
}

/// Records an intermediate step's opinion and moves the task to the next step (unassigned).
/// `Ok(None)`: changed concurrently.
pub async fn advance(
    db: &DatabaseConnection,
    task: &tasks::Model,
    principal: &Principal,
    reply: &str,
    comment: &str,
) -> Result<Option<tasks::Model>, sea_orm::DbErr> {
    let steps = task.step_list();
    let index = usize::try_from(task.step_index).unwrap_or_default();
    let now = Utc::now().fixed_offset();
    let txn = govhall_bus::begin_write(db).await?;
    let changed = tasks::Entity::update_many()
        .col_expr(tasks::Column::StepIndex, Expr::value(task.step_index + 1))
        .col_expr(tasks::Column::Assignee, Expr::value(Option::<String>::None))
        .col_expr(tasks::Column::Version, Expr::value(task.version + 1))
        .filter(tasks::Column::Id.eq(task.id))
        .filter(tasks::Column::Version.eq(task.version))
        .filter(tasks::Column::State.eq("open"))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Ok(None);
    }
    let step = steps.get(index).map(|s| s.name.clone()).unwrap_or_default();
    log::record(
        &txn,
        task.review_id,
        now,
        &principal.sub,
        "step_done",
        json!({"task_id": task.id, "department_code": task.department_code, "step": step, "reply": reply, "comment": comment}),
    )
    .await?;
    txn.commit().await?;
    tasks::Entity::find_by_id(task.id).one(db).await
}

/// Sending a task back to an earlier step.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"to_step": 0, "reason": "初审意见未说明选址依据", "version": 3}))]
pub struct SendBackIn {
    /// The step to go back to (0-based, before the current one).
    pub to_step: usize,
    /// Why.
    pub reason: String,
    /// The task version the caller saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Sends a task back to an earlier step of the department (退回), with a reason.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/send-back", tag = "tasks", operation_id = "send_back_task",
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = SendBackIn,
    responses(
        (status = 200, description = "Sent back", body = TaskOut),
        (status = 403, description = "Not the role of the current step", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task in the caller's department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Closed, held by another reviewer, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No earlier step with that index, or no reason", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn send_back_task(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: govhall_web::Json<SendBackIn>,
) -> Result<HttpResponse, Problem> {
    let internal = |e: sea_orm::DbErr| {
        tracing::error!(error = %e, "sending a task back failed");
        Problem::internal()
    };
    let (task, _) = super::of_caller(&state.db, &principal, *id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("task"))?;
    if task.state != "open" {
        return Err(Problem::conflict(
            "task_closed",
            "the task is no longer open",
        ));
    }
    // As for an opinion: a task someone holds is his (a leader may still act).
    if super::held_by_another(&principal, &task) {
        return Err(Problem::conflict(
            "assigned_to_another",
            "该任务已由其他审查人员办理",
        ));
    }
    let steps = task.step_list();
    let current = usize::try_from(task.step_index).unwrap_or_default();
    if !steps
        .get(current)
        .is_some_and(|s| may_act(&principal, &s.role))
    {
        return Err(Problem::forbidden(
            "only the current step's role sends a task back",
        ));
    }
    let field = |f: &str, m: &str| {
        Problem::validation(vec![govhall_web::FieldError {
            field: f.into(),
            message: m.into(),
            code: "invalid".into(),
        }])
    };
    if body.to_step >= current {
        return Err(field("to_step", "只能退回到之前的审查环节"));
    }
    if body.reason.trim().is_empty() {
        return Err(field("reason", "请说明退回理由"));
    }
    let version = body.version.unwrap_or(task.version);
    let now = Utc::now().fixed_offset();
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    let changed = tasks::Entity::update_many()
        .col_expr(
            tasks::Column::StepIndex,
            Expr::value(i32::try_from(body.to_step).unwrap_or_default()),
        )
        .col_expr(tasks::Column::Assignee, Expr::value(Option::<String>::None))
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
    let from = steps
        .get(current)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let to = steps
        .get(body.to_step)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    log::record(
        &txn,
        task.review_id,
        now,
        &principal.sub,
        "sent_back",
        json!({"task_id": task.id, "from": from, "to": to, "reason": body.reason}),
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

//! `POST /api/v1/tasks/{id}/supplement-request`: a department asks the applicant to
//! supplement; its task waits, and the requests of the review are merged (see `supplements`).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use chrono::Utc;
use govhall_web::{Principal, Problem};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{TaskOut, steps::may_act};
use crate::{
    startup::AppState,
    store::{log, supplements::requests, tasks},
    supplements::batch_for,
};

/// How long departments' requests of one review are collected before they go out as one.
#[derive(Debug, Clone, Copy)]
pub struct SupplementWindow(pub Duration);

/// A department's supplement request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": ["补充建设项目环境影响登记表", "补正总平面图（加盖设计单位出图章）"]}))]
pub struct SupplementRequestIn {
    /// Everything the department needs, in words the applicant understands.
    pub items: Vec<String>,
    /// The task version the caller saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Asks the applicant, through the window, to supplement; the task waits for it. Requests of
/// the review's departments within a short window reach the applicant as one notice.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/supplement-request", tag = "tasks", operation_id = "request_supplement_in_review",
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = SupplementRequestIn,
    responses(
        (status = 200, description = "Recorded; the task waits for the supplement", body = TaskOut),
        (status = 403, description = "Not the role of the task's current step", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task in the caller's department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task or review is not open, the task is held by another reviewer, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No items", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_supplement_in_review(
    state: web::Data<AppState>,
    window: web::Data<SupplementWindow>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: govhall_web::Json<SupplementRequestIn>,
) -> Result<HttpResponse, Problem> {
    let internal = |e: sea_orm::DbErr| {
        tracing::error!(error = %e, "recording a supplement request failed");
        Problem::internal()
    };
    let items: Vec<String> = body
        .items
        .iter()
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .collect();
    if items.is_empty() {
        return Err(Problem::validation(vec![govhall_web::FieldError {
            field: "items".into(),
            message: "请列出需要补正的内容".into(),
            code: "required".into(),
        }]));
    }
    let (task, review) = super::of_caller(&state.db, &principal, *id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("task"))?;
    let steps = task.step_list();
    let role = steps
        .get(usize::try_from(task.step_index).unwrap_or_default())
        .map_or("reviewer", |s| s.role.as_str());
    if !may_act(&principal, role) {
        return Err(Problem::forbidden(
            "only the current step's role asks for a supplement",
        ));
    }
    if task.state != "open" {
        return Err(Problem::conflict("task_closed", "the task is not open"));
    }
    // As for an opinion: a task someone holds is his (a leader may still act).
    if super::held_by_another(&principal, &task) {
        return Err(Problem::conflict(
            "assigned_to_another",
            "该任务已由其他审查人员办理",
        ));
    }
    if review.state != "open" {
        return Err(Problem::conflict("review_closed", "审查未在进行中"));
    }
    let version = body.version.unwrap_or(task.version);
    let now = Utc::now().fixed_offset();
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    let changed = tasks::Entity::update_many()
        .col_expr(tasks::Column::State, Expr::value("awaiting_supplement"))
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
    let batch = batch_for(&txn, &review, window.0, now)
        .await
        .map_err(internal)?;
    requests::ActiveModel {
        id: Set(Uuid::now_v7()),
        batch_id: Set(batch),
        task_id: Set(task.id),
        department_code: Set(task.department_code.clone()),
        items: Set(json!(items)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(internal)?;
    log::record(
        &txn,
        review.id,
        now,
        &principal.sub,
        "supplement_requested",
        json!({"task_id": task.id, "department_code": task.department_code, "items": items}),
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

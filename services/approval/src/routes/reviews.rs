//! A review's make-up: read it with its log; the lead department adds a co-department
//! (加签) or removes one (减签) mid-review, with a reason; the change is logged and published
//! so the deadline service opens or stops the department's clock.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, Utc};
use govhall_bus::outbox;
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        LimitUnit, TimeLimit,
        approval::{TaskClosed, TaskOpened},
    },
};
use govhall_web::{Principal, PrincipalKind, Problem, RequestContext, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::tasks::TaskOut;
use crate::{
    SERVICE,
    decide::{DecideError, conclude_if_met},
    domain::division::covers,
    startup::AppState,
    store::{log, reviews, tasks},
};

/// A review with its tasks and log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01a1ec4f-c448-7eee-b74a-dd548c656018", "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6",
    "join_rule": "all", "state": "open", "outcome": null, "version": 2,
    "tasks": [super::tasks::task_example(),
        {"id": "01a1f193-3980-7be8-8622-37c85bd0f521", "review_id": "01a1ec4f-c448-7eee-b74a-dd548c656018",
            "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6", "department_code": "320102-WJW",
            "department_name": "南京市玄武区卫生健康委员会", "lead": false, "state": "open", "outcome": null, "comment": null,
            "opened_at": "2026-11-19T10:12:00+08:00", "recorded_at": null, "version": 1, "deemed": false, "referred": false,
            "assignee": null, "due_at": "2026-12-01T00:00:00+08:00", "step": null}],
    "log": [
        {"at": "2026-11-18T10:02:31+08:00", "actor": "reviewer-7", "action": "claimed",
            "details": {"task_id": "01a1ec4f-c510-7b26-8ee6-f8170e8e2329", "assignee": "reviewer-7", "reason": null}},
        {"at": "2026-11-19T10:12:00+08:00", "actor": "leader-2", "action": "department_added",
            "details": {"department_code": "320102-WJW", "task_id": "01a1f193-3980-7be8-8622-37c85bd0f521", "reason": "涉及卫生许可条件"}}
    ]}))]
pub struct ReviewOut {
    /// Review id.
    pub id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Join rule.
    pub join_rule: String,
    /// `open`, `concluded` or `cancelled`.
    pub state: String,
    /// Outcome once concluded.
    pub outcome: Option<String>,
    /// Version.
    pub version: i32,
    /// Every task, removed ones included.
    pub tasks: Vec<TaskOut>,
    /// Who changed what.
    pub log: Vec<LogOut>,
}

/// A log entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogOut {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Details.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

fn internal(e: impl std::fmt::Display) -> Problem {
    tracing::error!(error = %e, "review change failed");
    Problem::internal()
}

/// Is `principal` staff of the review's own division?
fn of_its_division(principal: &Principal, review: &reviews::Model) -> bool {
    principal.division.as_deref() == Some(review.division_code.as_str())
}

/// The review, if the caller is staff of one of its departments at its division, or a
/// supervisor of its division or one above it (who may read it, not change it). Else 404.
async fn visible(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<(reviews::Model, Vec<tasks::Model>), Problem> {
    let review = reviews::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("review"))?;
    let all = tasks::of_review(&state.db, review.id)
        .await
        .map_err(internal)?;
    // A department code alone is not enough: staff of another division may claim the same.
    let of_department = of_its_division(principal, &review)
        && principal
            .department
            .as_deref()
            .is_some_and(|d| all.iter().any(|t| t.department_code == d));
    let supervisor = principal.has_role(Role::Supervisor)
        && principal
            .division
            .as_deref()
            .is_some_and(|d| covers(d, &review.division_code));
    if principal.kind != PrincipalKind::Staff || !(of_department || supervisor) {
        return Err(Problem::not_found("review"));
    }
    Ok((review, all))
}

/// Staff of the lead department, at the review's division, may change the review's make-up.
fn lead_staff(
    principal: &Principal,
    review: &reviews::Model,
    all: &[tasks::Model],
) -> Result<(), Problem> {
    let lead = all
        .iter()
        .find(|t| t.lead)
        .map(|t| t.department_code.as_str());
    if lead.is_some()
        && of_its_division(principal, review)
        && principal.department.as_deref() == lead
        && (principal.has_role(Role::Reviewer) || principal.has_role(Role::Leader))
    {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "only the lead department adds or removes co-departments",
        ))
    }
}

/// A review with its tasks and the log of its changes.
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reviews", operation_id = "get_review",
    params(("id" = Uuid, Path, description = "Review id")),
    responses(
        (status = 200, description = "The review", body = ReviewOut),
        (status = 404, description = "No such review visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_review(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let (review, all) = visible(&state, &principal, *id).await?;
    let entries = log::of_review(&state.db, review.id)
        .await
        .map_err(internal)?;
    Ok(HttpResponse::Ok().json(ReviewOut {
        id: review.id,
        case_id: review.case_id,
        join_rule: review.join_rule,
        state: review.state,
        outcome: review.outcome,
        version: review.version,
        tasks: all.into_iter().map(TaskOut::from).collect(),
        log: entries
            .into_iter()
            .map(|e| LogOut {
                at: e.at,
                actor: e.actor,
                action: e.action,
                details: e.details,
            })
            .collect(),
    }))
}

/// A co-department added mid-review (加签).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"department_code": "320102-WJW", "name": "南京市玄武区卫生健康委员会", "working_days": 7, "reason": "涉及卫生许可条件"}))]
pub struct AddDepartmentIn {
    /// Department code.
    pub department_code: String,
    /// Department name.
    pub name: String,
    /// Its countersign time in working days (default 7).
    #[serde(default)]
    pub working_days: Option<u32>,
    /// Why.
    pub reason: String,
}

/// Why a co-department is removed (减签).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "经核实不涉及该部门职责"}))]
pub struct RemoveDepartmentIn {
    /// Why.
    pub reason: String,
}

fn reason_required(reason: &str) -> Result<(), Problem> {
    if reason.trim().is_empty() {
        return Err(Problem::validation(vec![govhall_web::FieldError {
            field: "reason".into(),
            message: "请说明理由".into(),
            code: "required".into(),
        }]));
    }
    Ok(())
}

fn origin(review: &reviews::Model, ctx: &RequestContext) -> Origin {
    Origin {
        producer: SERVICE,
        correlation_id: review.case_id,
        causation_id: None,
        traceparent: Some(ctx.trace.header()),
        division_code: review.division_code.clone(),
    }
}

/// Adds a co-department to an open review (加签); its task and clock open at once.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/departments", tag = "reviews", operation_id = "add_department",
    params(("id" = Uuid, Path, description = "Review id")),
    request_body = AddDepartmentIn,
    responses(
        (status = 201, description = "Added; the new task", body = TaskOut),
        (status = 403, description = "Not staff of the lead department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The review is closed, the department already takes part, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason, code or name missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_department(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: govhall_web::Json<AddDepartmentIn>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    reason_required(&body.reason)?;
    if body.department_code.trim().is_empty() || body.name.trim().is_empty() {
        return Err(Problem::validation(vec![govhall_web::FieldError {
            field: "department_code".into(),
            message: "请填写部门编码和名称".into(),
            code: "required".into(),
        }]));
    }
    let (review, all) = visible(&state, &principal, *id).await?;
    lead_staff(&principal, &review, &all)?;
    if review.state != "open" {
        return Err(Problem::conflict("review_closed", "审查已结束"));
    }
    if all
        .iter()
        .any(|t| t.department_code == body.department_code && t.state != "cancelled")
    {
        return Err(Problem::conflict("already_taking_part", "该部门已参与审查"));
    }
    let now = Utc::now().fixed_offset();
    let limit = TimeLimit {
        value: body.working_days.unwrap_or(7).clamp(1, 60),
        unit: LimitUnit::WorkingDays,
    };
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    if !reviews::bump(&txn, review.id, review.version, None)
        .await
        .map_err(internal)?
    {
        return Err(Problem::conflict(
            "version_conflict",
            "the review was changed by someone else; reload it",
        ));
    }
    let task_id = Uuid::now_v7();
    let task = tasks::ActiveModel {
        id: Set(task_id),
        review_id: Set(review.id),
        case_id: Set(review.case_id),
        department_code: Set(body.department_code.clone()),
        department_name: Set(body.name.clone()),
        lead: Set(false),
        state: Set("open".into()),
        outcome: Set(None),
        comment: Set(None),
        reviewer: Set(None),
        opened_at: Set(now),
        recorded_at: Set(None),
        version: Set(1),
        deemed: Set(false),
        referred: Set(false),
        assignee: Set(None),
        due_at: Set(None),
        step_index: Set(0),
        steps: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(internal)?;
    log::record(
        &txn,
        review.id,
        now,
        &principal.sub,
        "department_added",
        json!({"department_code": body.department_code, "task_id": task_id, "reason": body.reason}),
    )
    .await
    .map_err(internal)?;
    let opened = TaskOpened {
        task_id,
        review_id: review.id,
        case_id: review.case_id,
        department_code: body.department_code,
        division_code: Some(review.division_code.clone()),
        lead: false,
        time_limit: limit,
        opened_at: now,
    };
    outbox::enqueue(
        &txn,
        &[Envelope::wrap(&opened, origin(&review, &ctx)).map_err(internal)?],
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    state.relay.notify();
    Ok(HttpResponse::Created().json(TaskOut::from(task)))
}

/// Removes a co-department from an open review (减签): its open task is cancelled; the
/// review concludes at once if the remaining opinions now meet the join rule.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/departments/{code}/removal", tag = "reviews", operation_id = "remove_department",
    params(("id" = Uuid, Path, description = "Review id"), ("code" = String, Path, description = "Department code")),
    request_body = RemoveDepartmentIn,
    responses(
        (status = 200, description = "Removed; the review as it now is", body = ReviewOut),
        (status = 403, description = "Not staff of the lead department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review or department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lead, a department that already answered, a closed review, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_department(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    path: web::Path<(Uuid, String)>,
    body: govhall_web::Json<RemoveDepartmentIn>,
) -> Result<HttpResponse, Problem> {
    let (id, code) = path.into_inner();
    reason_required(&body.reason)?;
    let (review, all) = visible(&state, &principal, id).await?;
    lead_staff(&principal, &review, &all)?;
    if review.state != "open" {
        return Err(Problem::conflict("review_closed", "审查已结束"));
    }
    let task = all
        .iter()
        .find(|t| t.department_code == code && t.state != "cancelled")
        .ok_or_else(|| Problem::not_found("department"))?;
    if task.lead {
        return Err(Problem::conflict("lead_department", "牵头部门不能减签"));
    }
    if task.state != "open" {
        return Err(Problem::conflict("already_answered", "该部门已出具意见"));
    }
    let now = Utc::now().fixed_offset();
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    let changed = tasks::Entity::update_many()
        .col_expr(tasks::Column::State, Expr::value("cancelled"))
        .col_expr(tasks::Column::Version, Expr::value(task.version + 1))
        .filter(tasks::Column::Id.eq(task.id))
        .filter(tasks::Column::Version.eq(task.version))
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
        review.id,
        now,
        &principal.sub,
        "department_removed",
        json!({"department_code": code, "task_id": task.id, "reason": body.reason}),
    )
    .await
    .map_err(internal)?;
    let closed = TaskClosed {
        task_id: task.id,
        review_id: review.id,
        case_id: review.case_id,
        department_code: code.clone(),
        outcome: None,
        closed_at: now,
    };
    let mut events = vec![Envelope::wrap(&closed, origin(&review, &ctx)).map_err(internal)?];
    match conclude_if_met(&txn, &review, origin(&review, &ctx), now).await {
        Ok((more, _)) => events.extend(more),
        Err(DecideError::VersionConflict) => {
            return Err(Problem::conflict(
                "version_conflict",
                "the review was changed by someone else; reload it",
            ));
        }
        Err(DecideError::Unexpected(e)) => return Err(internal(e)),
    }
    outbox::enqueue(&txn, &events).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    state.relay.notify();
    get_review(state, principal, web::Path::from(id)).await
}

/// The lead department resumes a suspended review (the special procedure ended).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/resumption", tag = "reviews", operation_id = "resume_review",
    params(("id" = Uuid, Path, description = "Review id")),
    responses(
        (status = 200, description = "Resumed; the review as it now is", body = ReviewOut),
        (status = 403, description = "Not staff of the lead department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not suspended, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resume_review(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let (review, all) = visible(&state, &principal, *id).await?;
    lead_staff(&principal, &review, &all)?;
    let now = Utc::now().fixed_offset();
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    if !reviews::set_state(&txn, review.id, review.version, "suspended", "open")
        .await
        .map_err(internal)?
    {
        return Err(Problem::conflict(
            "not_suspended",
            "审查未中止，或已被他人修改",
        ));
    }
    log::record(&txn, review.id, now, &principal.sub, "resumed", json!({}))
        .await
        .map_err(internal)?;
    let event = govhall_contracts::events::approval::ReviewResumed {
        review_id: review.id,
        case_id: review.case_id,
        resumed_at: now,
    };
    outbox::enqueue(
        &txn,
        &[Envelope::wrap(&event, origin(&review, &ctx)).map_err(internal)?],
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    state.relay.notify();
    get_review(state, principal, web::Path::from(review.id)).await
}

/// Returning a case to the window.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "受理时未核验土地使用权证原件，请窗口核验后重新报送"}))]
pub struct ReturnIn {
    /// Why.
    pub reason: String,
}

/// The lead department returns the case to the accepting window (退回窗口): the review ends
/// without a verdict, its open tasks close; the window may send the case back to review.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/return-to-window", tag = "reviews", operation_id = "return_to_window",
    params(("id" = Uuid, Path, description = "Review id")),
    request_body = ReturnIn,
    responses(
        (status = 200, description = "Returned; the review as it now is", body = ReviewOut),
        (status = 403, description = "Not staff of the lead department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The review is not open, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn return_to_window(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: govhall_web::Json<ReturnIn>,
) -> Result<HttpResponse, Problem> {
    reason_required(&body.reason)?;
    let (review, all) = visible(&state, &principal, *id).await?;
    lead_staff(&principal, &review, &all)?;
    let now = Utc::now().fixed_offset();
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    if !reviews::set_state(&txn, review.id, review.version, "open", "returned")
        .await
        .map_err(internal)?
    {
        return Err(Problem::conflict(
            "review_closed",
            "审查未在进行中，或已被他人修改",
        ));
    }
    let mut events = Vec::new();
    for t in all
        .iter()
        .filter(|t| t.state == "open" || t.state == "awaiting_supplement")
    {
        tasks::Entity::update_many()
            .col_expr(tasks::Column::State, Expr::value("cancelled"))
            .col_expr(tasks::Column::Version, Expr::value(t.version + 1))
            .filter(tasks::Column::Id.eq(t.id))
            .exec(&txn)
            .await
            .map_err(internal)?;
        let closed = TaskClosed {
            task_id: t.id,
            review_id: review.id,
            case_id: review.case_id,
            department_code: t.department_code.clone(),
            outcome: None,
            closed_at: now,
        };
        events.push(Envelope::wrap(&closed, origin(&review, &ctx)).map_err(internal)?);
    }
    log::record(
        &txn,
        review.id,
        now,
        &principal.sub,
        "returned_to_window",
        json!({"reason": body.reason}),
    )
    .await
    .map_err(internal)?;
    let returned = govhall_contracts::events::approval::ReviewReturned {
        review_id: review.id,
        case_id: review.case_id,
        reason: body.reason.clone(),
        returned_at: now,
    };
    events.push(Envelope::wrap(&returned, origin(&review, &ctx)).map_err(internal)?);
    outbox::enqueue(&txn, &events).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    state.relay.notify();
    get_review(state, principal, web::Path::from(review.id)).await
}

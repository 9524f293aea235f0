//! `POST /api/v1/tasks/{id}/opinion`: a reviewer records the department's opinion.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, web};
use chrono::Utc;
use govhall_bus::outbox;
use govhall_contracts::envelope::Origin;
use govhall_web::{Principal, Problem, RequestContext, Role, ValidatedJson};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::TaskOut;
use crate::{SERVICE, startup::AppState, store::tasks};

/// A department's opinion.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"outcome": "agree", "comment": "材料齐全，符合法定条件", "version": 1}))]
pub struct OpinionIn {
    /// The lead department: `approve` or `deny`. A co-department: `agree`, `disagree` (with a
    /// reason) or `agree_refer`; a refusal without a reason, or any other answer, counts as
    /// agreement and is recorded as deemed. (`approved` / `denied` are accepted as older names.)
    pub outcome: String,
    /// The lead only: with `outcome: "suspend"`, the special procedure (`hearing`, `testing`,
    /// `appraisal`, `expert_review`, `public_notice`, `auction`, `other`).
    #[serde(default)]
    pub procedure: Option<String>,
    /// The lead only, with `suspend`: the legal basis.
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// Opinion text; required from the lead, and for a co-department's refusal.
    #[validate(length(max = 2000, message = "审查意见不超过 2000 字"))]
    #[serde(default)]
    pub comment: String,
    /// The task version the reviewer saw; a stale one is refused with 409.
    pub version: Option<i32>,
}

/// What can go wrong recording an opinion.
#[derive(Debug, thiserror::Error)]
pub enum OpinionError {
    /// Not a reviewer or leader of the task's department.
    #[error("not a reviewer of this department")]
    Forbidden,
    /// No such task in the caller's department.
    #[error("task not found")]
    NotFound,
    /// The task already has an opinion.
    #[error("task is closed")]
    Closed,
    /// The review is suspended for a special procedure.
    #[error("review suspended")]
    Suspended,
    /// A suspension without its procedure or legal basis.
    #[error("invalid suspension")]
    Suspension(&'static str, &'static str),
    /// Another reviewer holds the task.
    #[error("assigned to another reviewer")]
    AssignedToAnother,
    /// The lead's reply is not a verdict with reasons.
    #[error(transparent)]
    Reply(#[from] crate::domain::reply::ReplyError),
    /// Changed concurrently.
    #[error("version conflict")]
    VersionConflict,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for OpinionError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl ResponseError for OpinionError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Closed | Self::VersionConflict | Self::AssignedToAnother | Self::Suspended => {
                StatusCode::CONFLICT
            }
            Self::Suspension(..) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Reply(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Forbidden => Problem::forbidden(
                "only reviewers and leaders of the task's department record opinions",
            ),
            Self::NotFound => Problem::not_found("task"),
            Self::Closed => Problem::conflict("task_closed", "the task already has an opinion"),
            Self::Suspended => {
                Problem::conflict("review_suspended", "审查因特别程序中止，恢复后再出具意见")
            }
            Self::Suspension(field, message) => {
                Problem::validation(vec![govhall_web::FieldError {
                    field: (*field).into(),
                    message: (*message).into(),
                    code: "suspension".into(),
                }])
            }
            Self::AssignedToAnother => {
                Problem::conflict("assigned_to_another", "该任务已由其他审查人员办理")
            }
            Self::Reply(e) => {
                let (field, message) = match e {
                    crate::domain::reply::ReplyError::LeadVerdict => (
                        "outcome",
                        "牵头部门须作出准予（approve）或不予（deny）的决定",
                    ),
                    crate::domain::reply::ReplyError::LeadComment => ("comment", "请填写审查意见"),
                };
                Problem::validation(vec![govhall_web::FieldError {
                    field: field.into(),
                    message: message.into(),
                    code: "reply".into(),
                }])
            }
            Self::VersionConflict => Problem::conflict(
                "version_conflict",
                "the task was changed by someone else; reload it",
            ),
            Self::Unexpected(e) => {
                tracing::error!(error = ?e, "recording an opinion failed");
                Problem::internal()
            }
        }
        .error_response()
    }
}

/// Records the opinion of the task's department; when the join rule is satisfied the
/// review concludes and `approval.review.concluded` is published.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/opinion", tag = "tasks", operation_id = "record_opinion",
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = OpinionIn,
    responses(
        (status = 200, description = "Recorded", body = TaskOut),
        (status = 403, description = "Not a reviewer of the department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, held by another reviewer, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid opinion", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(task.id = %id))]
pub async fn record_opinion(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ValidatedJson<OpinionIn>,
) -> Result<HttpResponse, OpinionError> {
    if !(principal.has_role(Role::Reviewer) || principal.has_role(Role::Leader)) {
        return Err(OpinionError::Forbidden);
    }
    let input = body.into_inner();
    // Opinions of other departments on the same review may race with this one; the
    // review's version serialises them. Retry a few times on such a race.
    for _ in 0..5 {
        match try_record(&state, &principal, &ctx, *id, &input).await {
            Err(OpinionError::VersionConflict) if input.version.is_none() => continue,
            other => return other,
        }
    }
    Err(OpinionError::VersionConflict)
}

async fn try_record(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: &OpinionIn,
) -> Result<HttpResponse, OpinionError> {
    // Of the caller's department and division, or as good as absent.
    let (task, review) = super::of_caller(&state.db, principal, id)
        .await?
        .ok_or(OpinionError::NotFound)?;
    if task.state != "open" {
        return Err(OpinionError::Closed);
    }
    // A task someone claimed or was assigned is his (a leader may still answer for the
    // department).
    if super::held_by_another(principal, &task) {
        return Err(OpinionError::AssignedToAnother);
    }
    if input.version.is_some_and(|v| v != task.version) {
        return Err(OpinionError::VersionConflict);
    }
    if review.state == "suspended" {
        return Err(OpinionError::Suspended);
    }
    if review.state != "open" {
        return Err(OpinionError::Closed);
    }
    // A department working in steps: only the current step's role acts; an intermediate
    // step's opinion moves the task on.
    if let Some(step) = task
        .step_list()
        .get(usize::try_from(task.step_index).unwrap_or_default())
    {
        if !super::steps::may_act(principal, &step.role) {
            return Err(OpinionError::Forbidden);
        }
        if super::steps::is_intermediate(&task) {
            return match super::steps::advance(
                &state.db,
                &task,
                principal,
                &input.outcome,
                &input.comment,
            )
            .await?
            {
                Some(task) => Ok(HttpResponse::Ok().json(TaskOut::from(task))),
                None => Err(OpinionError::VersionConflict),
            };
        }
    }
    if task.lead && input.outcome == "suspend" {
        return suspend(state, principal, ctx, &review, &task, input).await;
    }
    let verdict = crate::domain::reply::interpret(task.lead, &input.outcome, &input.comment)?;
    let now = Utc::now().fixed_offset();
    let txn = govhall_bus::begin_write(&state.db).await?;
    let origin = Origin {
        producer: SERVICE,
        correlation_id: review.case_id,
        causation_id: None,
        traceparent: Some(ctx.trace.header()),
        division_code: review.division_code.clone(),
    };
    let comment = Some(input.comment.clone()).filter(|c| !c.trim().is_empty());
    let (events, conclusion) = match crate::decide::record(
        &txn,
        &review,
        &task,
        verdict,
        comment,
        &principal.sub,
        origin,
        now,
    )
    .await
    {
        Ok(done) => done,
        Err(crate::decide::DecideError::VersionConflict) => {
            return Err(OpinionError::VersionConflict);
        }
        Err(crate::decide::DecideError::Unexpected(e)) => return Err(OpinionError::Unexpected(e)),
    };
    outbox::enqueue(&txn, &events).await?;
    txn.commit().await?;
    state.relay.notify();
    let task = tasks::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(OpinionError::NotFound)?;
    tracing::info!(concluded = conclusion.is_some(), "opinion recorded");
    Ok(HttpResponse::Ok().json(TaskOut::from(task)))
}

/// The lead suspends the review for a special procedure: opinions wait; intake suspends the
/// case and the deadline service stops its clocks until the lead resumes.
async fn suspend(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    review: &crate::store::reviews::Model,
    task: &crate::store::tasks::Model,
    input: &OpinionIn,
) -> Result<HttpResponse, OpinionError> {
    const PROCEDURES: &[&str] = &[
        "hearing",
        "testing",
        "appraisal",
        "expert_review",
        "public_notice",
        "auction",
        "other",
    ];
    let procedure = input
        .procedure
        .as_deref()
        .filter(|p| PROCEDURES.contains(p));
    let Some(procedure) = procedure else {
        return Err(OpinionError::Suspension("procedure", "请选择特别程序种类"));
    };
    let Some(legal_basis) = input
        .legal_basis
        .as_deref()
        .filter(|b| !b.trim().is_empty())
    else {
        return Err(OpinionError::Suspension("legal_basis", "请填写法律依据"));
    };
    if input.comment.trim().is_empty() {
        return Err(OpinionError::Suspension("comment", "请填写中止理由"));
    }
    let now = Utc::now().fixed_offset();
    let txn = govhall_bus::begin_write(&state.db).await?;
    if !crate::store::reviews::set_state(&txn, review.id, review.version, "open", "suspended")
        .await?
    {
        return Err(OpinionError::VersionConflict);
    }
    crate::store::log::record(
        &txn,
        review.id,
        now,
        &principal.sub,
        "suspended",
        serde_json::json!({"procedure": procedure, "legal_basis": legal_basis, "comment": input.comment}),
    )
    .await?;
    let event = govhall_contracts::events::approval::ReviewSuspended {
        review_id: review.id,
        case_id: review.case_id,
        procedure: procedure.into(),
        legal_basis: legal_basis.into(),
        comment: input.comment.clone(),
        suspended_at: now,
    };
    let origin = Origin {
        producer: SERVICE,
        correlation_id: review.case_id,
        causation_id: None,
        traceparent: Some(ctx.trace.header()),
        division_code: review.division_code.clone(),
    };
    outbox::enqueue(
        &txn,
        &[govhall_contracts::Envelope::wrap(&event, origin).map_err(anyhow::Error::from)?],
    )
    .await?;
    txn.commit().await?;
    state.relay.notify();
    tracing::info!(review.id = %review.id, "review suspended");
    Ok(HttpResponse::Ok().json(TaskOut::from(task.clone())))
}

//! `POST /api/v1/tasks/{id}/opinion`: a reviewer records the department's opinion.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, web};
use chrono::Utc;
use govhall_bus::outbox;
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        Outcome,
        approval::{OpinionRecord, ReviewConcluded, TaskClosed},
    },
};
use govhall_web::{Principal, Problem, RequestContext, Role, ValidatedJson};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait, sea_query::Expr};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{TaskOut, outcome_str, parse_join_rule, parse_outcome};
use crate::{
    SERVICE,
    domain::join::{Standing, evaluate},
    startup::AppState,
    store::{reviews, tasks},
};

/// A department's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Agree (同意).
    Approved,
    /// Disagree (不同意).
    Denied,
}

impl From<Verdict> for Outcome {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Approved => Outcome::Approved,
            Verdict::Denied => Outcome::Denied,
        }
    }
}

/// A department's opinion.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"outcome": "approved", "comment": "材料齐全，符合法定条件", "version": 1}))]
pub struct OpinionIn {
    /// Verdict.
    pub outcome: Verdict,
    /// Opinion text; required.
    #[validate(length(min = 1, max = 2000, message = "请填写审查意见"))]
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
            Self::Closed | Self::VersionConflict => StatusCode::CONFLICT,
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
        (status = 409, description = "Already decided or changed concurrently", body = Problem, content_type = "application/problem+json"),
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
    let task = tasks::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(OpinionError::NotFound)?;
    if principal.department.as_deref() != Some(task.department_code.as_str()) {
        return Err(OpinionError::NotFound);
    }
    if task.state != "open" {
        return Err(OpinionError::Closed);
    }
    if input.version.is_some_and(|v| v != task.version) {
        return Err(OpinionError::VersionConflict);
    }
    let review = reviews::Entity::find_by_id(task.review_id)
        .one(&state.db)
        .await?
        .ok_or(OpinionError::NotFound)?;
    if review.state != "open" {
        return Err(OpinionError::Closed);
    }
    let now = Utc::now().fixed_offset();
    let txn = state.db.begin().await?;
    let changed = tasks::Entity::update_many()
        .col_expr(tasks::Column::State, Expr::value("done"))
        .col_expr(
            tasks::Column::Outcome,
            Expr::value(outcome_str(input.outcome.into())),
        )
        .col_expr(tasks::Column::Comment, Expr::value(input.comment.clone()))
        .col_expr(tasks::Column::Reviewer, Expr::value(principal.sub.clone()))
        .col_expr(tasks::Column::RecordedAt, Expr::value(now))
        .col_expr(tasks::Column::Version, Expr::value(task.version + 1))
        .filter(tasks::Column::Id.eq(task.id))
        .filter(tasks::Column::Version.eq(task.version))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(OpinionError::VersionConflict);
    }
    let all = tasks::of_review(&txn, review.id).await?;
    let standings: Vec<Standing> = all
        .iter()
        .map(|t| Standing {
            lead: t.lead,
            verdict: t.outcome.as_deref().and_then(parse_outcome),
        })
        .collect();
    let conclusion = evaluate(parse_join_rule(&review.join_rule), &standings);
    if !reviews::bump(
        &txn,
        review.id,
        review.version,
        conclusion.map(|o| (outcome_str(o), now)),
    )
    .await?
    {
        return Err(OpinionError::VersionConflict);
    }
    let origin = Origin {
        producer: SERVICE,
        correlation_id: review.case_id,
        causation_id: None,
        traceparent: Some(ctx.trace.header()),
        division_code: review.division_code.clone(),
    };
    let closed = |t: &tasks::Model, outcome: Option<Outcome>| TaskClosed {
        task_id: t.id,
        review_id: review.id,
        case_id: review.case_id,
        department_code: t.department_code.clone(),
        outcome,
        closed_at: now,
    };
    // This department's task is closed, whatever the review does next.
    let mut events = vec![
        Envelope::wrap(&closed(&task, Some(input.outcome.into())), origin.clone())
            .map_err(anyhow::Error::from)?,
    ];
    if let Some(outcome) = conclusion {
        let opinions = all
            .iter()
            .filter_map(|t| {
                Some(OpinionRecord {
                    task_id: t.id,
                    department_code: t.department_code.clone(),
                    outcome: t.outcome.as_deref().and_then(parse_outcome)?,
                    comment: t.comment.clone().unwrap_or_default(),
                    reviewer: t.reviewer.clone().unwrap_or_default(),
                    recorded_at: t.recorded_at.unwrap_or(now),
                })
            })
            .collect();
        // Tasks of a concluded review that never answered are closed with it.
        for t in all.iter().filter(|t| t.state == "open" && t.id != task.id) {
            events.push(
                Envelope::wrap(&closed(t, None), origin.clone()).map_err(anyhow::Error::from)?,
            );
        }
        tasks::Entity::update_many()
            .col_expr(tasks::Column::State, Expr::value("cancelled"))
            .filter(tasks::Column::ReviewId.eq(review.id))
            .filter(tasks::Column::State.eq("open"))
            .exec(&txn)
            .await?;
        let event = ReviewConcluded {
            review_id: review.id,
            case_id: review.case_id,
            outcome,
            opinions,
            concluded_at: now,
        };
        events.push(Envelope::wrap(&event, origin).map_err(anyhow::Error::from)?);
    }
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

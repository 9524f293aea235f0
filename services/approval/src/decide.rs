//! Recording a department's verdict on its task and concluding the review when its join
//! rule is met — one path for a reviewer's opinion and for a deemed one (timeout).

use chrono::{DateTime, FixedOffset};
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        Outcome,
        approval::{OpinionRecord, ReviewConcluded, TaskClosed},
    },
};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, sea_query::Expr};

use crate::{
    domain::{
        join::{Standing, evaluate},
        reply::Recorded,
    },
    routes::tasks::{outcome_str, parse_join_rule, parse_outcome},
    store::{reviews, tasks},
};

/// Why a verdict was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// The task or its review changed meanwhile.
    #[error("changed concurrently")]
    VersionConflict,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for DecideError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Records `verdict` on `task` (open, at its read version) inside `txn`; returns the events:
/// the task closed and, when the join rule is met, every other open task closed and the
/// review concluded with every opinion.
#[expect(
    clippy::too_many_arguments,
    reason = "the two callers name each part; a struct would only rename the list"
)]
pub async fn record(
    txn: &DatabaseTransaction,
    review: &reviews::Model,
    task: &tasks::Model,
    verdict: Recorded,
    comment: Option<String>,
    reviewer: &str,
    origin: Origin,
    now: DateTime<FixedOffset>,
) -> Result<(Vec<Envelope>, Option<Outcome>), DecideError> {
    let changed = tasks::Entity::update_many()
        .col_expr(tasks::Column::State, Expr::value("done"))
        .col_expr(
            tasks::Column::Outcome,
            Expr::value(outcome_str(verdict.outcome)),
        )
        .col_expr(tasks::Column::Comment, Expr::value(comment))
        .col_expr(tasks::Column::Reviewer, Expr::value(reviewer.to_owned()))
        .col_expr(tasks::Column::RecordedAt, Expr::value(now))
        .col_expr(tasks::Column::Deemed, Expr::value(verdict.deemed))
        .col_expr(tasks::Column::Referred, Expr::value(verdict.referred))
        .col_expr(tasks::Column::Version, Expr::value(task.version + 1))
        .filter(tasks::Column::Id.eq(task.id))
        .filter(tasks::Column::Version.eq(task.version))
        .filter(tasks::Column::State.eq("open"))
        .exec(txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(DecideError::VersionConflict);
    }
    let closed = TaskClosed {
        task_id: task.id,
        review_id: review.id,
        case_id: review.case_id,
        department_code: task.department_code.clone(),
        outcome: Some(verdict.outcome),
        closed_at: now,
    };
    // This department's task is closed, whatever the review does next.
    let mut events = vec![Envelope::wrap(&closed, origin.clone()).map_err(anyhow::Error::from)?];
    let (more, conclusion) = conclude_if_met(txn, review, origin, now).await?;
    events.extend(more);
    Ok((events, conclusion))
}

/// Concludes `review` (read at its current version) when the opinions of its live tasks
/// (cancelled ones, e.g. a department removed by 减签, do not count) meet the join rule:
/// the other open tasks close with it. Bumps the review's version either way, so changes to
/// one review are serialised. Returns the events and the outcome, if concluded.
pub async fn conclude_if_met(
    txn: &DatabaseTransaction,
    review: &reviews::Model,
    origin: Origin,
    now: DateTime<FixedOffset>,
) -> Result<(Vec<Envelope>, Option<Outcome>), DecideError> {
    let all: Vec<tasks::Model> = tasks::of_review(txn, review.id)
        .await?
        .into_iter()
        .filter(|t| t.state != "cancelled")
        .collect();
    let standings: Vec<Standing> = all
        .iter()
        .map(|t| Standing {
            lead: t.lead,
            verdict: t.outcome.as_deref().and_then(parse_outcome),
        })
        .collect();
    let conclusion = evaluate(parse_join_rule(&review.join_rule), &standings);
    if !reviews::bump(
        txn,
        review.id,
        review.version,
        conclusion.map(|o| (outcome_str(o), now)),
    )
    .await?
    {
        return Err(DecideError::VersionConflict);
    }
    let mut events = Vec::new();
    let Some(outcome) = conclusion else {
        return Ok((events, None));
    };
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
                deemed: t.deemed,
                referred: t.referred,
            })
        })
        .collect();
    // Tasks of a concluded review that never answered are closed with it.
    for t in all
        .iter()
        .filter(|t| t.state == "open" || t.state == "awaiting_supplement")
    {
        let closed = TaskClosed {
            task_id: t.id,
            review_id: review.id,
            case_id: review.case_id,
            department_code: t.department_code.clone(),
            outcome: None,
            closed_at: now,
        };
        events.push(Envelope::wrap(&closed, origin.clone()).map_err(anyhow::Error::from)?);
    }
    tasks::Entity::update_many()
        .col_expr(tasks::Column::State, Expr::value("cancelled"))
        .filter(tasks::Column::ReviewId.eq(review.id))
        .filter(tasks::Column::State.is_in(["open", "awaiting_supplement"]))
        .exec(txn)
        .await?;
    let event = ReviewConcluded {
        review_id: review.id,
        case_id: review.case_id,
        outcome,
        opinions,
        concluded_at: now,
    };
    events.push(Envelope::wrap(&event, origin).map_err(anyhow::Error::from)?);
    Ok((events, Some(outcome)))
}

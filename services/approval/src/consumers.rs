//! Messages the approval service consumes: an accepted case opens its review.

use async_trait::async_trait;
use govhall_bus::{
    Handler, inbox,
    outbox::{self, RelayHandle},
};
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        approval::{TaskClosed, TaskOpened},
        deadline::{
            ClockDueChanged, ClockExtended, ClockKind, ClockOverdue, ClockPaused, ClockResumed,
            ClockStarted,
        },
        intake::{
            CaseAccepted, CaseDecided, CaseResubmitted, CaseSupplemented, CaseTerminated,
            CaseWithdrawn, HandlingPlan, PlanKind,
        },
        joint::{StageReceived, StageReturned},
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    SERVICE,
    routes::tasks::join_rule_str,
    store::{reviews, tasks},
};

/// Handles the approval queue.
pub struct ApprovalConsumer {
    /// The approval database.
    pub db: DatabaseConnection,
    /// Wakes the relay after a commit.
    pub relay: RelayHandle,
}

#[async_trait]
impl Handler for ApprovalConsumer {
    #[tracing::instrument(skip_all, fields(message.id = %message.message_id, message.type = %message.message_type, case.id = %message.correlation_id))]
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        if message.is::<ClockOverdue>() {
            return self.overdue(message).await;
        }
        if message.is::<ClockStarted>() {
            let e: ClockStarted = message.decode()?;
            return self.due(message, e.kind, e.task_id, Some(e.due_at)).await;
        }
        if message.is::<ClockResumed>() {
            let e: ClockResumed = message.decode()?;
            return self.due(message, e.kind, e.task_id, Some(e.due_at)).await;
        }
        if message.is::<ClockExtended>() {
            let e: ClockExtended = message.decode()?;
            return self.due(message, e.kind, e.task_id, Some(e.due_at)).await;
        }
        if message.is::<ClockDueChanged>() {
            let e: ClockDueChanged = message.decode()?;
            return self.due(message, e.kind, e.task_id, Some(e.due_at)).await;
        }
        if message.is::<ClockPaused>() {
            // Paused: no due time while the law does not count.
            let e: ClockPaused = message.decode()?;
            return self.due(message, e.kind, e.task_id, None).await;
        }
        if message.is::<CaseSupplemented>() {
            return self.supplemented(message).await;
        }
        if message.is::<CaseWithdrawn>() || message.is::<CaseTerminated>() {
            return self.cancel_reviews(message, None).await;
        }
        if message.is::<CaseDecided>() {
            // A decided case has no review left to do. A review's own conclusion is what
            // decides a case, so this finds none open — but an instant matter decided on the
            // spot (即办件) was accepted and decided at once, and the review its acceptance
            // opened must not stay open with a running (and at once overdue) task clock.
            return self.cancel_reviews(message, None).await;
        }
        if message.is::<CaseResubmitted>() {
            // The window sent a returned case back: a new review with the plan the returned
            // one had.
            let event: CaseResubmitted = message.decode()?;
            let returned = reviews::Entity::find()
                .filter(reviews::Column::CaseId.eq(event.case_id))
                .filter(reviews::Column::State.eq("returned"))
                .all(&self.db)
                .await?
                .into_iter()
                .max_by_key(|r| r.opened_at);
            let Some(returned) = returned else {
                tracing::warn!("resubmitted case has no returned review; ignored");
                return Ok(());
            };
            let plan: HandlingPlan = serde_json::from_value(returned.plan.clone())?;
            return self
                .open_review(
                    message,
                    event.case_id,
                    &returned.division_code,
                    &plan,
                    "resubmitted",
                )
                .await;
        }
        if message.is::<StageReceived>() {
            // A level of a cross-level chain signed for the case (签收): its departments
            // review it, in parallel when the stage names several.
            let event: StageReceived = message.decode()?;
            let plan = HandlingPlan {
                matter_version: 0,
                kind: PlanKind::CrossLevel,
                stages: Vec::new(),
                departments: event.departments.clone(),
                join_rule: event.join_rule,
                time_limit: event.time_limit,
                statutory_limit: None,
                warning_ladder: None,
            };
            let source = format!("stage:{}", event.transfer_id);
            return self
                .open_review(message, event.case_id, &event.division, &plan, &source)
                .await;
        }
        if message.is::<StageReturned>() {
            // Sent back to the lower level (退回): the stage's review, if still open, ends.
            let event: StageReturned = message.decode()?;
            if !event.sent_back {
                return Ok(());
            }
            return self
                .cancel_reviews(message, Some(format!("stage:{}", event.transfer_id)))
                .await;
        }
        if !message.is::<CaseAccepted>() {
            return Ok(());
        }
        let event: CaseAccepted = message.decode()?;
        if event.plan.kind == PlanKind::CrossRegion {
            // Taken in at another region's window: the handling division reviews it once it
            // signs for the transfer (`joint.stage.received`).
            return Ok(());
        }
        self.open_review(
            message,
            event.case_id,
            &message.division_code,
            &event.plan,
            "acceptance",
        )
        .await
    }
}

impl ApprovalConsumer {
    /// Opens a review of `plan` for the case, with one task per department.
    async fn open_review(
        &self,
        message: &Envelope,
        case_id: Uuid,
        division: &str,
        plan: &HandlingPlan,
        source: &str,
    ) -> anyhow::Result<()> {
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        let review_id = Uuid::now_v7();
        let now = chrono::Utc::now().fixed_offset();
        reviews::ActiveModel {
            id: Set(review_id),
            case_id: Set(case_id),
            division_code: Set(division.to_owned()),
            join_rule: Set(join_rule_str(plan.join_rule).into()),
            state: Set("open".into()),
            outcome: Set(None),
            plan: Set(serde_json::to_value(plan)?),
            version: Set(1),
            opened_at: Set(now),
            concluded_at: Set(None),
            source: Set(source.to_owned()),
        }
        .insert(&txn)
        .await?;
        let mut out = Vec::new();
        for dept in &plan.departments {
            let task_id = Uuid::now_v7();
            tasks::ActiveModel {
                id: Set(task_id),
                review_id: Set(review_id),
                case_id: Set(case_id),
                department_code: Set(dept.department_code.clone()),
                department_name: Set(dept.name.clone()),
                lead: Set(dept.lead),
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
                steps: Set((!dept.steps.is_empty()).then(|| serde_json::json!(dept.steps))),
            }
            .insert(&txn)
            .await?;
            let opened = TaskOpened {
                task_id,
                review_id,
                case_id,
                department_code: dept.department_code.clone(),
                division_code: Some(division.to_owned()),
                lead: dept.lead,
                time_limit: dept.time_limit,
                opened_at: now,
            };
            out.push(Envelope::wrap(
                &opened,
                Origin::caused_by(SERVICE, message),
            )?);
        }
        outbox::enqueue(&txn, &out).await?;
        txn.commit().await?;
        self.relay.notify();
        tracing::info!(review.id = %review_id, review.source = source, tasks = out.len(), "review opened");
        Ok(())
    }

    /// A co-department's countersign time ran out (the deadline service reports its task
    /// clock overdue): it is deemed to agree and the review moves on. The lead's own time
    /// running out is the supervisors' matter, not a verdict.
    async fn overdue(&self, message: &Envelope) -> anyhow::Result<()> {
        let event: ClockOverdue = message.decode()?;
        let (ClockKind::Task, Some(task_id)) = (event.kind, event.task_id) else {
            return Ok(());
        };
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        let Some(task) = tasks::Entity::find_by_id(task_id).one(&txn).await? else {
            txn.commit().await?;
            return Ok(());
        };
        if task.lead || task.state != "open" {
            txn.commit().await?;
            return Ok(());
        }
        let Some(review) = reviews::Entity::find_by_id(task.review_id)
            .one(&txn)
            .await?
        else {
            anyhow::bail!("task without its review");
        };
        if review.state != "open" {
            txn.commit().await?;
            return Ok(());
        }
        let now = chrono::Utc::now().fixed_offset();
        let (events, conclusion) = match crate::decide::record(
            &txn,
            &review,
            &task,
            crate::domain::reply::deemed_by_timeout(),
            Some("会签期限届满未回复，视为同意".into()),
            "system",
            Origin::caused_by(SERVICE, message),
            now,
        )
        .await
        {
            Ok(done) => done,
            // Answered or changed meanwhile: roll back; the redelivery sees the new state.
            Err(e) => anyhow::bail!("deeming the task failed: {e}"),
        };
        outbox::enqueue(&txn, &events).await?;
        txn.commit().await?;
        self.relay.notify();
        tracing::info!(task.id = %task.id, concluded = conclusion.is_some(), "co-department deemed to agree");
        Ok(())
    }

    /// A task clock started, paused, resumed, was extended or moved: the inbox shows its due
    /// time (least time left first; none while paused).
    async fn due(
        &self,
        message: &Envelope,
        kind: ClockKind,
        task_id: Option<Uuid>,
        due_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    ) -> anyhow::Result<()> {
        let (ClockKind::Task, Some(task_id)) = (kind, task_id) else {
            return Ok(());
        };
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        // Not a state change: only the due time shown, so no version bump.
        tasks::Entity::update_many()
            .col_expr(tasks::Column::DueAt, Expr::value(due_at))
            .filter(tasks::Column::Id.eq(task_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The applicant supplemented: the departments that asked review again.
    async fn supplemented(&self, message: &Envelope) -> anyhow::Result<()> {
        let event: CaseSupplemented = message.decode()?;
        if event.commitment {
            return Ok(());
        }
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        let reopened = crate::supplements::reopen(&txn, event.case_id).await?;
        txn.commit().await?;
        tracing::info!(
            tasks = reopened,
            "supplement arrived: the askers review again"
        );
        Ok(())
    }

    /// The case was withdrawn or terminated: its open review and tasks are cancelled.
    /// Cancels the open reviews of the case (all of them, or those opened from `source`)
    /// and their open tasks.
    async fn cancel_reviews(
        &self,
        message: &Envelope,
        source: Option<String>,
    ) -> anyhow::Result<()> {
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        let case_id = message.correlation_id;
        let now = chrono::Utc::now().fixed_offset();
        let mut out = Vec::new();
        let mut open_reviews = reviews::Entity::find()
            .filter(reviews::Column::CaseId.eq(case_id))
            .filter(reviews::Column::State.eq("open"));
        if let Some(source) = source {
            open_reviews = open_reviews.filter(reviews::Column::Source.eq(source));
        }
        let open_reviews = open_reviews.all(&txn).await?;
        for review in open_reviews {
            reviews::Entity::update_many()
                .col_expr(reviews::Column::State, Expr::value("cancelled"))
                .col_expr(reviews::Column::Version, Expr::value(review.version + 1))
                .filter(reviews::Column::Id.eq(review.id))
                .exec(&txn)
                .await?;
            for task in tasks::of_review(&txn, review.id)
                .await?
                .into_iter()
                .filter(|t| t.state == "open")
            {
                tasks::Entity::update_many()
                    .col_expr(tasks::Column::State, Expr::value("cancelled"))
                    .col_expr(tasks::Column::Version, Expr::value(task.version + 1))
                    .filter(tasks::Column::Id.eq(task.id))
                    .exec(&txn)
                    .await?;
                let closed = TaskClosed {
                    task_id: task.id,
                    review_id: review.id,
                    case_id,
                    department_code: task.department_code.clone(),
                    outcome: None,
                    closed_at: now,
                };
                out.push(Envelope::wrap(
                    &closed,
                    Origin::caused_by(SERVICE, message),
                )?);
            }
        }
        outbox::enqueue(&txn, &out).await?;
        txn.commit().await?;
        if !out.is_empty() {
            self.relay.notify();
        }
        tracing::info!(tasks = out.len(), "review cancelled");
        Ok(())
    }
}

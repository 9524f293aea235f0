//! Messages the deadline service consumes: clocks start and stop with the case.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use govhall_bus::{
    Handler, inbox,
    outbox::{self, RelayHandle},
};
use govhall_calendar::Calendars;

use crate::calendars::CalendarCell;
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        LimitUnit, TimeLimit,
        approval::{ReviewConcluded, TaskClosed, TaskOpened},
        deadline::{ClockKind, ClockStarted, ClockStopped, PauseReason},
        intake::{
            CaseAccepted, CaseCompleted, CaseDecided, CaseRated, CaseRejected, CaseResumed,
            CaseSubmitted, CaseSupplementRequested, CaseSupplemented, CaseSuspended,
            CaseTerminated, CaseWithdrawn, RectificationClosed,
        },
        joint::{StageReturned, StageSent},
    },
};
use sea_orm::{DatabaseConnection, DatabaseTransaction};
use serde_json::json;
use uuid::Uuid;

use crate::{
    SERVICE,
    domain::clock::Ladder,
    ops,
    store::{
        clocks::{self, NewClock},
        history::{self, Entry},
        stop_marks,
    },
};

/// Stop-mark scope of the 容缺 commitment clock.
const COMMITMENT: &str = "commitment";

/// Statutory acceptance limit: 5 working days from receipt (行政许可法 art. 32).
const ACCEPTANCE_LIMIT: TimeLimit = TimeLimit {
    value: 5,
    unit: LimitUnit::WorkingDays,
};

/// Handles the deadline queue.
pub struct DeadlineConsumer {
    /// The deadline database.
    pub db: DatabaseConnection,
    /// Wakes the relay after a commit.
    pub relay: RelayHandle,
    /// The calendars in force.
    pub calendars: Arc<CalendarCell>,
}

#[async_trait]
impl Handler for DeadlineConsumer {
    #[tracing::instrument(skip_all, fields(message.id = %message.message_id, message.type = %message.message_type, case.id = %message.correlation_id))]
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        lock_case(&txn, message.correlation_id).await?;
        let cals = self.calendars.current();
        let mut step = Step {
            txn: &txn,
            cals: &cals,
            cause: message,
            out: Vec::new(),
            ladder: Ladder::default(),
            review: None,
            division: None,
        };
        let (acceptance, processing, statutory, all) =
            ("acceptance", "processing", "statutory", stop_marks::ALL);
        if message.is::<CaseSubmitted>() {
            let e: CaseSubmitted = message.decode()?;
            step.start(
                e.case_id,
                &[acceptance],
                ClockKind::Acceptance,
                None,
                None,
                ACCEPTANCE_LIMIT,
                e.submitted_at,
            )
            .await?;
        } else if message.is::<CaseAccepted>() {
            let e: CaseAccepted = message.decode()?;
            step.mark(e.case_id, acceptance, e.accepted_at).await?;
            step.stop(e.case_id, Some(ClockKind::Acceptance), e.accepted_at)
                .await?;
            // The matter's own warning ladder applies to the committed limit.
            step.ladder = e
                .plan
                .warning_ladder
                .map_or_else(Ladder::default, |l| Ladder {
                    warning_days: l.warning_days,
                    yellow_days: l.yellow_days,
                });
            step.start(
                e.case_id,
                &[processing],
                ClockKind::Processing,
                None,
                None,
                e.plan.time_limit,
                e.accepted_at,
            )
            .await?;
            step.ladder = Ladder::default();
            if let Some(limit) = e.plan.statutory_limit {
                step.start(
                    e.case_id,
                    &[statutory],
                    ClockKind::Statutory,
                    None,
                    None,
                    limit,
                    e.accepted_at,
                )
                .await?;
            }
            // 容缺受理: the missing materials are due within the committed time.
            if let Some(commitment) = e.commitment {
                step.start(
                    e.case_id,
                    &[COMMITMENT],
                    ClockKind::Commitment,
                    None,
                    None,
                    commitment.limit,
                    e.accepted_at,
                )
                .await?;
            }
        } else if message.is::<TaskOpened>() {
            let e: TaskOpened = message.decode()?;
            let (review_scope, task_scope) = (
                format!("task:{}", e.review_id),
                format!("taskid:{}", e.task_id),
            );
            step.review = Some(e.review_id);
            let department = Some(e.department_code.clone());
            step.start(
                e.case_id,
                &[review_scope.as_str(), task_scope.as_str()],
                ClockKind::Task,
                Some(e.task_id),
                department,
                e.time_limit,
                e.opened_at,
            )
            .await?;
        } else if message.is::<TaskClosed>() {
            let e: TaskClosed = message.decode()?;
            step.mark(e.case_id, &format!("taskid:{}", e.task_id), e.closed_at)
                .await?;
            step.stop_task(e.task_id, e.closed_at).await?;
        } else if message.is::<ReviewConcluded>() {
            let e: ReviewConcluded = message.decode()?;
            step.mark(e.case_id, &format!("task:{}", e.review_id), e.concluded_at)
                .await?;
            step.review = Some(e.review_id);
            step.stop(e.case_id, Some(ClockKind::Task), e.concluded_at)
                .await?;
        } else if message.is::<CaseDecided>() {
            let e: CaseDecided = message.decode()?;
            for (scope, kind) in [
                (processing, ClockKind::Processing),
                (statutory, ClockKind::Statutory),
            ] {
                step.mark(e.case_id, scope, e.decided_at).await?;
                step.stop(e.case_id, Some(kind), e.decided_at).await?;
            }
        } else if message.is::<CaseCompleted>() {
            let e: CaseCompleted = message.decode()?;
            step.mark(e.case_id, all, e.completed_at).await?;
            step.stop(e.case_id, None, e.completed_at).await?;
        } else if message.is::<CaseSupplementRequested>() {
            let e: CaseSupplementRequested = message.decode()?;
            step.pause_for_supplement(e.case_id, e.requested_at).await?;
        } else if message.is::<CaseSupplemented>() {
            let e: CaseSupplemented = message.decode()?;
            if e.commitment {
                step.mark(e.case_id, COMMITMENT, e.supplemented_at).await?;
                step.stop(e.case_id, Some(ClockKind::Commitment), e.supplemented_at)
                    .await?;
            } else {
                step.resume_after_supplement(e.case_id, e.supplemented_at)
                    .await?;
            }
        } else if message.is::<CaseRejected>() {
            let e: CaseRejected = message.decode()?;
            step.mark(e.case_id, all, e.rejected_at).await?;
            step.stop(e.case_id, None, e.rejected_at).await?;
        } else if message.is::<CaseTerminated>() {
            let e: CaseTerminated = message.decode()?;
            step.mark(e.case_id, all, e.terminated_at).await?;
            step.stop(e.case_id, None, e.terminated_at).await?;
        } else if message.is::<CaseSuspended>() {
            let e: CaseSuspended = message.decode()?;
            step.suspend(e.case_id, &e.procedure, &e.legal_basis, e.suspended_at)
                .await?;
        } else if message.is::<CaseResumed>() {
            let e: CaseResumed = message.decode()?;
            step.resume_after_suspension(e.case_id, e.resumed_at)
                .await?;
        } else if message.is::<CaseRated>() {
            let e: CaseRated = message.decode()?;
            // A bad rating gives the department a rectification time limit (差评整改); the
            // clock is keyed by the rating, as a task clock is by its task.
            if let Some(limit) = e.rectification_limit {
                let scope = format!("rectification:{}", e.rating_id);
                step.start(
                    e.case_id,
                    &[scope.as_str()],
                    ClockKind::Rectification,
                    Some(e.rating_id),
                    Some(e.department_code),
                    limit,
                    e.rated_at,
                )
                .await?;
            }
        } else if message.is::<StageSent>() {
            let e: StageSent = message.decode()?;
            let scope = format!("stage:{}", e.transfer_id);
            step.division = Some(e.to_division.clone());
            step.start(
                e.case_id,
                &[scope.as_str()],
                ClockKind::Stage,
                Some(e.transfer_id),
                Some(e.department_code),
                e.time_limit,
                e.sent_at,
            )
            .await?;
        } else if message.is::<StageReturned>() {
            let e: StageReturned = message.decode()?;
            step.mark(
                e.case_id,
                &format!("stage:{}", e.transfer_id),
                e.returned_at,
            )
            .await?;
            step.stop_task(e.transfer_id, e.returned_at).await?;
        } else if message.is::<RectificationClosed>() {
            let e: RectificationClosed = message.decode()?;
            step.mark(
                e.case_id,
                &format!("rectification:{}", e.rating_id),
                e.closed_at,
            )
            .await?;
            step.stop_task(e.rating_id, e.closed_at).await?;
        } else if message.is::<CaseWithdrawn>() {
            let e: CaseWithdrawn = message.decode()?;
            step.mark(e.case_id, all, e.withdrawn_at).await?;
            step.cancel(e.case_id, e.withdrawn_at).await?;
        }
        let out = step.out;
        outbox::enqueue(&txn, &out).await?;
        txn.commit().await?;
        if !out.is_empty() {
            self.relay.notify();
        }
        Ok(())
    }
}

/// The effects of one message, inside its transaction.
struct Step<'a> {
    txn: &'a DatabaseTransaction,
    cals: &'a Calendars,
    cause: &'a Envelope,
    out: Vec<Envelope>,
    /// The warning ladder of the clocks started next.
    ladder: Ladder,
    /// The review the task clocks started or stopped next belong to.
    review: Option<Uuid>,
    /// The division the clocks started next belong to, when not the message's.
    division: Option<String>,
}

impl Step<'_> {
    fn system(&self) -> ops::Actor {
        ops::Actor {
            subject: "system".into(),
            reason: Some(self.cause.message_type.clone()),
            legal_basis: None,
            traceparent: self.cause.traceparent.clone(),
        }
    }

    /// A supplement notice stops every running clock of the case until it is answered.
    async fn pause_for_supplement(
        &mut self,
        case_id: Uuid,
        at: DateTime<FixedOffset>,
    ) -> anyhow::Result<()> {
        let actor = ops::Actor {
            legal_basis: Some("《中华人民共和国行政许可法》第三十二条".into()),
            ..self.system()
        };
        for clock in clocks::of_case_in(self.txn, case_id, &["running"]).await? {
            self.out.extend(
                ops::pause(
                    self.txn,
                    self.cals,
                    &clock,
                    PauseReason::Supplement,
                    &actor,
                    at,
                )
                .await?,
            );
        }
        Ok(())
    }

    /// The supplement arrived. The acceptance clock starts afresh from the day the
    /// supplement is complete (行政许可法 art. 32: acceptance dates from the complete
    /// supplement); any other clock it paused counts again with what it had left.
    async fn resume_after_supplement(
        &mut self,
        case_id: Uuid,
        at: DateTime<FixedOffset>,
    ) -> anyhow::Result<()> {
        let actor = self.system();
        let mut restart = false;
        for clock in clocks::of_case_in(self.txn, case_id, &["paused"]).await? {
            if clock.pause_reason.as_deref() != Some("supplement") {
                continue;
            }
            if clocks::parse_kind(&clock.kind) == ClockKind::Acceptance {
                if let Some(stopped) = clocks::stop_one(self.txn, &clock, at).await? {
                    self.stopped(&stopped, at).await?;
                    restart = true;
                }
            } else {
                self.out
                    .extend(ops::resume(self.txn, self.cals, &clock, &actor, at).await?);
            }
        }
        if restart {
            self.start(
                case_id,
                &["acceptance"],
                ClockKind::Acceptance,
                None,
                None,
                ACCEPTANCE_LIMIT,
                at,
            )
            .await?;
        }
        Ok(())
    }

    /// A special procedure began: the case's running clocks stop counting (行政许可法
    /// art. 45), except a commitment or rectification clock, which are the applicant's and
    /// the department's own.
    async fn suspend(
        &mut self,
        case_id: Uuid,
        procedure: &str,
        legal_basis: &str,
        at: DateTime<FixedOffset>,
    ) -> anyhow::Result<()> {
        let why = match procedure {
            "hearing" => PauseReason::Hearing,
            "testing" => PauseReason::Testing,
            "appraisal" => PauseReason::Appraisal,
            "expert_review" => PauseReason::ExpertReview,
            "public_notice" => PauseReason::PublicNotice,
            _ => PauseReason::Other,
        };
        let actor = ops::Actor {
            legal_basis: Some(legal_basis.to_owned()),
            ..self.system()
        };
        for clock in clocks::of_case_in(self.txn, case_id, &["running"]).await? {
            if matches!(
                clocks::parse_kind(&clock.kind),
                ClockKind::Processing | ClockKind::Statutory | ClockKind::Task
            ) {
                self.out
                    .extend(ops::pause(self.txn, self.cals, &clock, why, &actor, at).await?);
            }
        }
        Ok(())
    }

    /// The special procedure ended: the clocks it paused count again.
    async fn resume_after_suspension(
        &mut self,
        case_id: Uuid,
        at: DateTime<FixedOffset>,
    ) -> anyhow::Result<()> {
        let actor = self.system();
        for clock in clocks::of_case_in(self.txn, case_id, &["paused"]).await? {
            if clock.pause_reason.as_deref() != Some("supplement") {
                self.out
                    .extend(ops::resume(self.txn, self.cals, &clock, &actor, at).await?);
            }
        }
        Ok(())
    }

    /// The case was withdrawn: its clocks are cancelled.
    async fn cancel(&mut self, case_id: Uuid, at: DateTime<FixedOffset>) -> anyhow::Result<()> {
        let actor = self.system();
        for clock in clocks::of_case_in(self.txn, case_id, &["running", "paused"]).await? {
            self.out
                .extend(ops::cancel(self.txn, &clock, &actor, at).await?);
        }
        Ok(())
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "a private helper named at each call; a struct would only rename the same list"
    )]
    async fn start(
        &mut self,
        case_id: Uuid,
        scopes: &[&str],
        kind: ClockKind,
        task_id: Option<Uuid>,
        department_code: Option<String>,
        limit: TimeLimit,
        started_at: DateTime<FixedOffset>,
    ) -> anyhow::Result<()> {
        // The matter arrives with the submission; later clocks of the case copy it.
        let matter_code = if self.cause.is::<CaseSubmitted>() {
            Some(self.cause.decode::<CaseSubmitted>()?.matter_code)
        } else {
            clocks::matter_of(self.txn, case_id).await?
        };
        let new = NewClock {
            review_id: self.review,
            matter_code,
            ladder: self.ladder,
            case_id,
            kind,
            task_id,
            department_code,
            limit,
            started_at,
        };
        // A stage clock counts on the calendar of the level that handles the stage.
        let division = self
            .division
            .clone()
            .unwrap_or_else(|| self.cause.division_code.clone());
        let mut clock = clocks::start(self.txn, self.cals, &division, new).await?;
        let entry = Entry {
            operation: "started",
            actor: "system",
            reason: None,
            legal_basis: None,
            details: Some(json!({"due_at": clock.due_at, "cause": self.cause.message_type})),
            at: started_at,
        };
        history::record(self.txn, clock.id, case_id, entry).await?;
        tracing::info!(clock.id = %clock.id, clock.kind = %clock.kind, due_at = %clock.due_at, "clock started");
        let event = ClockStarted {
            clock_id: clock.id,
            case_id,
            kind,
            limit,
            started_at,
            due_at: clock.due_at,
            task_id: clock.task_id,
        };
        self.out.push(Envelope::wrap(
            &event,
            Origin::caused_by(SERVICE, self.cause),
        )?);
        // Its stop was handled first (another replica, a redelivery): it ends where that
        // stop said.
        if let Some(stop_at) = stop_marks::stopped_at(self.txn, case_id, scopes, started_at).await?
            && let Some(stopped) =
                clocks::stop_one(self.txn, &clock, stop_at.max(started_at)).await?
        {
            clock = stopped;
            self.stopped(&clock, clock.stopped_at.unwrap_or(stop_at))
                .await?;
        }
        Ok(())
    }

    async fn stop(
        &mut self,
        case_id: Uuid,
        kind: Option<ClockKind>,
        at: DateTime<FixedOffset>,
    ) -> anyhow::Result<()> {
        for clock in clocks::stop_running(self.txn, case_id, kind, self.review, at).await? {
            self.stopped(&clock, at).await?;
        }
        Ok(())
    }

    /// Stops the clock of one review task (its department answered).
    async fn stop_task(&mut self, task_id: Uuid, at: DateTime<FixedOffset>) -> anyhow::Result<()> {
        if let Some(clock) = clocks::of_task(self.txn, task_id).await?
            && let Some(stopped) = clocks::stop_one(self.txn, &clock, at).await?
        {
            self.stopped(&stopped, at).await?;
        }
        Ok(())
    }

    /// Remembers that `scope` of the case stopped, for a start that arrives after its stop.
    async fn mark(
        &mut self,
        case_id: Uuid,
        scope: &str,
        at: DateTime<FixedOffset>,
    ) -> anyhow::Result<()> {
        stop_marks::mark(self.txn, case_id, scope, at).await?;
        Ok(())
    }

    /// Records and announces a stopped clock.
    async fn stopped(
        &mut self,
        clock: &clocks::Model,
        at: DateTime<FixedOffset>,
    ) -> anyhow::Result<()> {
        let entry = Entry {
            operation: "stopped",
            actor: "system",
            reason: None,
            legal_basis: None,
            details: Some(json!({"overdue": clock.overdue, "cause": self.cause.message_type})),
            at,
        };
        history::record(self.txn, clock.id, clock.case_id, entry).await?;
        tracing::info!(clock.id = %clock.id, clock.kind = %clock.kind, overdue = clock.overdue, "clock stopped");
        let event = ClockStopped {
            clock_id: clock.id,
            case_id: clock.case_id,
            kind: clocks::parse_kind(&clock.kind),
            stopped_at: at,
            overdue: clock.overdue,
        };
        self.out.push(Envelope::wrap(
            &event,
            Origin::caused_by(SERVICE, self.cause),
        )?);
        Ok(())
    }
}

/// Serialises the messages of one case across replicas: two of them handled at once (say
/// a submission and its acceptance on two replicas) could otherwise each miss what the
/// other is writing. PostgreSQL: a transaction-scoped advisory lock on the case. SQLite
/// needs none: the inbox insert that opens the transaction already holds the write lock.
async fn lock_case(txn: &DatabaseTransaction, case_id: Uuid) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        let key = i64::from_be_bytes(case_id.as_bytes()[8..16].try_into()?);
        let stmt = sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [key.into()],
        );
        txn.execute_raw(stmt).await?;
    }
    Ok(())
}

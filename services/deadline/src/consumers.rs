//! Messages the deadline service consumes: clocks start and stop with the case.

use std::sync::Arc;

use async_trait::async_trait;
use govhall_bus::{
    Handler, inbox,
    outbox::{self, RelayHandle},
};
use govhall_calendar::Calendars;
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        LimitUnit, TimeLimit,
        approval::{ReviewConcluded, TaskOpened},
        deadline::{ClockKind, ClockStarted, ClockStopped},
        intake::{CaseAccepted, CaseCompleted, CaseDecided, CaseSubmitted},
    },
};
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use crate::{
    SERVICE,
    store::clocks::{self, NewClock},
};

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
    /// The working-day calendars.
    pub calendars: Arc<Calendars>,
}

#[async_trait]
impl Handler for DeadlineConsumer {
    #[tracing::instrument(skip_all, fields(message.id = %message.message_id, message.type = %message.message_type, case.id = %message.correlation_id))]
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        let mut out = Vec::new();
        let (cals, division) = (self.calendars.as_ref(), message.division_code.as_str());
        if message.is::<CaseSubmitted>() {
            let e: CaseSubmitted = message.decode()?;
            let clock = clocks::start(
                &txn,
                cals,
                division,
                NewClock {
                    case_id: e.case_id,
                    kind: ClockKind::Acceptance,
                    task_id: None,
                    limit: ACCEPTANCE_LIMIT,
                    started_at: e.submitted_at,
                },
            )
            .await?;
            out.push(started(&clock, ACCEPTANCE_LIMIT, message)?);
        } else if message.is::<CaseAccepted>() {
            let e: CaseAccepted = message.decode()?;
            stop(
                &txn,
                e.case_id,
                Some(ClockKind::Acceptance),
                e.accepted_at,
                message,
                &mut out,
            )
            .await?;
            let clock = clocks::start(
                &txn,
                cals,
                division,
                NewClock {
                    case_id: e.case_id,
                    kind: ClockKind::Processing,
                    task_id: None,
                    limit: e.plan.time_limit,
                    started_at: e.accepted_at,
                },
            )
            .await?;
            out.push(started(&clock, e.plan.time_limit, message)?);
        } else if message.is::<TaskOpened>() {
            let e: TaskOpened = message.decode()?;
            let clock = clocks::start(
                &txn,
                cals,
                division,
                NewClock {
                    case_id: e.case_id,
                    kind: ClockKind::Task,
                    task_id: Some(e.task_id),
                    limit: e.time_limit,
                    started_at: e.opened_at,
                },
            )
            .await?;
            out.push(started(&clock, e.time_limit, message)?);
        } else if message.is::<ReviewConcluded>() {
            let e: ReviewConcluded = message.decode()?;
            stop(
                &txn,
                e.case_id,
                Some(ClockKind::Task),
                e.concluded_at,
                message,
                &mut out,
            )
            .await?;
        } else if message.is::<CaseDecided>() {
            let e: CaseDecided = message.decode()?;
            stop(
                &txn,
                e.case_id,
                Some(ClockKind::Processing),
                e.decided_at,
                message,
                &mut out,
            )
            .await?;
        } else if message.is::<CaseCompleted>() {
            let e: CaseCompleted = message.decode()?;
            stop(&txn, e.case_id, None, e.completed_at, message, &mut out).await?;
        }
        outbox::enqueue(&txn, &out).await?;
        txn.commit().await?;
        if !out.is_empty() {
            self.relay.notify();
        }
        Ok(())
    }
}

fn started(clock: &clocks::Model, limit: TimeLimit, cause: &Envelope) -> anyhow::Result<Envelope> {
    let event = ClockStarted {
        clock_id: clock.id,
        case_id: clock.case_id,
        kind: clocks::parse_kind(&clock.kind),
        limit,
        started_at: clock.started_at,
        due_at: clock.due_at,
    };
    tracing::info!(clock.id = %clock.id, clock.kind = %clock.kind, due_at = %clock.due_at, "clock started");
    Ok(Envelope::wrap(&event, Origin::caused_by(SERVICE, cause))?)
}

async fn stop(
    txn: &DatabaseTransaction,
    case_id: uuid::Uuid,
    kind: Option<ClockKind>,
    at: chrono::DateTime<chrono::FixedOffset>,
    cause: &Envelope,
    out: &mut Vec<Envelope>,
) -> anyhow::Result<()> {
    for clock in clocks::stop_running(txn, case_id, kind, at).await? {
        tracing::info!(clock.id = %clock.id, clock.kind = %clock.kind, overdue = clock.overdue, "clock stopped");
        let event = ClockStopped {
            clock_id: clock.id,
            case_id,
            kind: clocks::parse_kind(&clock.kind),
            stopped_at: at,
            overdue: clock.overdue,
        };
        out.push(Envelope::wrap(&event, Origin::caused_by(SERVICE, cause))?);
    }
    Ok(())
}

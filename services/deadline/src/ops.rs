//! Operations on one clock — pause, resume, extend, and the firing of ladder steps — each
//! guarded by the clock's version, recorded in its history with actor, reason and legal
//! basis, and returning the events to put in the outbox of the same transaction.

use chrono::{DateTime, FixedOffset};
use govhall_calendar::Calendars;
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        TimeLimit,
        deadline::{
            ClockCancelled, ClockDueChanged, ClockExpired, ClockExtended, ClockKind, ClockOverdue,
            ClockPaused, ClockResumed, ClockWarned, PauseReason,
        },
    },
};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::json;

use crate::{
    SERVICE,
    domain::clock::{Counting, Remaining, Step, ladder_times, next_step, remaining_at},
    store::{
        clocks::{self, Model, calendar_of, parse_kind, parse_unit},
        history::{self, Entry},
    },
};

/// Who does an operation, and on what grounds.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Principal subject, or `system`.
    pub subject: String,
    /// Why, in words.
    pub reason: Option<String>,
    /// Legal basis cited.
    pub legal_basis: Option<String>,
    /// Trace context of the request or message that caused it.
    pub traceparent: Option<String>,
}

/// Why an operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The clock is not in a state that allows it.
    #[error("the clock is {0}")]
    InvalidState(String),
    /// The clock was extended before.
    #[error("the clock was already extended")]
    AlreadyExtended,
    /// Someone changed the clock first.
    #[error("the clock was changed concurrently")]
    VersionConflict,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn origin(clock: &Model, actor: &Actor) -> Origin {
    Origin {
        producer: SERVICE,
        correlation_id: clock.case_id,
        causation_id: None,
        traceparent: actor.traceparent.clone(),
        division_code: clock.division_code.clone(),
    }
}

async fn save(db: &impl ConnectionTrait, changed: &Model, version: i32) -> Result<(), OpError> {
    if clocks::save_if_version(db, changed, version).await? {
        Ok(())
    } else {
        Err(OpError::VersionConflict)
    }
}

async fn record(
    db: &impl ConnectionTrait,
    clock: &Model,
    operation: &str,
    actor: &Actor,
    details: serde_json::Value,
    at: DateTime<FixedOffset>,
) -> Result<(), DbErr> {
    let entry = Entry {
        operation,
        actor: &actor.subject,
        reason: actor.reason.clone(),
        legal_basis: actor.legal_basis.clone(),
        details: Some(details),
        at,
    };
    history::record(db, clock.id, clock.case_id, entry).await
}

/// Pauses a running clock, keeping what it has left.
pub async fn pause(
    db: &impl ConnectionTrait,
    cals: &Calendars,
    clock: &Model,
    why: PauseReason,
    actor: &Actor,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope>, OpError> {
    if clock.state != "running" {
        return Err(OpError::InvalidState(clock.state.clone()));
    }
    let cal = calendar_of(cals, &clock.division_code);
    let left = remaining_at(&cal, parse_unit(&clock.limit_unit), clock.due_at, now);
    let (value, unit) = left.to_stored();
    let reason = serde_json::to_value(why)
        .map_err(anyhow::Error::from)?
        .as_str()
        .unwrap_or("other")
        .to_owned();
    let changed = Model {
        state: "paused".into(),
        paused_at: Some(now),
        pause_reason: Some(reason.clone()),
        remaining_value: Some(value),
        remaining_unit: Some(unit.into()),
        next_fire_at: None,
        ..clock.clone()
    };
    save(db, &changed, clock.version).await?;
    record(
        db,
        clock,
        "paused",
        actor,
        json!({"pause_reason": reason, "remaining": value, "remaining_unit": unit}),
        now,
    )
    .await?;
    let event = ClockPaused {
        task_id: clock.task_id,
        clock_id: clock.id,
        case_id: clock.case_id,
        kind: parse_kind(&clock.kind),
        reason: why,
        paused_at: now,
    };
    Ok(vec![
        Envelope::wrap(&event, origin(clock, actor)).map_err(anyhow::Error::from)?,
    ])
}

/// Resumes a paused clock with the time it had left; steps already fired stay fired.
pub async fn resume(
    db: &impl ConnectionTrait,
    cals: &Calendars,
    clock: &Model,
    actor: &Actor,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope>, OpError> {
    if clock.state != "paused" {
        return Err(OpError::InvalidState(clock.state.clone()));
    }
    let left = clock
        .remaining_value
        .zip(clock.remaining_unit.as_deref())
        .and_then(|(v, u)| Remaining::from_stored(v, u))
        .ok_or_else(|| anyhow::anyhow!("paused clock without its remaining time"))?;
    let cal = calendar_of(cals, &clock.division_code);
    let counting = Counting::resumed(now, left);
    let due = counting.due(&cal);
    let changed = Model {
        state: "running".into(),
        due_at: due,
        counting_from: counting.from,
        counting_value: counting.value,
        counting_unit: counting.unit.as_str().into(),
        paused_at: None,
        pause_reason: None,
        remaining_value: None,
        remaining_unit: None,
        next_fire_at: next_fire(cals, clock, due),
        ..clock.clone()
    };
    save(db, &changed, clock.version).await?;
    record(db, clock, "resumed", actor, json!({"due_at": due}), now).await?;
    let event = ClockResumed {
        task_id: clock.task_id,
        clock_id: clock.id,
        case_id: clock.case_id,
        kind: parse_kind(&clock.kind),
        resumed_at: now,
        due_at: due,
    };
    Ok(vec![
        Envelope::wrap(&event, origin(clock, actor)).map_err(anyhow::Error::from)?,
    ])
}

/// Extends a running or paused clock by `value` of its own unit, once.
pub async fn extend(
    db: &impl ConnectionTrait,
    cals: &Calendars,
    clock: &Model,
    value: u32,
    actor: &Actor,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope>, OpError> {
    if clock.extended {
        return Err(OpError::AlreadyExtended);
    }
    let unit = parse_unit(&clock.limit_unit);
    let cal = calendar_of(cals, &clock.division_code);
    let mut changed = Model {
        extended: true,
        extended_by: i32::try_from(value).unwrap_or(i32::MAX),
        ..clock.clone()
    };
    match clock.state.as_str() {
        "running" => {
            let counting = clock.counting().extended(value, unit);
            changed.counting_value = counting.value;
            changed.due_at = counting.due(&cal);
            changed.next_fire_at = next_fire(cals, clock, changed.due_at);
        }
        "paused" => {
            let left = clock
                .remaining_value
                .zip(clock.remaining_unit.as_deref())
                .and_then(|(v, u)| Remaining::from_stored(v, u))
                .ok_or_else(|| anyhow::anyhow!("paused clock without its remaining time"))?;
            let (v, _) = left.plus(value, unit).to_stored();
            // The new due time is set when the clock resumes with this longer remainder.
            changed.remaining_value = Some(v);
        }
        other => return Err(OpError::InvalidState(other.to_owned())),
    }
    save(db, &changed, clock.version).await?;
    record(
        db,
        clock,
        "extended",
        actor,
        json!({"by": value, "unit": clock.limit_unit, "due_at": changed.due_at}),
        now,
    )
    .await?;
    let event = ClockExtended {
        task_id: clock.task_id,
        clock_id: clock.id,
        case_id: clock.case_id,
        kind: parse_kind(&clock.kind),
        by: TimeLimit { value, unit },
        approver: actor.subject.clone(),
        due_at: changed.due_at,
    };
    Ok(vec![
        Envelope::wrap(&event, origin(clock, actor)).map_err(anyhow::Error::from)?,
    ])
}

/// When the next ladder step after the ones already fired comes, for a clock due at `due`.
fn next_fire(
    cals: &Calendars,
    clock: &Model,
    due: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let cal = calendar_of(cals, &clock.division_code);
    let times = ladder_times(&cal, clock.ladder(), parse_unit(&clock.limit_unit), due);
    next_step(&times, Step::from_number(clock.ladder_step)).map(|(_, at)| at)
}

/// Fires every ladder step of `clock` that is due at `now`, each once, in order.
pub async fn fire_due_steps(
    db: &impl ConnectionTrait,
    cals: &Calendars,
    clock: &Model,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope>, OpError> {
    let cal = calendar_of(cals, &clock.division_code);
    let times = ladder_times(
        &cal,
        clock.ladder(),
        parse_unit(&clock.limit_unit),
        clock.due_at,
    );
    let system = Actor {
        subject: "system".into(),
        reason: None,
        legal_basis: None,
        traceparent: None,
    };
    let mut done = Step::from_number(clock.ladder_step);
    let mut out = Vec::new();
    let mut changed = clock.clone();
    while let Some((step, at)) = next_step(&times, done).filter(|(_, at)| *at <= now) {
        let kind = parse_kind(&clock.kind);
        let department_code = clock.department_code.clone();
        let envelope = match step.level() {
            Some(level) => Envelope::wrap(
                &ClockWarned {
                    clock_id: clock.id,
                    case_id: clock.case_id,
                    kind,
                    department_code,
                    level,
                    due_at: clock.due_at,
                },
                origin(clock, &system),
            ),
            None => {
                changed.overdue = true;
                Envelope::wrap(
                    &ClockOverdue {
                        clock_id: clock.id,
                        case_id: clock.case_id,
                        kind,
                        department_code,
                        due_at: clock.due_at,
                        task_id: clock.task_id,
                    },
                    origin(clock, &system),
                )
            }
        }
        .map_err(anyhow::Error::from)?;
        let operation = if step == Step::Red {
            "overdue"
        } else {
            "warned"
        };
        record(
            db,
            clock,
            operation,
            &system,
            json!({"step": step as i32, "scheduled_for": at}),
            now,
        )
        .await?;
        out.push(envelope);
        if step == Step::Red && matches!(kind, ClockKind::Acceptance | ClockKind::Commitment) {
            // Not answered in time: intake deems the application accepted (行政许可法 art. 32),
            // or ends a case whose 容缺 commitment was not kept.
            let expired = ClockExpired {
                clock_id: clock.id,
                case_id: clock.case_id,
                kind,
                due_at: clock.due_at,
            };
            out.push(
                Envelope::wrap(&expired, origin(clock, &system)).map_err(anyhow::Error::from)?,
            );
        }
        done = Some(step);
    }
    changed.ladder_step = done.map_or(0, |s| s as i32);
    changed.next_fire_at = next_step(&times, done).map(|(_, at)| at);
    save(db, &changed, clock.version).await?;
    Ok(out)
}

/// Recomputes the due time of a running clock on `cals` (after a calendar change); when it
/// moved, saves it with its next ladder step, records who changed the calendar, and returns
/// the event. Steps already fired stay fired.
pub async fn recompute_due(
    db: &impl ConnectionTrait,
    cals: &Calendars,
    clock: &Model,
    actor: &Actor,
    now: DateTime<FixedOffset>,
) -> Result<Option<Envelope>, OpError> {
    if clock.state != "running" {
        return Ok(None);
    }
    let cal = calendar_of(cals, &clock.division_code);
    let due = clock.counting().due(&cal);
    if due == clock.due_at {
        return Ok(None);
    }
    let changed = Model {
        due_at: due,
        next_fire_at: next_fire(cals, clock, due),
        ..clock.clone()
    };
    save(db, &changed, clock.version).await?;
    record(
        db,
        clock,
        "due_changed",
        actor,
        json!({"previous_due_at": clock.due_at, "due_at": due}),
        now,
    )
    .await?;
    let event = ClockDueChanged {
        task_id: clock.task_id,
        clock_id: clock.id,
        case_id: clock.case_id,
        kind: parse_kind(&clock.kind),
        previous_due_at: clock.due_at,
        due_at: due,
    };
    Ok(Some(
        Envelope::wrap(&event, origin(clock, actor)).map_err(anyhow::Error::from)?,
    ))
}

/// Cancels a running or paused clock (its case was withdrawn): it stops counting and is
/// not reported as late.
pub async fn cancel(
    db: &impl ConnectionTrait,
    clock: &Model,
    actor: &Actor,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope>, OpError> {
    if !matches!(clock.state.as_str(), "running" | "paused") {
        return Err(OpError::InvalidState(clock.state.clone()));
    }
    let changed = Model {
        state: "cancelled".into(),
        stopped_at: Some(now),
        next_fire_at: None,
        ..clock.clone()
    };
    save(db, &changed, clock.version).await?;
    record(db, clock, "cancelled", actor, json!({}), now).await?;
    let event = ClockCancelled {
        clock_id: clock.id,
        case_id: clock.case_id,
        kind: parse_kind(&clock.kind),
        cancelled_at: now,
    };
    Ok(vec![
        Envelope::wrap(&event, origin(clock, actor)).map_err(anyhow::Error::from)?,
    ])
}

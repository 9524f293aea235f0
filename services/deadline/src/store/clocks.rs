//! The `clocks` table.

use chrono::{DateTime, FixedOffset};
use govhall_contracts::events::{LimitUnit, TimeLimit, deadline::ClockKind};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, QueryOrder, entity::prelude::*,
    sea_query::Expr,
};
use uuid::Uuid;

use govhall_calendar::Calendars;

use crate::domain::clock::{CountUnit, Counting, Ladder, ladder_times, next_step};

/// A stored clock.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "clocks")]
pub struct Model {
    /// Clock id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// `acceptance`, `processing` or `task`.
    pub kind: String,
    /// The review task it measures (task clocks).
    pub task_id: Option<Uuid>,
    /// The review the task belongs to (task clocks).
    pub review_id: Option<Uuid>,
    /// Division whose calendar counts.
    pub division_code: String,
    /// Department (task clocks).
    pub department_code: Option<String>,
    /// Matter of the case.
    pub matter_code: Option<String>,
    /// Amount of the limit.
    pub limit_value: i32,
    /// Unit of the limit.
    pub limit_unit: String,
    /// `running`, `paused` or `stopped`.
    pub state: String,
    /// Start.
    pub started_at: DateTime<FixedOffset>,
    /// Due time (while paused: the due time it had when paused).
    pub due_at: DateTime<FixedOffset>,
    /// What it counts: from this instant (its start or last resumption)…
    pub counting_from: DateTime<FixedOffset>,
    /// …this amount…
    pub counting_value: i64,
    /// …of this unit (`working_days`, `natural_days`, `months`, `seconds`).
    pub counting_unit: String,
    /// When it was paused.
    pub paused_at: Option<DateTime<FixedOffset>>,
    /// Why it is paused.
    pub pause_reason: Option<String>,
    /// What it had left when paused (amount).
    pub remaining_value: Option<i64>,
    /// What it had left when paused (unit: `working_days`, `natural_days`, `seconds`).
    pub remaining_unit: Option<String>,
    /// Already extended (a clock is extended once at most)?
    pub extended: bool,
    /// By how much (in the limit's unit).
    pub extended_by: i32,
    /// Working days left at the warning step.
    pub ladder_warning_days: i32,
    /// Working days left at the yellow card.
    pub ladder_yellow_days: i32,
    /// Last warning step fired: 0 none, 1 warning, 2 yellow, 3 red.
    pub ladder_step: i32,
    /// When the next step fires (running clocks only).
    pub next_fire_at: Option<DateTime<FixedOffset>>,
    /// Stop.
    pub stopped_at: Option<DateTime<FixedOffset>>,
    /// Stopped after its due time?
    pub overdue: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Stored form of a kind.
pub fn kind_str(kind: ClockKind) -> &'static str {
    match kind {
        ClockKind::Acceptance => "acceptance",
        ClockKind::Processing => "processing",
        ClockKind::Statutory => "statutory",
        ClockKind::Task => "task",
        ClockKind::Commitment => "commitment",
        ClockKind::Rectification => "rectification",
        ClockKind::Stage => "stage",
    }
}

/// Parses a stored kind.
pub fn parse_kind(s: &str) -> ClockKind {
    match s {
        "acceptance" => ClockKind::Acceptance,
        "processing" => ClockKind::Processing,
        "statutory" => ClockKind::Statutory,
        "commitment" => ClockKind::Commitment,
        "rectification" => ClockKind::Rectification,
        "stage" => ClockKind::Stage,
        _ => ClockKind::Task,
    }
}

fn unit_str(unit: LimitUnit) -> &'static str {
    match unit {
        LimitUnit::WorkingDays => "working_days",
        LimitUnit::NaturalDays => "natural_days",
        LimitUnit::Months => "months",
        LimitUnit::Hours => "hours",
    }
}

/// A clock to start.
#[derive(Debug, Clone)]
pub struct NewClock {
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// The task it measures (task clocks).
    pub task_id: Option<Uuid>,
    /// The review the task belongs to (task clocks).
    pub review_id: Option<Uuid>,
    /// Department (task clocks).
    pub department_code: Option<String>,
    /// Matter of the case.
    pub matter_code: Option<String>,
    /// Its warning ladder.
    pub ladder: Ladder,
    /// The limit.
    pub limit: TimeLimit,
    /// Start.
    pub started_at: DateTime<FixedOffset>,
}

/// Starts a clock, due by the calendar of `division`, with its first warning step planned.
#[tracing::instrument(skip_all, fields(case.id = %clock.case_id))]
pub async fn start(
    db: &impl ConnectionTrait,
    calendars: &Calendars,
    division: &str,
    clock: NewClock,
) -> Result<Model, DbErr> {
    let NewClock {
        case_id,
        kind,
        task_id,
        review_id,
        department_code,
        matter_code,
        ladder,
        limit,
        started_at,
    } = clock;
    let calendar = calendar_of(calendars, division);
    let counting = Counting::for_limit(started_at, limit.value, limit.unit);
    let due = counting.due(&calendar);
    let next = next_step(&ladder_times(&calendar, ladder, limit.unit, due), None);
    ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        kind: Set(kind_str(kind).into()),
        task_id: Set(task_id),
        review_id: Set(review_id),
        division_code: Set(division.to_owned()),
        department_code: Set(department_code),
        matter_code: Set(matter_code),
        limit_value: Set(i32::try_from(limit.value).unwrap_or(i32::MAX)),
        limit_unit: Set(unit_str(limit.unit).into()),
        state: Set("running".into()),
        started_at: Set(utc(started_at)),
        due_at: Set(utc(due)),
        counting_from: Set(utc(counting.from)),
        counting_value: Set(counting.value),
        counting_unit: Set(counting.unit.as_str().into()),
        paused_at: Set(None),
        pause_reason: Set(None),
        remaining_value: Set(None),
        remaining_unit: Set(None),
        extended: Set(false),
        extended_by: Set(0),
        ladder_warning_days: Set(i32::try_from(ladder.warning_days).unwrap_or(3)),
        ladder_yellow_days: Set(i32::try_from(ladder.yellow_days).unwrap_or(1)),
        ladder_step: Set(0),
        next_fire_at: Set(next.map(|(_, at)| utc(at))),
        stopped_at: Set(None),
        overdue: Set(false),
        version: Set(1),
    }
    .insert(db)
    .await
}

/// Timestamps are stored in UTC: SQLite compares them as text, so one offset for all.
pub fn utc(at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    at.with_timezone(&chrono::Utc).fixed_offset()
}

/// The calendar of a division (the national one for a malformed code).
pub fn calendar_of<'a>(
    calendars: &'a Calendars,
    division: &str,
) -> govhall_calendar::data::DivisionCalendar<'a> {
    calendars
        .for_division(division)
        .unwrap_or_else(|_| calendars.national_only())
}

/// Parses a stored unit.
pub fn parse_unit(s: &str) -> LimitUnit {
    match s {
        "natural_days" => LimitUnit::NaturalDays,
        "months" => LimitUnit::Months,
        "hours" => LimitUnit::Hours,
        _ => LimitUnit::WorkingDays,
    }
}

/// Writes the changed fields of `changed` if the clock is still at `expected_version`.
pub async fn save_if_version(
    db: &impl ConnectionTrait,
    changed: &Model,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::State, Expr::value(changed.state.clone()))
        .col_expr(Column::DueAt, Expr::value(utc(changed.due_at)))
        .col_expr(
            Column::CountingFrom,
            Expr::value(utc(changed.counting_from)),
        )
        .col_expr(Column::CountingValue, Expr::value(changed.counting_value))
        .col_expr(
            Column::CountingUnit,
            Expr::value(changed.counting_unit.clone()),
        )
        .col_expr(Column::PausedAt, Expr::value(changed.paused_at.map(utc)))
        .col_expr(
            Column::PauseReason,
            Expr::value(changed.pause_reason.clone()),
        )
        .col_expr(Column::RemainingValue, Expr::value(changed.remaining_value))
        .col_expr(
            Column::RemainingUnit,
            Expr::value(changed.remaining_unit.clone()),
        )
        .col_expr(Column::Extended, Expr::value(changed.extended))
        .col_expr(Column::ExtendedBy, Expr::value(changed.extended_by))
        .col_expr(Column::LadderStep, Expr::value(changed.ladder_step))
        .col_expr(
            Column::NextFireAt,
            Expr::value(changed.next_fire_at.map(utc)),
        )
        .col_expr(Column::StoppedAt, Expr::value(changed.stopped_at.map(utc)))
        .col_expr(Column::Overdue, Expr::value(changed.overdue))
        .col_expr(Column::Version, Expr::value(expected_version + 1))
        .filter(Column::Id.eq(changed.id))
        .filter(Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Loads a clock.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// Running clocks whose next step is due at `now`, oldest first; on PostgreSQL they stay
/// locked until the transaction ends and other replicas skip them.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: DateTime<FixedOffset>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    use sea_orm::{QuerySelect, sea_query::LockBehavior, sea_query::LockType};
    let mut query = Entity::find()
        .filter(Column::State.eq("running"))
        .filter(Column::NextFireAt.lte(utc(now)))
        .order_by_asc(Column::NextFireAt)
        .limit(limit);
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    query.all(db).await
}

/// Stops the running clocks of a case that match `kind` (all kinds when `None`) and, when
/// given, `review_id`; returns
/// the clocks it stopped. Each stop is guarded by the clock's version.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn stop_running(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    kind: Option<ClockKind>,
    review_id: Option<Uuid>,
    stopped_at: DateTime<FixedOffset>,
) -> Result<Vec<Model>, DbErr> {
    let mut query = Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .filter(Column::State.is_in(["running", "paused"]));
    if let Some(kind) = kind {
        query = query.filter(Column::Kind.eq(kind_str(kind)));
    }
    // Only the tasks of one review (a case may be reviewed at several levels).
    if let Some(review_id) = review_id {
        query = query.filter(Column::ReviewId.eq(review_id));
    }
    let mut stopped = Vec::new();
    for clock in query.all(db).await? {
        if let Some(done) = stop_one(db, &clock, stopped_at).await? {
            stopped.push(done);
        }
    }
    Ok(stopped)
}

/// Stops one running or paused clock at `stopped_at`; `None` if it changed meanwhile.
pub async fn stop_one(
    db: &impl ConnectionTrait,
    clock: &Model,
    stopped_at: DateTime<FixedOffset>,
) -> Result<Option<Model>, DbErr> {
    // A paused clock is late only if it was already late when paused.
    let late = clock.state == "running" && stopped_at > clock.due_at;
    let changed = Model {
        state: "stopped".into(),
        stopped_at: Some(stopped_at),
        overdue: clock.overdue || late,
        next_fire_at: None,
        ..clock.clone()
    };
    Ok(save_if_version(db, &changed, clock.version)
        .await?
        .then(|| Model {
            version: clock.version + 1,
            ..changed
        }))
}

/// The clocks of a case, oldest first.
pub async fn of_case(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .order_by_asc(Column::StartedAt)
        .all(db)
        .await
}

impl Model {
    /// Its warning ladder.
    pub fn ladder(&self) -> Ladder {
        Ladder {
            warning_days: u32::try_from(self.ladder_warning_days).unwrap_or(3),
            yellow_days: u32::try_from(self.ladder_yellow_days).unwrap_or(1),
        }
    }

    /// What the clock counts.
    pub fn counting(&self) -> Counting {
        Counting {
            from: self.counting_from,
            value: self.counting_value,
            unit: CountUnit::parse(&self.counting_unit),
        }
    }
}

/// The matter of a case, from any of its clocks (the acceptance clock carries it).
pub async fn matter_of(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Option<String>, DbErr> {
    Ok(Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .filter(Column::MatterCode.is_not_null())
        .one(db)
        .await?
        .and_then(|c| c.matter_code))
}

/// The clocks of a case in one of `states`.
pub async fn of_case_in(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    states: &[&str],
) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .filter(Column::State.is_in(states.iter().copied()))
        .order_by_asc(Column::StartedAt)
        .all(db)
        .await
}

/// The running or paused clock of a review task, if any.
pub async fn of_task(db: &impl ConnectionTrait, task_id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::TaskId.eq(task_id))
        .filter(Column::State.is_in(["running", "paused"]))
        .one(db)
        .await
}

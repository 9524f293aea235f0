//! The `clocks` table.

use chrono::{DateTime, FixedOffset};
use govhall_contracts::events::{LimitUnit, TimeLimit, deadline::ClockKind};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, QueryOrder, entity::prelude::*,
    sea_query::Expr,
};
use uuid::Uuid;

use govhall_calendar::Calendars;

use crate::domain::due_at;

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
    /// Amount of the limit.
    pub limit_value: i32,
    /// Unit of the limit.
    pub limit_unit: String,
    /// `running` or `stopped`.
    pub state: String,
    /// Start.
    pub started_at: DateTime<FixedOffset>,
    /// Due time.
    pub due_at: DateTime<FixedOffset>,
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
        ClockKind::Task => "task",
    }
}

/// Parses a stored kind.
pub fn parse_kind(s: &str) -> ClockKind {
    match s {
        "acceptance" => ClockKind::Acceptance,
        "processing" => ClockKind::Processing,
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
    /// The limit.
    pub limit: TimeLimit,
    /// Start.
    pub started_at: DateTime<FixedOffset>,
}

/// Starts a clock, due by the calendar of `division`.
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
        limit,
        started_at,
    } = clock;
    ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        kind: Set(kind_str(kind).into()),
        task_id: Set(task_id),
        limit_value: Set(i32::try_from(limit.value).unwrap_or(i32::MAX)),
        limit_unit: Set(unit_str(limit.unit).into()),
        state: Set("running".into()),
        started_at: Set(started_at),
        due_at: Set(due_at(calendars, division, started_at, limit).due_at),
        stopped_at: Set(None),
        overdue: Set(false),
        version: Set(1),
    }
    .insert(db)
    .await
}

/// Stops the running clocks of a case that match `kind` (all kinds when `None`); returns
/// the clocks it stopped. Each stop is guarded by the clock's version.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn stop_running(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    kind: Option<ClockKind>,
    stopped_at: DateTime<FixedOffset>,
) -> Result<Vec<Model>, DbErr> {
    let mut query = Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .filter(Column::State.eq("running"));
    if let Some(kind) = kind {
        query = query.filter(Column::Kind.eq(kind_str(kind)));
    }
    let mut stopped = Vec::new();
    for clock in query.all(db).await? {
        let overdue = stopped_at > clock.due_at;
        let result = Entity::update_many()
            .col_expr(Column::State, Expr::value("stopped"))
            .col_expr(Column::StoppedAt, Expr::value(stopped_at))
            .col_expr(Column::Overdue, Expr::value(overdue))
            .col_expr(Column::Version, Expr::value(clock.version + 1))
            .filter(Column::Id.eq(clock.id))
            .filter(Column::Version.eq(clock.version))
            .exec(db)
            .await?;
        if result.rows_affected == 1 {
            stopped.push(Model {
                state: "stopped".into(),
                stopped_at: Some(stopped_at),
                overdue,
                version: clock.version + 1,
                ..clock
            });
        }
    }
    Ok(stopped)
}

/// The clocks of a case, oldest first.
pub async fn of_case(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .order_by_asc(Column::StartedAt)
        .all(db)
        .await
}

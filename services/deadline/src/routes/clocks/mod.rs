//! Clocks: list a case's clocks, read one with its history, pause, resume, extend.

pub mod extend;
pub mod get;
pub mod list;
pub mod pause;
pub mod resume;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use chrono::{DateTime, FixedOffset};
use govhall_web::{Principal, PrincipalKind, Problem, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{ops::OpError, store::clocks};

/// One clock.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01a1ec4f-c1f0-75c3-a66e-9a56b78d8387", "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6",
    "kind": "processing", "task_id": null, "division_code": "320102", "department_code": null,
    "limit_value": 10, "limit_unit": "working_days", "state": "running",
    "started_at": "2026-11-18T09:40:12+08:00", "due_at": "2026-12-03T00:00:00+08:00",
    "paused_at": null, "pause_reason": null, "remaining_value": null, "remaining_unit": null,
    "extended": false, "warning": "none", "stopped_at": null, "overdue": false, "version": 1}))]
pub struct ClockOut {
    /// Clock id.
    pub id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// `acceptance`, `processing`, `statutory`, `commitment`, `task`, `stage` or
    /// `rectification`.
    pub kind: String,
    /// The task it measures.
    pub task_id: Option<Uuid>,
    /// Division whose calendar counts.
    pub division_code: String,
    /// Department (task clocks).
    pub department_code: Option<String>,
    /// Limit amount.
    pub limit_value: i32,
    /// Limit unit.
    pub limit_unit: String,
    /// `running`, `paused` or `stopped`.
    pub state: String,
    /// Start.
    pub started_at: DateTime<FixedOffset>,
    /// Due time (while paused: the one it had when paused).
    pub due_at: DateTime<FixedOffset>,
    /// Paused since.
    pub paused_at: Option<DateTime<FixedOffset>>,
    /// Why paused.
    pub pause_reason: Option<String>,
    /// Left when paused (amount, in `remaining_unit`).
    pub remaining_value: Option<i64>,
    /// `working_days`, `natural_days` or `seconds`.
    pub remaining_unit: Option<String>,
    /// Extended already (once at most)?
    pub extended: bool,
    /// Warning state: `none`, `warning`, `yellow`, `red`.
    pub warning: String,
    /// Stop.
    pub stopped_at: Option<DateTime<FixedOffset>>,
    /// Late?
    pub overdue: bool,
    /// Version, for concurrent changes.
    pub version: i32,
}

/// Shown in China Standard Time (+08:00), whatever the database returns.
pub fn local(at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    at.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| *at.offset()))
}

impl From<clocks::Model> for ClockOut {
    fn from(c: clocks::Model) -> Self {
        let warning = match c.ladder_step {
            1 => "warning",
            2 => "yellow",
            3 => "red",
            _ => "none",
        };
        Self {
            id: c.id,
            case_id: c.case_id,
            kind: c.kind,
            task_id: c.task_id,
            division_code: c.division_code,
            department_code: c.department_code,
            limit_value: c.limit_value,
            limit_unit: c.limit_unit,
            state: c.state,
            started_at: local(c.started_at),
            due_at: local(c.due_at),
            paused_at: c.paused_at.map(local),
            pause_reason: c.pause_reason,
            remaining_value: c.remaining_value,
            remaining_unit: c.remaining_unit,
            extended: c.extended,
            warning: warning.into(),
            stopped_at: c.stopped_at.map(local),
            overdue: c.overdue,
            version: c.version,
        }
    }
}

/// What can go wrong with a clock request.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    /// Not allowed.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// No such clock visible to the caller.
    #[error("clock not found")]
    NotFound,
    /// The operation was refused.
    #[error(transparent)]
    Op(#[from] OpError),
}

impl From<sea_orm::DbErr> for ClockError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Op(OpError::Db(e))
    }
}

impl ResponseError for ClockError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Op(
                OpError::InvalidState(_) | OpError::AlreadyExtended | OpError::VersionConflict,
            ) => StatusCode::CONFLICT,
            Self::Op(OpError::Db(_) | OpError::Unexpected(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Forbidden(why) => Problem::forbidden(*why),
            Self::NotFound => Problem::not_found("clock"),
            Self::Op(OpError::InvalidState(state)) => {
                Problem::conflict("invalid_state", format!("the clock is {state}"))
            }
            Self::Op(OpError::AlreadyExtended) => {
                Problem::conflict("already_extended", "a clock is extended once at most")
            }
            Self::Op(OpError::VersionConflict) => Problem::conflict(
                "version_conflict",
                "the clock was changed by someone else; reload it",
            ),
            Self::Op(e @ (OpError::Db(_) | OpError::Unexpected(_))) => {
                tracing::error!(error = ?e, "clock request failed");
                Problem::internal()
            }
        }
        .error_response()
    }
}

/// May `principal` see the clock? Staff of its division (a task clock: of its department
/// too); a supervisor also for the divisions below his own.
pub fn can_see(principal: &Principal, clock: &clocks::Model) -> bool {
    if principal.kind != PrincipalKind::Staff {
        return false;
    }
    let division_ok = match principal.division.as_deref() {
        Some(d) if d == clock.division_code => true,
        Some(d) if principal.has_role(Role::Supervisor) => {
            crate::domain::division::covers(d, &clock.division_code)
        }
        _ => false,
    };
    let department_ok = match (&clock.department_code, &principal.department) {
        (Some(needed), Some(own)) => needed == own,
        (Some(_), None) => {
            principal.has_role(Role::Supervisor) || principal.has_role(Role::WindowClerk)
        }
        (None, _) => true,
    };
    division_ok && department_ok
}

/// Is `principal` staff of the clock's own division? Seeing the divisions below (supervisors)
/// is no licence to act there.
pub fn of_its_division(principal: &Principal, clock: &clocks::Model) -> bool {
    principal.division.as_deref() == Some(clock.division_code.as_str())
}

/// May `principal` change the clock (pause, resume)? Visible, of its division, and a clerk,
/// reviewer or leader.
pub fn can_change(principal: &Principal, clock: &clocks::Model) -> bool {
    can_see(principal, clock)
        && of_its_division(principal, clock)
        && [Role::WindowClerk, Role::Reviewer, Role::Leader]
            .iter()
            .any(|r| principal.has_role(*r))
}

/// Loads a clock the caller may see.
pub async fn load_visible(
    db: &sea_orm::DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> Result<clocks::Model, ClockError> {
    match clocks::find(db, id).await? {
        Some(clock) if can_see(principal, &clock) => Ok(clock),
        _ => Err(ClockError::NotFound),
    }
}

/// Loads a clock the caller may change, at the version the caller saw (when given).
pub async fn load_changeable(
    db: &sea_orm::DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    version: Option<i32>,
) -> Result<clocks::Model, ClockError> {
    let clock = load_visible(db, principal, id).await?;
    if !can_change(principal, &clock) {
        return Err(ClockError::Forbidden(
            "clerks, reviewers and leaders of the clock's division change it",
        ));
    }
    if version.is_some_and(|v| v != clock.version) {
        return Err(OpError::VersionConflict.into());
    }
    Ok(clock)
}

/// Commits an operation with its events, wakes the relay and answers with the clock.
pub async fn commit(
    state: &crate::startup::AppState,
    txn: sea_orm::DatabaseTransaction,
    events: Vec<govhall_contracts::Envelope>,
    id: Uuid,
) -> Result<HttpResponse, ClockError> {
    govhall_bus::outbox::enqueue(&txn, &events).await?;
    txn.commit().await?;
    state.relay.notify();
    let clock = clocks::find(&state.db, id)
        .await?
        .ok_or(ClockError::NotFound)?;
    Ok(HttpResponse::Ok().json(ClockOut::from(clock)))
}

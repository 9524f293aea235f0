//! Supervision (电子监察): the clocks of a division and those below it by status, and the
//! figures of a period — counts, on-time completion rate, time used against time committed.
//! Supervisors see their division and every division below; leaders their own division.

use actix_web::{HttpResponse, web};
use chrono::{Duration, NaiveDate};
use govhall_calendar::{due::end_of, due::last_day_of, due::local_date, working_days_between};
use govhall_web::{FieldError, Principal, PrincipalKind, Problem, Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::clocks::ClockOut;
use crate::{
    calendars::CalendarCell,
    domain::division::{covers, prefix},
    startup::AppState,
    store::clocks::{self, Column, Entity, calendar_of},
};

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Running, no warning yet.
    OnTime,
    /// Running, warned (a few working days left).
    Warning,
    /// Running, yellow card (one working day left).
    Yellow,
    /// Running past its due time (red card).
    Red,
    /// Paused.
    Paused,
    /// Extended (running or paused).
    Extended,
}

/// Filters of the supervision queries.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SupervisionQuery {
    /// Division (default: the caller's); must be the caller's or, for supervisors, below it.
    pub division: Option<String>,
    /// Department code.
    pub department: Option<String>,
    /// Matter code.
    pub matter: Option<String>,
    /// Status.
    pub status: Option<Status>,
    /// Clock kind: `acceptance`, `processing` (default for the summary) or `task`.
    pub kind: Option<String>,
    /// First day of the period (summary; default 30 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last day of the period (summary; default today).
    pub to: Option<NaiveDate>,
    /// At most this many clocks (list; 1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// 422 unless `limit` is 1 to 1000 (both operations share the query, so both check it).
fn check_limit(query: &SupervisionQuery) -> Result<(), Problem> {
    if query.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
        return Err(Problem::validation(vec![FieldError {
            field: "limit".into(),
            message: "limit must be 1 to 1000".into(),
            code: "out_of_range".into(),
        }]));
    }
    Ok(())
}

/// A clock under supervision.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SupervisedClockOut {
    /// Its status.
    pub status: Status,
    /// The clock.
    #[serde(flatten)]
    pub clock: ClockOut,
}

/// Clocks not yet stopped, soonest due first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [
    {"status": "warning", "id": "01a1f193-3d68-76b8-95b7-f4879d1f5c01", "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6",
        "kind": "task", "task_id": "01a1f193-3980-7be8-8622-37c85bd0f521", "division_code": "320102", "department_code": "320102-WJW",
        "limit_value": 7, "limit_unit": "working_days", "state": "running",
        "started_at": "2026-11-19T10:12:01+08:00", "due_at": "2026-12-01T00:00:00+08:00",
        "paused_at": null, "pause_reason": null, "remaining_value": null, "remaining_unit": null,
        "extended": false, "warning": "warning", "stopped_at": null, "overdue": false, "version": 2},
    {"status": "on_time", "id": "01a1ec4f-c1f0-75c3-a66e-9a56b78d8387", "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6",
        "kind": "processing", "task_id": null, "division_code": "320102", "department_code": null,
        "limit_value": 10, "limit_unit": "working_days", "state": "running",
        "started_at": "2026-11-18T09:40:12+08:00", "due_at": "2026-12-03T00:00:00+08:00",
        "paused_at": null, "pause_reason": null, "remaining_value": null, "remaining_unit": null,
        "extended": false, "warning": "none", "stopped_at": null, "overdue": false, "version": 1}
]}))]
pub struct SupervisedClockListOut {
    /// Clocks.
    pub items: Vec<SupervisedClockOut>,
}

/// Open clocks by status.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct OpenCounts {
    /// On time.
    pub on_time: u64,
    /// Warned.
    pub warning: u64,
    /// Yellow card.
    pub yellow: u64,
    /// Red card.
    pub red: u64,
    /// Paused.
    pub paused: u64,
    /// Extended.
    pub extended: u64,
}

/// Clocks stopped in the period.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct CompletedFigures {
    /// How many.
    pub count: u64,
    /// How many on time.
    pub on_time: u64,
    /// On-time rate (0–1), `null` when none completed.
    pub on_time_rate: Option<f64>,
    /// Average working days used (working-day clocks; pauses not counted).
    pub average_used_working_days: Option<f64>,
    /// Average working days committed (limit plus extension).
    pub average_committed_working_days: Option<f64>,
}

/// The figures of a division and period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"division": "320102", "from": "2026-11-01", "to": "2026-11-30",
    "open": {"on_time": 42, "warning": 3, "yellow": 1, "red": 0, "paused": 2, "extended": 1},
    "completed": {"count": 57, "on_time": 56, "on_time_rate": 0.9824561403508771,
        "average_used_working_days": 6.4, "average_committed_working_days": 10.2}}))]
pub struct SupervisionSummaryOut {
    /// Division.
    pub division: String,
    /// Period start.
    pub from: NaiveDate,
    /// Period end.
    pub to: NaiveDate,
    /// Open clocks now.
    pub open: OpenCounts,
    /// Clocks stopped in the period.
    pub completed: CompletedFigures,
}

/// The clocks a supervision query covers.
struct Scope {
    /// The division asked about.
    division: String,
    /// With the divisions below it (supervisors), or that division alone (leaders).
    below: bool,
}

fn status_of(c: &clocks::Model) -> Status {
    match (c.state.as_str(), c.ladder_step) {
        ("paused", _) => Status::Paused,
        (_, 3) => Status::Red,
        (_, 2) => Status::Yellow,
        (_, 1) => Status::Warning,
        _ => Status::OnTime,
    }
}

/// What the caller may look at: the division `requested` when it is theirs or (supervisors)
/// below theirs, and whether the divisions below it are included (supervisors only).
fn scope(principal: &Principal, requested: Option<&String>) -> Result<Scope, Problem> {
    let own = match (&principal.kind, &principal.division) {
        (PrincipalKind::Staff, Some(d))
            if principal.has_role(Role::Supervisor) || principal.has_role(Role::Leader) =>
        {
            d.clone()
        }
        _ => return Err(Problem::forbidden("supervisors and leaders only")),
    };
    let wanted = requested.cloned().unwrap_or_else(|| own.clone());
    let supervisor = principal.has_role(Role::Supervisor);
    let allowed = wanted == own || (supervisor && covers(&own, &wanted));
    if wanted.len() != 6 || !wanted.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::validation(vec![FieldError {
            field: "division".into(),
            message: "须为六位行政区划代码".into(),
            code: "division_code".into(),
        }]));
    }
    if allowed {
        Ok(Scope {
            division: wanted,
            below: supervisor,
        })
    } else {
        Err(Problem::forbidden("outside the caller's division"))
    }
}

fn filtered(query: &SupervisionQuery, scope: &Scope) -> sea_orm::Select<Entity> {
    let mut q = if scope.below {
        Entity::find().filter(Column::DivisionCode.starts_with(prefix(&scope.division)))
    } else {
        Entity::find().filter(Column::DivisionCode.eq(scope.division.as_str()))
    };
    if let Some(d) = &query.department {
        q = q.filter(Column::DepartmentCode.eq(d.clone()));
    }
    if let Some(m) = &query.matter {
        q = q.filter(Column::MatterCode.eq(m.clone()));
    }
    q
}

fn internal(e: sea_orm::DbErr) -> Problem {
    tracing::error!(error = %e, "supervision query failed");
    Problem::internal()
}

/// Lists the clocks not yet stopped, by status, soonest due first.
///
/// A supervisor sees those of the division and the divisions below it, a leader those of the
/// division alone.
#[utoipa::path(get, path = "/api/v1/supervision/clocks", tag = "supervision", operation_id = "list_supervised_clocks",
    params(SupervisionQuery),
    responses(
        (status = 200, description = "The clocks", body = SupervisedClockListOut),
        (status = 403, description = "Not a supervisor or leader of the division", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_supervised_clocks(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<SupervisionQuery>,
) -> Result<HttpResponse, Problem> {
    let scope = scope(&principal, query.division.as_ref())?;
    check_limit(&query)?;
    let mut q = filtered(&query, &scope).filter(Column::State.is_in(["running", "paused"]));
    if let Some(kind) = &query.kind {
        q = q.filter(Column::Kind.eq(kind.clone()));
    }
    q = match query.status {
        Some(Status::OnTime) => q
            .filter(Column::State.eq("running"))
            .filter(Column::LadderStep.eq(0)),
        Some(Status::Warning) => q
            .filter(Column::State.eq("running"))
            .filter(Column::LadderStep.eq(1)),
        Some(Status::Yellow) => q
            .filter(Column::State.eq("running"))
            .filter(Column::LadderStep.eq(2)),
        Some(Status::Red) => q
            .filter(Column::State.eq("running"))
            .filter(Column::LadderStep.eq(3)),
        Some(Status::Paused) => q.filter(Column::State.eq("paused")),
        Some(Status::Extended) => q.filter(Column::Extended.eq(true)),
        None => q,
    };
    let rows = q
        .order_by_asc(Column::DueAt)
        .limit(u64::from(query.limit.unwrap_or(100)))
        .all(&state.db)
        .await
        .map_err(internal)?;
    let items = rows
        .into_iter()
        .map(|c| SupervisedClockOut {
            status: status_of(&c),
            clock: c.into(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(SupervisedClockListOut { items }))
}

/// The figures of a division for a period (for a supervisor, with the divisions below it).
#[utoipa::path(get, path = "/api/v1/supervision/summary", tag = "supervision", operation_id = "supervision_summary",
    params(SupervisionQuery),
    responses(
        (status = 200, description = "The figures", body = SupervisionSummaryOut),
        (status = 403, description = "Not a supervisor or leader of the division", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad period", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn supervision_summary(
    state: web::Data<AppState>,
    cell: web::Data<CalendarCell>,
    now: web::Data<std::sync::Arc<dyn govhall_runtime::clock::Clock>>,
    principal: Principal,
    query: web::Query<SupervisionQuery>,
) -> Result<HttpResponse, Problem> {
    let scope = scope(&principal, query.division.as_ref())?;
    check_limit(&query)?;
    let to = query
        .to
        .unwrap_or_else(|| local_date(now.now().fixed_offset()));
    let from = query.from.unwrap_or(to - Duration::days(30));
    if from > to || (to - from).num_days() > 366 {
        return Err(Problem::validation(vec![FieldError {
            field: "from".into(),
            message: "期间须在一年以内且起止有序".into(),
            code: "range".into(),
        }]));
    }
    let kind = query.kind.clone().unwrap_or_else(|| "processing".into());
    let open = filtered(&query, &scope)
        .filter(Column::Kind.eq(kind.clone()))
        .filter(Column::State.is_in(["running", "paused"]))
        .all(&state.db)
        .await
        .map_err(internal)?;
    let mut counts = OpenCounts::default();
    for c in &open {
        match status_of(c) {
            Status::OnTime => counts.on_time += 1,
            Status::Warning => counts.warning += 1,
            Status::Yellow => counts.yellow += 1,
            Status::Red => counts.red += 1,
            Status::Paused => counts.paused += 1,
            Status::Extended => {}
        }
        counts.extended += u64::from(c.extended);
    }
    // Period bounds as instants: 00:00 of `from` to 24:00 of `to`, Asia/Shanghai.
    let start = end_of(from - Duration::days(1));
    let end = end_of(to);
    let stopped = filtered(&query, &scope)
        .filter(Column::Kind.eq(kind))
        .filter(Column::State.eq("stopped"))
        .filter(Column::StoppedAt.gte(clocks::utc(start)))
        .filter(Column::StoppedAt.lt(clocks::utc(end)))
        .all(&state.db)
        .await
        .map_err(internal)?;
    let calendars = cell.current();
    let mut completed = CompletedFigures {
        count: stopped.len() as u64,
        ..Default::default()
    };
    let (mut used, mut committed, mut averaged) = (0i64, 0i64, 0i64);
    for c in &stopped {
        completed.on_time += u64::from(!c.overdue);
        if let (Some(at), "working_days") = (c.stopped_at, c.limit_unit.as_str()) {
            let cal = calendar_of(&calendars, &c.division_code);
            let total = i64::from(c.limit_value) + i64::from(c.extended_by);
            // What was left at the stop (negative when late) tells what was used, pauses excluded.
            let left = working_days_between(&cal, local_date(at), last_day_of(c.due_at)).0;
            used += total - left;
            committed += total;
            averaged += 1;
        }
    }
    if completed.count > 0 {
        completed.on_time_rate = Some(completed.on_time as f64 / completed.count as f64);
    }
    if averaged > 0 {
        completed.average_used_working_days = Some(used as f64 / averaged as f64);
        completed.average_committed_working_days = Some(committed as f64 / averaged as f64);
    }
    Ok(HttpResponse::Ok().json(SupervisionSummaryOut {
        division: scope.division,
        from,
        to,
        open: counts,
        completed,
    }))
}

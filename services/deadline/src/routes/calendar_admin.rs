//! Calendars as data: list the loaded years (public), load or replace a year, change one
//! day (administrators). A change is versioned and audited, and moves the due time of every
//! running clock it affects, each with a `deadline.clock.due_changed` event.
//!
//! Who changes what: the national calendar (`000000`, the State Council's holidays) counts
//! for every clock in the country, so only national administrators (division `000000`)
//! change it. A division's overlay counts for that division and those below it; its own
//! administrators and those of a division above it change it (Jiangsu's for Nanjing's, not
//! Suzhou's for Nanjing's).

use std::sync::Arc;

use actix_web::{HttpResponse, ResponseError, http::StatusCode, web};
use chrono::{DateTime, FixedOffset, NaiveDate};
use govhall_calendar::{YearCalendar, data::HolidayRange};
use govhall_runtime::clock::Clock;
use govhall_web::{FieldError, Principal, Problem, RequestContext, Role, ValidatedJson};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    calendars::CalendarCell,
    domain::division::covers,
    ops::Actor,
    startup::AppState,
    store::calendar_years::{self, NATIONAL},
};

/// A loaded year.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarYearOut {
    /// `000000` (national) or a division code (its overlay).
    pub division: String,
    /// The year.
    pub year: i32,
    /// Version, for changes.
    pub version: i32,
    /// The notice the data comes from.
    pub source: String,
    /// Holidays.
    #[schema(value_type = Vec<Object>)]
    pub holidays: Vec<HolidayRange>,
    /// Make-up workdays.
    pub workdays: Vec<NaiveDate>,
    /// Last change.
    pub updated_at: DateTime<FixedOffset>,
}

/// The loaded years.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [
    {"division": "000000", "year": 2026, "version": 1, "source": "国务院办公厅关于2026年部分节假日安排的通知",
        "holidays": [{"from": "2026-01-01", "to": "2026-01-03", "name": "元旦"}, {"from": "2026-02-15", "to": "2026-02-23", "name": "春节"},
            {"from": "2026-04-04", "to": "2026-04-06", "name": "清明节"}, {"from": "2026-05-01", "to": "2026-05-05", "name": "劳动节"},
            {"from": "2026-06-19", "to": "2026-06-21", "name": "端午节"}, {"from": "2026-09-25", "to": "2026-09-27", "name": "中秋节"},
            {"from": "2026-10-01", "to": "2026-10-07", "name": "国庆节"}],
        "workdays": ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
        "updated_at": "2025-11-04T10:00:00+08:00"},
    {"division": "320100", "year": 2026, "version": 1, "source": "人工调整",
        "holidays": [{"from": "2026-11-05", "to": "2026-11-05", "name": "地方节日"}], "workdays": [],
        "updated_at": "2026-10-28T16:00:00+08:00"}
]}))]
pub struct CalendarYearListOut {
    /// Years, by division then year.
    pub items: Vec<CalendarYearOut>,
}

/// A year to load or replace.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"division": "000000", "source": "国务院办公厅关于2027年部分节假日安排的通知", "holidays": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}], "workdays": [], "reason": "国务院通知发布"}))]
pub struct CalendarYearIn {
    /// `000000` (default) or a division code.
    pub division: Option<String>,
    /// The notice the data comes from.
    #[validate(length(min = 1, max = 200, message = "请注明依据的通知"))]
    pub source: String,
    /// Holidays.
    #[schema(value_type = Vec<Object>)]
    pub holidays: Vec<HolidayRange>,
    /// Make-up workdays.
    pub workdays: Vec<NaiveDate>,
    /// Why the change is made.
    #[validate(length(min = 1, max = 500, message = "请填写变更原因"))]
    pub reason: String,
    /// The version being replaced; a stale one is refused with 409.
    pub version: Option<i32>,
}

/// What one day becomes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A holiday.
    Holiday,
    /// A make-up workday.
    Workday,
    /// Back to the Monday-to-Friday rule.
    Normal,
}

/// A change of one day.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"division": "320100", "date": "2026-11-05", "kind": "holiday", "name": "地方节日", "reason": "市政府通知"}))]
pub struct CalendarDayIn {
    /// `000000` (default) or a division code.
    pub division: Option<String>,
    /// The day.
    pub date: NaiveDate,
    /// What it becomes.
    pub kind: DayKind,
    /// Name of the holiday.
    #[validate(length(max = 50))]
    pub name: Option<String>,
    /// Why.
    #[validate(length(min = 1, max = 500, message = "请填写变更原因"))]
    pub reason: String,
    /// The version of the day's year being changed; a stale one is refused with 409.
    pub version: Option<i32>,
}

/// The outcome of a change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"division": "320100", "year": 2026, "version": 2, "clocks_moved": 14}))]
pub struct CalendarChangeOut {
    /// Division.
    pub division: String,
    /// Year.
    pub year: i32,
    /// The new version.
    pub version: i32,
    /// Running clocks whose due time moved.
    pub clocks_moved: usize,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CalendarAdminError {
    /// Not an administrator.
    #[error("administrators only")]
    Forbidden,
    /// An administrator, but not of the calendar's division or one above it.
    #[error("the calendar of another division")]
    OutsideDivision,
    /// Bad data.
    #[error("{0}")]
    Invalid(Problem),
    /// Someone changed the year first.
    #[error("version conflict")]
    VersionConflict,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for CalendarAdminError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl ResponseError for CalendarAdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Forbidden | Self::OutsideDivision => StatusCode::FORBIDDEN,
            Self::Invalid(p) => p.status_code(),
            Self::VersionConflict => StatusCode::CONFLICT,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Forbidden => Problem::forbidden("calendars are changed by administrators"),
            Self::OutsideDivision => Problem::forbidden(
                "administrators change the calendar of their division and those below it; the national calendar only national administrators",
            ),
            Self::Invalid(p) => p.clone(),
            Self::VersionConflict => Problem::conflict(
                "version_conflict",
                "the year was changed by someone else; reload it",
            ),
            Self::Unexpected(e) => {
                tracing::error!(error = ?e, "calendar change failed");
                Problem::internal()
            }
        }
        .error_response()
    }
}

fn invalid(field: &str, message: String) -> CalendarAdminError {
    CalendarAdminError::Invalid(Problem::validation(vec![FieldError {
        field: field.into(),
        message,
        code: "invalid".into(),
    }]))
}

/// The calendar a change is for (`000000` unless a division is named), once `principal` is
/// known to be an administrator who may change it (see the module documentation).
fn scope_of(
    principal: &Principal,
    division: Option<&String>,
) -> Result<String, CalendarAdminError> {
    principal
        .require(Role::Admin)
        .map_err(|_| CalendarAdminError::Forbidden)?;
    let scope = division.cloned().unwrap_or_else(|| NATIONAL.to_owned());
    if !(scope.len() == 6 && scope.bytes().all(|b| b.is_ascii_digit())) {
        return Err(invalid("division", "须为六位行政区划代码".into()));
    }
    // `covers` reads `000000` as the whole country, so only a national administrator covers
    // the national calendar; spelled out for the reader.
    let allowed = match principal.division.as_deref() {
        Some(own) if scope == NATIONAL => own == NATIONAL,
        Some(own) => covers(own, &scope),
        None => false,
    };
    if allowed {
        Ok(scope)
    } else {
        Err(CalendarAdminError::OutsideDivision)
    }
}

/// Lists the loaded calendar years (public).
#[utoipa::path(get, path = "/api/v1/calendar/years", tag = "calendar", operation_id = "list_calendar_years",
    responses(
        (status = 200, description = "The loaded years", body = CalendarYearListOut),
        (status = 503, description = "The database is unavailable", body = govhall_web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_calendar_years(
    state: web::Data<AppState>,
) -> Result<HttpResponse, CalendarAdminError> {
    let items = calendar_years::all(&state.db)
        .await?
        .into_iter()
        .filter_map(|row| {
            let data: YearCalendar = serde_json::from_value(row.data).ok()?;
            Some(CalendarYearOut {
                division: row.scope,
                year: row.year,
                version: row.version,
                source: data.source,
                holidays: data.holidays,
                workdays: data.workdays,
                updated_at: crate::routes::clocks::local(row.updated_at),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(CalendarYearListOut { items }))
}

/// Loads or replaces a year of the national calendar or of a division's overlay.
///
/// The national calendar (`division` absent or `000000`) is changed by national
/// administrators only (their division is `000000`); a division's overlay by administrators of
/// that division or of one above it.
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar", operation_id = "put_calendar_year",
    params(("year" = i32, Path, description = "The year")),
    request_body = CalendarYearIn,
    responses(
        (status = 200, description = "Stored; running clocks moved", body = CalendarChangeOut),
        (status = 403, description = "Not an administrator of the calendar's division or one above it (the national calendar: national administrators only)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Inconsistent data", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_calendar_year(
    state: web::Data<AppState>,
    cell: web::Data<CalendarCell>,
    now: web::Data<Arc<dyn Clock>>,
    principal: Principal,
    ctx: RequestContext,
    year: web::Path<i32>,
    body: ValidatedJson<CalendarYearIn>,
) -> Result<HttpResponse, CalendarAdminError> {
    let input = body.into_inner();
    let scope = scope_of(&principal, input.division.as_ref())?;
    let data = YearCalendar {
        year: *year,
        source: input.source,
        holidays: input.holidays,
        workdays: input.workdays,
    };
    data.check()
        .map_err(|e| invalid("holidays", e.to_string()))?;
    let actor = Actor {
        subject: principal.sub.clone(),
        reason: Some(input.reason),
        legal_basis: None,
        traceparent: Some(ctx.trace.header()),
    };
    apply(
        &state,
        &cell,
        &scope,
        &data,
        input.version,
        &actor,
        now.now().fixed_offset(),
    )
    .await
}

/// Changes one day: a holiday, a make-up workday, or back to normal.
///
/// Who may change which calendar is as for a whole year: the national one national
/// administrators (division `000000`) only, a division's overlay administrators of that
/// division or one above it.
#[utoipa::path(post, path = "/api/v1/calendar/days", tag = "calendar", operation_id = "change_calendar_day",
    request_body = CalendarDayIn,
    responses(
        (status = 200, description = "Stored; running clocks moved", body = CalendarChangeOut),
        (status = 403, description = "Not an administrator of the calendar's division or one above it (the national calendar: national administrators only)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid change", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_calendar_day(
    state: web::Data<AppState>,
    cell: web::Data<CalendarCell>,
    now: web::Data<Arc<dyn Clock>>,
    principal: Principal,
    ctx: RequestContext,
    body: ValidatedJson<CalendarDayIn>,
) -> Result<HttpResponse, CalendarAdminError> {
    let input = body.into_inner();
    let scope = scope_of(&principal, input.division.as_ref())?;
    use chrono::Datelike;
    let year = input.date.year();
    let stored = calendar_years::find(&state.db, &scope, year).await?;
    let (mut data, version) = match stored {
        Some(row) => (
            serde_json::from_value::<YearCalendar>(row.data).map_err(anyhow::Error::from)?,
            Some(row.version),
        ),
        None => (
            YearCalendar {
                year,
                source: "人工调整".into(),
                holidays: vec![],
                workdays: vec![],
            },
            None,
        ),
    };
    if input.version.is_some() && input.version != version {
        return Err(CalendarAdminError::VersionConflict);
    }
    edit_day(&mut data, input.date, input.kind, input.name);
    data.check().map_err(|e| invalid("date", e.to_string()))?;
    let actor = Actor {
        subject: principal.sub.clone(),
        reason: Some(input.reason),
        legal_basis: None,
        traceparent: Some(ctx.trace.header()),
    };
    apply(
        &state,
        &cell,
        &scope,
        &data,
        version,
        &actor,
        now.now().fixed_offset(),
    )
    .await
}

/// Makes `date` a holiday, a workday or neither in `data`.
fn edit_day(data: &mut YearCalendar, date: NaiveDate, kind: DayKind, name: Option<String>) {
    // Take the day out of whatever it was: split a holiday range around it.
    let mut ranges = Vec::new();
    for r in data.holidays.drain(..) {
        if (r.from..=r.to).contains(&date) {
            if let Some(before) = date.pred_opt().filter(|d| *d >= r.from) {
                ranges.push(HolidayRange {
                    from: r.from,
                    to: before,
                    name: r.name.clone(),
                });
            }
            if let Some(after) = date.succ_opt().filter(|d| *d <= r.to) {
                ranges.push(HolidayRange {
                    from: after,
                    to: r.to,
                    name: r.name.clone(),
                });
            }
        } else {
            ranges.push(r);
        }
    }
    data.holidays = ranges;
    data.workdays.retain(|d| *d != date);
    match kind {
        DayKind::Holiday => data.holidays.push(HolidayRange {
            from: date,
            to: date,
            name: name.unwrap_or_else(|| "节假日".into()),
        }),
        DayKind::Workday => data.workdays.push(date),
        DayKind::Normal => {}
    }
    data.holidays.sort_by_key(|r| r.from);
    data.workdays.sort();
}

/// Stores the year with a recompute job (one transaction), swaps the calendars in force, then
/// moves the running clocks it affects batch by batch, each batch with its events.
async fn apply(
    state: &AppState,
    cell: &CalendarCell,
    scope: &str,
    data: &YearCalendar,
    version: Option<i32>,
    actor: &Actor,
    now: DateTime<FixedOffset>,
) -> Result<HttpResponse, CalendarAdminError> {
    let txn = govhall_bus::begin_write(&state.db).await?;
    let Some(new_version) = calendar_years::put(
        &txn,
        scope,
        data,
        version,
        &actor.subject,
        actor.reason.clone(),
        now,
    )
    .await?
    else {
        return Err(CalendarAdminError::VersionConflict);
    };
    // The clocks move after the change commits, in batches (see `recompute`).
    let job = crate::recompute::enqueue(&txn, scope, actor, now).await?;
    txn.commit().await?;
    cell.reload(&state.db).await?;
    let moved = crate::recompute::run(&state.db, cell, job, now)
        .await?
        .unwrap_or_default();
    state.relay.notify();
    tracing::info!(
        calendar.scope = scope,
        calendar.year = data.year,
        version = new_version,
        clocks_moved = moved,
        "calendar changed"
    );
    Ok(HttpResponse::Ok().json(CalendarChangeOut {
        division: scope.to_owned(),
        year: data.year,
        version: new_version,
        clocks_moved: usize::try_from(moved).unwrap_or_default(),
    }))
}

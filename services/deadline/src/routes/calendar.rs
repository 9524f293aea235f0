//! The public calendar queries: when does a limit fall due, and how many working days lie
//! between two dates (no login; for integrators, staff and citizens alike).

use crate::calendars::CalendarCell;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, NaiveDate};
use govhall_calendar::{Limit, Unit, due::end_of};
use govhall_web::{FieldError, Problem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /api/v1/calendar/due`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DueQuery {
    /// The day the clock starts (not counted), `YYYY-MM-DD`.
    pub start: NaiveDate,
    /// The amount of the limit (0–3650).
    pub limit: u32,
    /// `working_days` (default), `natural_days` or `months`.
    pub unit: Option<DayUnit>,
    /// Six-digit division code whose calendar applies (default `000000`, national).
    pub division: Option<String>,
}

/// Units a date-level query accepts.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayUnit {
    /// Official working days.
    WorkingDays,
    /// Natural days; a period ending on a rest day ends on the next working day.
    NaturalDays,
    /// Calendar months, with the same rule.
    Months,
}

/// When a limit falls due.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"due_date": "2026-02-27", "due_at": "2026-02-28T00:00:00+08:00", "start": "2026-02-13", "limit": 5, "unit": "working_days", "division": "320000", "years_without_calendar": []}))]
pub struct DueOut {
    /// The last day counted.
    pub due_date: NaiveDate,
    /// The instant the limit ends: 24:00 Asia/Shanghai of `due_date`.
    pub due_at: DateTime<FixedOffset>,
    /// Echo of the start day.
    pub start: NaiveDate,
    /// Echo of the limit.
    pub limit: u32,
    /// Echo of the unit.
    pub unit: DayUnit,
    /// The division whose calendar was used.
    pub division: String,
    /// Years crossed that have no loaded calendar: counted Monday to Friday, so the answer
    /// may move once their holidays are published.
    pub years_without_calendar: Vec<i32>,
}

/// Query of `GET /api/v1/calendar/working-days`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct BetweenQuery {
    /// From (exclusive), `YYYY-MM-DD`.
    pub from: NaiveDate,
    /// To (inclusive), `YYYY-MM-DD`.
    pub to: NaiveDate,
    /// Six-digit division code (default `000000`, national).
    pub division: Option<String>,
}

/// Working days between two dates.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"from": "2026-02-13", "to": "2026-02-27", "working_days": 5, "division": "320000", "years_without_calendar": []}))]
pub struct WorkingDaysOut {
    /// From (exclusive).
    pub from: NaiveDate,
    /// To (inclusive).
    pub to: NaiveDate,
    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub working_days: i64,
    /// The division whose calendar was used.
    pub division: String,
    /// Years crossed that have no loaded calendar.
    pub years_without_calendar: Vec<i32>,
}

const MAX_LIMIT: u32 = 3650;
const MAX_SPAN_DAYS: i64 = 366 * 10;

fn division_of(division: Option<&String>) -> Result<String, Problem> {
    let division = division.cloned().unwrap_or_else(|| "000000".to_owned());
    if division.len() == 6 && division.bytes().all(|b| b.is_ascii_digit()) {
        Ok(division)
    } else {
        Err(invalid("division", "须为六位行政区划代码", "division_code"))
    }
}

fn invalid(field: &str, message: &str, code: &str) -> Problem {
    Problem::validation(vec![FieldError {
        field: field.into(),
        message: message.into(),
        code: code.into(),
    }])
}

/// When does a limit of `limit` `unit`s starting on `start` fall due?
#[utoipa::path(get, path = "/api/v1/calendar/due", tag = "calendar", operation_id = "calendar_due",
    params(DueQuery),
    responses(
        (status = 200, description = "The due date", body = DueOut),
        (status = 400, description = "A parameter does not parse", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn calendar_due(
    calendars: web::Data<CalendarCell>,
    query: web::Query<DueQuery>,
) -> Result<HttpResponse, Problem> {
    if query.limit > MAX_LIMIT {
        return Err(invalid("limit", "期限过长（最多 3650）", "range"));
    }
    let division = division_of(query.division.as_ref())?;
    let current = calendars.current();
    let calendar = current
        .for_division(&division)
        .map_err(|e| invalid("division", &e.to_string(), "division_code"))?;
    let unit = query.unit.unwrap_or(DayUnit::WorkingDays);
    let limit = Limit {
        value: query.limit,
        unit: match unit {
            DayUnit::WorkingDays => Unit::WorkingDays,
            DayUnit::NaturalDays => Unit::NaturalDays,
            DayUnit::Months => Unit::Months,
        },
    };
    // Any instant of the start day gives the same day-level answer; noon is unambiguous.
    let started_at = end_of(query.start) - chrono::Duration::hours(12);
    let due = govhall_calendar::due(&calendar, started_at, limit);
    let due_date = due.last_day.unwrap_or(query.start);
    Ok(HttpResponse::Ok().json(DueOut {
        due_date,
        due_at: due.due_at,
        start: query.start,
        limit: query.limit,
        unit,
        division,
        years_without_calendar: due.unloaded_years.into_iter().collect(),
    }))
}

/// How many working days lie in `(from, to]`?
#[utoipa::path(get, path = "/api/v1/calendar/working-days", tag = "calendar", operation_id = "calendar_working_days",
    params(BetweenQuery),
    responses(
        (status = 200, description = "The count", body = WorkingDaysOut),
        (status = 400, description = "A parameter does not parse", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn calendar_working_days(
    calendars: web::Data<CalendarCell>,
    query: web::Query<BetweenQuery>,
) -> Result<HttpResponse, Problem> {
    if (query.to - query.from).num_days().abs() > MAX_SPAN_DAYS {
        return Err(invalid("to", "区间过长（最多十年）", "range"));
    }
    let division = division_of(query.division.as_ref())?;
    let current = calendars.current();
    let calendar = current
        .for_division(&division)
        .map_err(|e| invalid("division", &e.to_string(), "division_code"))?;
    let (working_days, unloaded) =
        govhall_calendar::working_days_between(&calendar, query.from, query.to);
    Ok(HttpResponse::Ok().json(WorkingDaysOut {
        from: query.from,
        to: query.to,
        working_days,
        division,
        years_without_calendar: unloaded.into_iter().collect(),
    }))
}

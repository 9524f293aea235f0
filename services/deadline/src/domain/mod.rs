//! Pure due-time rules of the deadline service: the arithmetic itself lives in
//! `govhall-calendar`; this maps the wire units onto it, and [`clock`] holds the rules of
//! pausing, resuming, extending and the warning ladder.

pub mod clock;

use chrono::{DateTime, FixedOffset};
use govhall_calendar::{Calendars, Due, Limit, Unit};
use govhall_contracts::events::{LimitUnit, TimeLimit};

/// The calendar unit of a wire unit.
pub fn unit(unit: LimitUnit) -> Unit {
    match unit {
        LimitUnit::WorkingDays => Unit::WorkingDays,
        LimitUnit::NaturalDays => Unit::NaturalDays,
        LimitUnit::Months => Unit::Months,
        LimitUnit::Hours => Unit::Hours,
    }
}

/// When `limit` falls due in `division` for a clock started at `started_at`. A division
/// code that is not six digits counts on the national calendar; years without calendar
/// data are counted Monday to Friday and logged (and named in the returned `Due`).
pub fn due_at(
    calendars: &Calendars,
    division: &str,
    started_at: DateTime<FixedOffset>,
    limit: TimeLimit,
) -> Due {
    let calendar = calendars
        .for_division(division)
        .unwrap_or_else(|_| calendars.national_only());
    let due = govhall_calendar::due(
        &calendar,
        started_at,
        Limit {
            value: limit.value,
            unit: unit(limit.unit),
        },
    );
    if !due.unloaded_years.is_empty() {
        tracing::warn!(years = ?due.unloaded_years, division, "no calendar loaded for these years: counted Monday to Friday");
    }
    due
}

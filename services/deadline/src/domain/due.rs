//! When does a limit fall due?

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Weekday};
use chrono_tz::Asia::Shanghai;
use govhall_contracts::events::{LimitUnit, TimeLimit};

/// Is `day` a working day? Monday to Friday until the official calendar (holidays and
/// make-up workdays) arrives with the deadline issue.
pub fn is_working_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The N-th working day after `start` (the start day itself is not counted).
pub fn nth_working_day_after(start: NaiveDate, n: u32) -> NaiveDate {
    let mut day = start;
    let mut counted = 0;
    while counted < n {
        day = day.succ_opt().unwrap_or(day);
        if is_working_day(day) {
            counted += 1;
        }
    }
    day
}

/// Due time of `limit` for a clock started at `started_at`: 24:00 (Asia/Shanghai) of the
/// last counted day; for hours, the plain sum.
pub fn due_at(started_at: DateTime<FixedOffset>, limit: TimeLimit) -> DateTime<FixedOffset> {
    let local_day = started_at.with_timezone(&Shanghai).date_naive();
    let last_day = match limit.unit {
        LimitUnit::Hours => return started_at + Duration::hours(i64::from(limit.value)),
        LimitUnit::WorkingDays => nth_working_day_after(local_day, limit.value),
        LimitUnit::NaturalDays => local_day + Duration::days(i64::from(limit.value)),
    };
    let end = last_day.succ_opt().unwrap_or(last_day);
    let midnight = end.and_hms_opt(0, 0, 0).unwrap_or_default();
    Shanghai
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.fixed_offset())
        .unwrap_or(started_at)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn the_start_day_is_not_counted_and_the_limit_ends_at_midnight() {
        // Wednesday 2026-11-25, 3 working days: Thu, Fri, Mon -> ends 24:00 Monday 30 Nov.
        let limit = TimeLimit {
            value: 3,
            unit: LimitUnit::WorkingDays,
        };
        assert_eq!(
            due_at(at("2026-11-25T10:00:00+08:00"), limit),
            at("2026-12-01T00:00:00+08:00")
        );
    }

    #[test]
    fn a_start_late_in_the_evening_utc_counts_from_the_shanghai_day() {
        // 2026-11-27T17:00Z is Saturday 01:00 in Shanghai: one working day -> Monday.
        let limit = TimeLimit {
            value: 1,
            unit: LimitUnit::WorkingDays,
        };
        assert_eq!(
            due_at(at("2026-11-27T17:00:00Z"), limit),
            at("2026-12-01T00:00:00+08:00")
        );
    }

    #[test]
    fn natural_days_and_hours_are_counted_plainly() {
        let start = at("2026-11-28T09:30:00+08:00");
        assert_eq!(
            due_at(
                start,
                TimeLimit {
                    value: 2,
                    unit: LimitUnit::NaturalDays
                }
            ),
            at("2026-12-01T00:00:00+08:00")
        );
        assert_eq!(
            due_at(
                start,
                TimeLimit {
                    value: 4,
                    unit: LimitUnit::Hours
                }
            ),
            at("2026-11-28T13:30:00+08:00")
        );
    }
}

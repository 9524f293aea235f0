//! The arithmetic: when does a limit fall due, and how many working days lie between days.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, TimeZone};
use chrono_tz::Asia::Shanghai;
use serde::{Deserialize, Serialize};

use crate::data::DivisionCalendar;

/// Unit of a time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Official working days (工作日).
    WorkingDays,
    /// Natural days (自然日).
    NaturalDays,
    /// Calendar months.
    Months,
    /// Hours (instant matters, 即办件).
    Hours,
}

/// A time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// Amount.
    pub value: u32,
    /// Unit.
    pub unit: Unit,
}

/// When a limit falls due, and what the answer rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The instant the limit ends (24:00 Asia/Shanghai of `last_day` for day units).
    pub due_at: DateTime<FixedOffset>,
    /// The last day counted (for day and month units).
    pub last_day: Option<NaiveDate>,
    /// Years crossed that have no loaded calendar, counted Monday to Friday instead.
    pub unloaded_years: BTreeSet<i32>,
}

/// The local (Asia/Shanghai) date of an instant.
pub fn local_date(at: DateTime<FixedOffset>) -> NaiveDate {
    at.with_timezone(&Shanghai).date_naive()
}

/// 00:00 Asia/Shanghai of the day after `day`: the end (24:00) of `day`.
pub fn end_of(day: NaiveDate) -> DateTime<FixedOffset> {
    let next = day.succ_opt().unwrap_or(day);
    // Shanghai has no daylight saving time since 1991: midnight always exists once.
    Shanghai
        .from_local_datetime(&next.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.fixed_offset())
        .unwrap_or_else(|| {
            next.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .fixed_offset()
        })
}

/// The `n`-th working day after `start` (`start` itself is not counted); `start` for 0.
pub fn nth_working_day_after(
    cal: &DivisionCalendar<'_>,
    start: NaiveDate,
    n: u32,
    unloaded: &mut BTreeSet<i32>,
) -> NaiveDate {
    let mut day = start;
    let mut counted = 0;
    while counted < n {
        day = day.succ_opt().unwrap_or(day);
        note(cal, day, unloaded);
        if cal.is_working_day(day) {
            counted += 1;
        }
    }
    day
}

/// The first working day on or after `day` (a period ending on a rest day ends on the
/// next working day, 民法典 art. 203).
pub fn first_working_day_from(
    cal: &DivisionCalendar<'_>,
    mut day: NaiveDate,
    unloaded: &mut BTreeSet<i32>,
) -> NaiveDate {
    note(cal, day, unloaded);
    while !cal.is_working_day(day) {
        day = day.succ_opt().unwrap_or(day);
        note(cal, day, unloaded);
    }
    day
}

fn note(cal: &DivisionCalendar<'_>, day: NaiveDate, unloaded: &mut BTreeSet<i32>) {
    if !cal.is_loaded(day.year()) {
        unloaded.insert(day.year());
    }
}

/// When `limit` falls due for a clock started at `started_at`, on `cal`.
pub fn due(cal: &DivisionCalendar<'_>, started_at: DateTime<FixedOffset>, limit: Limit) -> Due {
    let mut unloaded = BTreeSet::new();
    let start = local_date(started_at);
    let last_day = match limit.unit {
        Unit::Hours => {
            return Due {
                due_at: started_at + Duration::hours(i64::from(limit.value)),
                last_day: None,
                unloaded_years: unloaded,
            };
        }
        Unit::WorkingDays => nth_working_day_after(cal, start, limit.value, &mut unloaded),
        Unit::NaturalDays => {
            let last = start + Duration::days(i64::from(limit.value));
            first_working_day_from(cal, last, &mut unloaded)
        }
        Unit::Months => {
            // The corresponding day of the last month, or that month's last day.
            let last = start
                .checked_add_months(Months::new(limit.value))
                .unwrap_or(start);
            first_working_day_from(cal, last, &mut unloaded)
        }
    };
    Due {
        due_at: end_of(last_day),
        last_day: Some(last_day),
        unloaded_years: unloaded,
    }
}

/// The last day a limit ending at `due_at` counts (the day before the midnight it ends at).
pub fn last_day_of(due_at: DateTime<FixedOffset>) -> NaiveDate {
    local_date(due_at - Duration::seconds(1))
}

/// The `n`-th working day before `day` counting `day` itself as the first when it is a
/// working day: the day from whose start `n` working days remain until the end of `day`.
pub fn nth_working_day_back(cal: &DivisionCalendar<'_>, day: NaiveDate, n: u32) -> NaiveDate {
    let mut current = day;
    let mut counted = u32::from(cal.is_working_day(day));
    while counted < n {
        current = current.pred_opt().unwrap_or(current);
        if cal.is_working_day(current) {
            counted += 1;
        }
    }
    current
}

/// Working days in `(from, to]`: how many a clock started on `from` has used by the end
/// of `to` (negative when `to` is before `from`).
pub fn working_days_between(
    cal: &DivisionCalendar<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> (i64, BTreeSet<i32>) {
    let mut unloaded = BTreeSet::new();
    let (lo, hi, sign) = if to >= from {
        (from, to, 1)
    } else {
        (to, from, -1)
    };
    let mut count = 0i64;
    let mut day = lo;
    while day < hi {
        day = day.succ_opt().unwrap_or(hi);
        note(cal, day, &mut unloaded);
        if cal.is_working_day(day) {
            count += 1;
        }
    }
    (sign * count, unloaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Calendars;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn wd(n: u32) -> Limit {
        Limit {
            value: n,
            unit: Unit::WorkingDays,
        }
    }

    fn nth(cals: &Calendars, start: &str, n: u32) -> NaiveDate {
        nth_working_day_after(
            &cals.for_division("320102").unwrap(),
            d(start),
            n,
            &mut BTreeSet::new(),
        )
    }

    #[test]
    fn spring_festival_2026_with_its_make_up_saturdays() {
        let cals = Calendars::national_defaults().unwrap();
        assert_eq!(
            nth(&cals, "2026-02-13", 1),
            d("2026-02-14"),
            "the make-up Saturday counts"
        );
        assert_eq!(
            nth(&cals, "2026-02-12", 3),
            d("2026-02-24"),
            "Fri, make-up Sat, then after the holiday"
        );
        assert_eq!(
            nth(&cals, "2026-02-24", 4),
            d("2026-02-28"),
            "Wed, Thu, Fri, make-up Sat 28 Feb"
        );
        assert_eq!(nth(&cals, "2026-02-14", 1), d("2026-02-24"));
    }

    #[test]
    fn spring_festival_2025_with_its_make_up_sunday_and_saturday() {
        let cals = Calendars::national_defaults().unwrap();
        let expected = [
            "2025-01-26",
            "2025-01-27",
            "2025-02-05",
            "2025-02-06",
            "2025-02-07",
            "2025-02-08",
            "2025-02-10",
        ];
        for (n, day) in expected.iter().enumerate() {
            assert_eq!(
                nth(&cals, "2025-01-24", n as u32 + 1),
                d(day),
                "{} working days",
                n + 1
            );
        }
    }

    #[test]
    fn national_day_2025_and_2026() {
        let cals = Calendars::national_defaults().unwrap();
        let y2025 = [
            "2025-09-28",
            "2025-09-29",
            "2025-09-30",
            "2025-10-09",
            "2025-10-10",
            "2025-10-11",
            "2025-10-13",
        ];
        for (n, day) in y2025.iter().enumerate() {
            assert_eq!(
                nth(&cals, "2025-09-26", n as u32 + 1),
                d(day),
                "2025, {} working days",
                n + 1
            );
        }
        // 2026: make-up Sunday 20 Sep, Mid-Autumn 25–27 Sep, National Day 1–7 Oct, make-up Sat 10 Oct.
        assert_eq!(nth(&cals, "2026-09-18", 1), d("2026-09-20"));
        assert_eq!(nth(&cals, "2026-09-18", 6), d("2026-09-28"));
        assert_eq!(nth(&cals, "2026-09-18", 9), d("2026-10-08"));
        assert_eq!(nth(&cals, "2026-09-18", 11), d("2026-10-10"));
        assert_eq!(nth(&cals, "2026-09-18", 12), d("2026-10-12"));
    }

    #[test]
    fn a_working_day_limit_ends_at_midnight_shanghai_of_its_last_day() {
        let cals = Calendars::national_defaults().unwrap();
        let cal = cals.for_division("320102").unwrap();
        // Submitted Friday 13 Feb 2026 at 16:00 Shanghai, 5 working days: 14 Feb (make-up),
        // 24, 25, 26, 27 Feb -> ends 24:00 on 27 Feb.
        let due = due(&cal, at("2026-02-13T16:00:00+08:00"), wd(5));
        assert_eq!(due.last_day, Some(d("2026-02-27")));
        assert_eq!(due.due_at, at("2026-02-28T00:00:00+08:00"));
        assert!(due.unloaded_years.is_empty());
        // 23:30 UTC on Friday is already Saturday in Shanghai.
        let late = super::due(&cal, at("2026-11-27T23:30:00Z"), wd(1));
        assert_eq!(late.last_day, Some(d("2026-11-30")));
    }

    #[test]
    fn natural_days_and_months_ending_on_a_rest_day_end_on_the_next_working_day() {
        let cals = Calendars::national_defaults().unwrap();
        let cal = cals.for_division("320102").unwrap();
        let start = at("2026-09-30T10:00:00+08:00");
        let days = due(
            &cal,
            start,
            Limit {
                value: 1,
                unit: Unit::NaturalDays,
            },
        );
        assert_eq!(
            days.last_day,
            Some(d("2026-10-08")),
            "1 Oct falls in the holiday"
        );
        let plain = due(
            &cal,
            at("2026-11-02T10:00:00+08:00"),
            Limit {
                value: 3,
                unit: Unit::NaturalDays,
            },
        );
        assert_eq!(plain.last_day, Some(d("2026-11-05")));
        // 31 Jan + 1 month is the last day of February, 28 Feb 2026: a make-up Saturday, so
        // a working day, and the period ends there.
        let month = due(
            &cal,
            at("2026-01-31T10:00:00+08:00"),
            Limit {
                value: 1,
                unit: Unit::Months,
            },
        );
        assert_eq!(month.last_day, Some(d("2026-02-28")));
        // 3 Sep + 1 month is 3 Oct, inside National Day: the period ends on 8 Oct.
        let holiday = due(
            &cal,
            at("2026-09-03T10:00:00+08:00"),
            Limit {
                value: 1,
                unit: Unit::Months,
            },
        );
        assert_eq!(holiday.last_day, Some(d("2026-10-08")));
    }

    #[test]
    fn hours_are_added_as_they_are() {
        let cals = Calendars::national_defaults().unwrap();
        let cal = cals.for_division("320102").unwrap();
        let due = due(
            &cal,
            at("2026-02-16T09:00:00+08:00"),
            Limit {
                value: 2,
                unit: Unit::Hours,
            },
        );
        assert_eq!(due.due_at, at("2026-02-16T11:00:00+08:00"));
    }

    #[test]
    fn a_year_without_data_is_counted_monday_to_friday_and_named() {
        let cals = Calendars::national_defaults().unwrap();
        let cal = cals.for_division("320102").unwrap();
        let due = due(&cal, at("2026-12-30T10:00:00+08:00"), wd(3));
        // 31 Dec 2026 (Thu), 1 Jan 2027 (Fri: New Year, but 2027 is not loaded), 4 Jan 2027.
        assert_eq!(due.last_day, Some(d("2027-01-04")));
        assert_eq!(due.unloaded_years, [2027].into_iter().collect());
    }

    proptest! {
        #[test]
        fn limits_add_up(start in 0i64..800, a in 0u32..60, b in 0u32..60) {
            let cals = Calendars::national_defaults().unwrap();
            let cal = cals.for_division("320102").unwrap();
            let s = d("2025-01-01") + Duration::days(start);
            let mut u = BTreeSet::new();
            let once = nth_working_day_after(&cal, s, a + b, &mut u);
            let twice = nth_working_day_after(&cal, nth_working_day_after(&cal, s, a, &mut u), b, &mut u);
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn counting_back_gives_the_limit(start in 0i64..800, n in 0u32..80) {
            let cals = Calendars::national_defaults().unwrap();
            let cal = cals.for_division("320102").unwrap();
            let s = d("2025-01-01") + Duration::days(start);
            let end = nth_working_day_after(&cal, s, n, &mut BTreeSet::new());
            prop_assert_eq!(working_days_between(&cal, s, end).0, i64::from(n));
            prop_assert_eq!(working_days_between(&cal, end, s).0, -i64::from(n));
            if n > 0 {
                prop_assert!(cal.is_working_day(end));
            }
        }
    }
}

//! The rules of a running clock: what is left when it pauses, when it falls due after it
//! resumes or is extended, and when each step of the warning ladder fires.
//!
//! Working-day clocks keep whole working days. A clock paused on day P has used P (it was
//! running that day); resumed on day R, R is not counted, like the day a clock starts.
//! Pausing and resuming on the same day therefore changes nothing, and every day strictly
//! inside the pause is not counted (行政许可法 art. 45).

use chrono::{DateTime, Duration, FixedOffset};
use govhall_calendar::{
    data::DivisionCalendar,
    due::{
        end_of, first_working_day_from, last_day_of, local_date, nth_working_day_after,
        nth_working_day_back,
    },
    working_days_between,
};
use govhall_contracts::events::{LimitUnit, deadline::WarningLevel};

/// What a paused clock has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remaining {
    /// Whole working days after the pause day.
    WorkingDays(i64),
    /// Natural days after the pause day (natural-day and month limits).
    NaturalDays(i64),
    /// Seconds (hour limits).
    Seconds(i64),
}

impl Remaining {
    /// Stored form: (value, unit).
    pub fn to_stored(self) -> (i64, &'static str) {
        match self {
            Self::WorkingDays(n) => (n, "working_days"),
            Self::NaturalDays(n) => (n, "natural_days"),
            Self::Seconds(n) => (n, "seconds"),
        }
    }

    /// `value` more of the clock's limit unit (an extension while paused).
    pub fn plus(self, value: u32, unit: LimitUnit) -> Self {
        let v = i64::from(value);
        match self {
            Self::WorkingDays(n) => Self::WorkingDays(n + v),
            Self::NaturalDays(n) => {
                Self::NaturalDays(n + if unit == LimitUnit::Months { v * 30 } else { v })
            }
            Self::Seconds(s) => Self::Seconds(s + v * 3600),
        }
    }

    /// Parses the stored form.
    pub fn from_stored(value: i64, unit: &str) -> Option<Self> {
        Some(match unit {
            "working_days" => Self::WorkingDays(value),
            "natural_days" => Self::NaturalDays(value),
            "seconds" => Self::Seconds(value),
            _ => return None,
        })
    }
}

/// What a running clock counts: an amount of a unit from an instant (its start, or its
/// last resumption). Its due time is always recomputed from this, so a calendar change
/// moves it correctly whatever happened to the clock before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counting {
    /// Counting starts after the local day of this instant (or at it, for seconds).
    pub from: DateTime<FixedOffset>,
    /// Amount.
    pub value: i64,
    /// `working_days`, `natural_days`, `months` or `seconds`.
    pub unit: CountUnit,
}

/// Unit of a [`Counting`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountUnit {
    /// Working days.
    WorkingDays,
    /// Natural days (ending on a working day).
    NaturalDays,
    /// Months (ending on a working day).
    Months,
    /// Seconds.
    Seconds,
}

impl CountUnit {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WorkingDays => "working_days",
            Self::NaturalDays => "natural_days",
            Self::Months => "months",
            Self::Seconds => "seconds",
        }
    }

    /// Parses the stored form (working days when unknown).
    pub fn parse(s: &str) -> Self {
        match s {
            "natural_days" => Self::NaturalDays,
            "months" => Self::Months,
            "seconds" => Self::Seconds,
            _ => Self::WorkingDays,
        }
    }
}

impl Counting {
    /// What a clock started at `started_at` with `limit` counts.
    pub fn for_limit(started_at: DateTime<FixedOffset>, value: u32, unit: LimitUnit) -> Self {
        let value = i64::from(value);
        let (value, unit) = match unit {
            LimitUnit::WorkingDays => (value, CountUnit::WorkingDays),
            LimitUnit::NaturalDays => (value, CountUnit::NaturalDays),
            LimitUnit::Months => (value, CountUnit::Months),
            LimitUnit::Hours => (value * 3600, CountUnit::Seconds),
        };
        Self {
            from: started_at,
            value,
            unit,
        }
    }

    /// What a clock resumed at `at` with `remaining` counts.
    pub fn resumed(at: DateTime<FixedOffset>, remaining: Remaining) -> Self {
        let (value, unit) = match remaining {
            Remaining::WorkingDays(n) => (n.max(0), CountUnit::WorkingDays),
            Remaining::NaturalDays(n) => (n.max(0), CountUnit::NaturalDays),
            Remaining::Seconds(s) => (s.max(0), CountUnit::Seconds),
        };
        Self {
            from: at,
            value,
            unit,
        }
    }

    /// The same counting, `value` of the clock's limit unit longer (an extension).
    pub fn extended(self, value: u32, unit: LimitUnit) -> Self {
        let add = i64::from(value)
            * if unit == LimitUnit::Hours && self.unit == CountUnit::Seconds {
                3600
            } else {
                1
            };
        Self {
            value: self.value + add,
            ..self
        }
    }

    /// When it falls due on `cal`.
    pub fn due(&self, cal: &DivisionCalendar<'_>) -> DateTime<FixedOffset> {
        let day = local_date(self.from);
        let mut unloaded = std::collections::BTreeSet::new();
        let due = match self.unit {
            CountUnit::WorkingDays => end_of(nth_working_day_after(
                cal,
                day,
                non_negative(self.value),
                &mut unloaded,
            )),
            CountUnit::NaturalDays => end_of(first_working_day_from(
                cal,
                day + Duration::days(self.value.max(0)),
                &mut unloaded,
            )),
            CountUnit::Months => {
                let last = day
                    .checked_add_months(chrono::Months::new(non_negative(self.value)))
                    .unwrap_or(day);
                end_of(first_working_day_from(cal, last, &mut unloaded))
            }
            CountUnit::Seconds => self.from + Duration::seconds(self.value.max(0)),
        };
        if !unloaded.is_empty() {
            tracing::warn!(years = ?unloaded, "no calendar loaded for these years: counted Monday to Friday");
        }
        due
    }
}

/// What a clock due at `due_at` has left when paused at `at`.
pub fn remaining_at(
    cal: &DivisionCalendar<'_>,
    unit: LimitUnit,
    due_at: DateTime<FixedOffset>,
    at: DateTime<FixedOffset>,
) -> Remaining {
    let today = local_date(at);
    let last = last_day_of(due_at);
    match unit {
        LimitUnit::WorkingDays => Remaining::WorkingDays(working_days_between(cal, today, last).0),
        LimitUnit::NaturalDays | LimitUnit::Months => {
            Remaining::NaturalDays((last - today).num_days())
        }
        LimitUnit::Hours => Remaining::Seconds((due_at - at).num_seconds()),
    }
}

fn non_negative(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// A step of the warning ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// A few working days left.
    Warning = 1,
    /// One working day left.
    Yellow = 2,
    /// Overdue.
    Red = 3,
}

impl Step {
    /// From the stored step number (0 = none yet).
    pub fn from_number(n: i32) -> Option<Self> {
        match n {
            1 => Some(Self::Warning),
            2 => Some(Self::Yellow),
            3 => Some(Self::Red),
            _ => None,
        }
    }

    /// The warning level of the event it emits (`None` for red: an overdue event).
    pub fn level(self) -> Option<WarningLevel> {
        match self {
            Self::Warning => Some(WarningLevel::Warning),
            Self::Yellow => Some(WarningLevel::Yellow),
            Self::Red => None,
        }
    }
}

/// Working days left at each warning step (configurable per matter; the default is a
/// warning at 3 working days left and a yellow card at 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ladder {
    /// Working days left at the warning.
    pub warning_days: u32,
    /// Working days left at the yellow card.
    pub yellow_days: u32,
}

impl Default for Ladder {
    fn default() -> Self {
        Self {
            warning_days: 3,
            yellow_days: 1,
        }
    }
}

/// When each step fires for a clock due at `due_at`: at 00:00 of the day from which the
/// step's working days remain, and red at the due time. Hour limits only turn red.
pub fn ladder_times(
    cal: &DivisionCalendar<'_>,
    ladder: Ladder,
    unit: LimitUnit,
    due_at: DateTime<FixedOffset>,
) -> Vec<(Step, DateTime<FixedOffset>)> {
    if unit == LimitUnit::Hours {
        return vec![(Step::Red, due_at)];
    }
    let last = last_day_of(due_at);
    let start_of = |n: u32| {
        let day = nth_working_day_back(cal, last, n);
        end_of(day.pred_opt().unwrap_or(day))
    };
    vec![
        (Step::Warning, start_of(ladder.warning_days)),
        (Step::Yellow, start_of(ladder.yellow_days)),
        (Step::Red, due_at),
    ]
}

/// The next step after `done` and when it fires, if any remains.
pub fn next_step(
    times: &[(Step, DateTime<FixedOffset>)],
    done: Option<Step>,
) -> Option<(Step, DateTime<FixedOffset>)> {
    times
        .iter()
        .copied()
        .find(|(step, _)| done.is_none_or(|d| *step > d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use govhall_calendar::Calendars;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn a_pause_over_spring_festival_keeps_the_working_days_left() {
        let cals = Calendars::national_defaults().unwrap();
        let cal = cals.for_division("320102").unwrap();
        // Due at the end of Fri 27 Feb 2026; paused on Thu 12 Feb: left after 12 Feb are
        // 13, 14 (make-up Sat), 24, 25, 26, 27 Feb = 6 working days.
        let due = at("2026-02-28T00:00:00+08:00");
        let left = remaining_at(
            &cal,
            LimitUnit::WorkingDays,
            due,
            at("2026-02-12T15:00:00+08:00"),
        );
        assert_eq!(left, Remaining::WorkingDays(6));
        // Resumed on Wed 25 Feb: 26, 27 Feb, 28 (make-up Sat), 2, 3, 4 Mar.
        let resumed = Counting::resumed(at("2026-02-25T09:00:00+08:00"), left);
        assert_eq!(resumed.due(&cal), at("2026-03-05T00:00:00+08:00"));
    }

    #[test]
    fn pausing_and_resuming_the_same_day_changes_nothing() {
        let cals = Calendars::national_defaults().unwrap();
        let cal = cals.for_division("320102").unwrap();
        let due = at("2026-12-12T00:00:00+08:00");
        for unit in [LimitUnit::WorkingDays, LimitUnit::NaturalDays] {
            let left = remaining_at(&cal, unit, due, at("2026-12-01T09:00:00+08:00"));
            let resumed = Counting::resumed(at("2026-12-01T17:00:00+08:00"), left);
            assert_eq!(resumed.due(&cal), due, "{unit:?}");
        }
        let hours_due = at("2026-12-01T12:00:00+08:00");
        let left = remaining_at(
            &cal,
            LimitUnit::Hours,
            hours_due,
            at("2026-12-01T10:00:00+08:00"),
        );
        let resumed = Counting::resumed(at("2026-12-01T11:00:00+08:00"), left);
        assert_eq!(resumed.due(&cal), at("2026-12-01T13:00:00+08:00"));
    }

    #[test]
    fn an_extension_lengthens_what_the_clock_counts() {
        let cals = Calendars::national_defaults().unwrap();
        let cal = cals.for_division("320102").unwrap();
        // Started Mon 14 Sep 2026 with 9 working days: 15–18, 20 (make-up Sun), 21–24 Sep;
        // 3 more skip Mid-Autumn (25–27 Sep): 28, 29, 30 Sep.
        let counting =
            Counting::for_limit(at("2026-09-14T10:00:00+08:00"), 9, LimitUnit::WorkingDays);
        assert_eq!(counting.due(&cal), at("2026-09-25T00:00:00+08:00"));
        assert_eq!(
            counting.extended(3, LimitUnit::WorkingDays).due(&cal),
            at("2026-10-01T00:00:00+08:00")
        );
        let hours = Counting::for_limit(at("2026-09-14T10:00:00+08:00"), 2, LimitUnit::Hours);
        assert_eq!(
            hours.extended(1, LimitUnit::Hours).due(&cal),
            at("2026-09-14T13:00:00+08:00")
        );
    }

    #[test]
    fn counting_from_the_start_agrees_with_the_calendar_arithmetic() {
        let cals = Calendars::national_defaults().unwrap();
        let cal = cals.for_division("320102").unwrap();
        let start = at("2026-01-31T10:00:00+08:00");
        for (value, unit) in [
            (5, LimitUnit::WorkingDays),
            (7, LimitUnit::NaturalDays),
            (1, LimitUnit::Months),
            (3, LimitUnit::Hours),
        ] {
            let calendar_unit = match unit {
                LimitUnit::WorkingDays => govhall_calendar::Unit::WorkingDays,
                LimitUnit::NaturalDays => govhall_calendar::Unit::NaturalDays,
                LimitUnit::Months => govhall_calendar::Unit::Months,
                LimitUnit::Hours => govhall_calendar::Unit::Hours,
            };
            let expected = govhall_calendar::due(
                &cal,
                start,
                govhall_calendar::Limit {
                    value,
                    unit: calendar_unit,
                },
            )
            .due_at;
            assert_eq!(
                Counting::for_limit(start, value, unit).due(&cal),
                expected,
                "{unit:?}"
            );
        }
    }

    #[test]
    fn the_ladder_fires_at_three_and_one_working_days_left_then_red_at_the_due_time() {
        let cals = Calendars::national_defaults().unwrap();
        let cal = cals.for_division("320102").unwrap();
        // Due at the end of Tue 24 Feb 2026: 3 working days left from the start of Fri 13
        // Feb (13, 14 make-up Sat, 24), 1 left from the start of 24 Feb.
        let times = ladder_times(
            &cal,
            Ladder::default(),
            LimitUnit::WorkingDays,
            at("2026-02-25T00:00:00+08:00"),
        );
        assert_eq!(
            times,
            vec![
                (Step::Warning, at("2026-02-13T00:00:00+08:00")),
                (Step::Yellow, at("2026-02-24T00:00:00+08:00")),
                (Step::Red, at("2026-02-25T00:00:00+08:00")),
            ]
        );
        assert_eq!(next_step(&times, None).map(|s| s.0), Some(Step::Warning));
        assert_eq!(
            next_step(&times, Some(Step::Yellow)).map(|s| s.0),
            Some(Step::Red)
        );
        assert_eq!(next_step(&times, Some(Step::Red)), None);
        let hours = ladder_times(
            &cal,
            Ladder::default(),
            LimitUnit::Hours,
            at("2026-02-25T10:00:00+08:00"),
        );
        assert_eq!(hours, vec![(Step::Red, at("2026-02-25T10:00:00+08:00"))]);
    }
}

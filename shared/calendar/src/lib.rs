#![doc = include_str!("../README.md")]
//!
//! Modules: [`data`] (calendars of years and their layering by division), [`due`] (the
//! arithmetic).

pub mod data;
pub mod due;

pub use data::{Calendars, DayOverride, YearCalendar};
pub use due::{Due, Limit, Unit, due, working_days_between};

/// Why calendar data was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    /// The data does not parse.
    #[error("calendar data is malformed: {0}")]
    Malformed(String),
    /// A date outside the year it claims to describe.
    #[error("{date} is not in {year}")]
    OutsideYear {
        /// The year of the calendar.
        year: i32,
        /// The offending date.
        date: chrono::NaiveDate,
    },
    /// A holiday range that ends before it starts.
    #[error("holiday {name} ends before it starts")]
    BackwardsRange {
        /// Its name.
        name: String,
    },
    /// A day declared both a holiday and a make-up workday.
    #[error("{0} is both a holiday and a make-up workday")]
    Contradiction(chrono::NaiveDate),
    /// Not a six-digit GB/T 2260 division code.
    #[error("`{0}` is not a six-digit division code")]
    Division(String),
}

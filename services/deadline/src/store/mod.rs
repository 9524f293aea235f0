//! Tables of the deadline service.

pub mod calendar_changes;
pub mod calendar_years;
pub mod clocks;
pub mod history;
pub mod recomputes;
pub mod stop_marks;

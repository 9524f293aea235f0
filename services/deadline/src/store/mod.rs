//! Tables of the deadline service.

pub mod clocks;
pub mod history;

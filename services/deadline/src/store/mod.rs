//! Tables of the deadline service.

pub mod clocks;

//! Pure review rules.

pub mod join;

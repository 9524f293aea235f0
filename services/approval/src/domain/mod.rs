//! Pure review rules.

pub mod join;
pub mod reply;

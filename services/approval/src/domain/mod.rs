//! Pure review rules.

pub mod division;
pub mod join;
pub mod reply;

//! Pure due-time arithmetic.

pub mod due;

//! The public matter catalog.

pub mod list;

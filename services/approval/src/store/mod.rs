//! Tables of the approval service.

pub mod reviews;
pub mod tasks;

//! Tables of the approval service.

pub mod log;
pub mod reviews;
pub mod supplements;
pub mod tasks;

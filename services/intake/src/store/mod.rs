//! Tables of the intake service and the queries on them.

pub mod case_numbers;
pub mod case_reviewers;
pub mod cases;
pub mod drafts;
pub mod idempotency;
pub mod materials;
pub mod matters;
pub mod notices;
pub mod ratings;
pub mod timeline;

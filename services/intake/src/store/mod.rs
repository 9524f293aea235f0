//! Tables of the intake service and the queries on them.

pub mod cases;
pub mod idempotency;

//! Tables of the joint-handling service.

pub mod case_routes;
pub mod division_changes;
pub mod divisions;
pub mod transfers;

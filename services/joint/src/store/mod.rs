//! Tables of the joint-handling service.

pub mod case_routes;

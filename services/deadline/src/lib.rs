#![doc = include_str!("../README.md")]
//!
//! Modules: [`startup`], [`calendars`] (the calendars in force), [`domain`] (due-time rules), [`store`] (clocks and their history),
//! [`ops`] (operations on a clock), [`recompute`] (due dates after a calendar change), [`scheduler`] (the warning ladder), [`routes`],
//! [`consumers`], [`migrations`].

pub mod calendars;
pub mod consumers;
pub mod domain;
pub mod migrations;
pub mod ops;
pub mod recompute;
pub mod routes;
pub mod scheduler;
pub mod startup;
pub mod store;

pub use startup::{ApiDoc, Application};

/// Name of this service.
pub const SERVICE: &str = govhall_contracts::topology::service::DEADLINE;

#![doc = include_str!("../README.md")]
//!
//! Modules: [`startup`], [`domain`] (due-time arithmetic), [`store`] (clocks), [`routes`],
//! [`consumers`], [`migrations`].

pub mod consumers;
pub mod domain;
pub mod migrations;
pub mod routes;
pub mod startup;
pub mod store;

pub use startup::{ApiDoc, Application};

/// Name of this service.
pub const SERVICE: &str = govhall_contracts::topology::service::DEADLINE;

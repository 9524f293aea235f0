#![doc = include_str!("../README.md")]
//!
//! Modules: [`startup`], [`domain`] (join rules), [`store`] (reviews and tasks), [`routes`],
//! [`consumers`], [`migrations`].

pub mod consumers;
pub mod decide;
pub mod domain;
pub mod migrations;
pub mod routes;
pub mod startup;
pub mod store;
pub mod supplements;

pub use startup::{ApiDoc, Application};

/// Name of this service.
pub const SERVICE: &str = govhall_contracts::topology::service::APPROVAL;

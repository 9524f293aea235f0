#![doc = include_str!("../README.md")]
//!
//! Modules: [`startup`] (composition), [`domain`] (pure types), [`store`] (tables),
//! [`routes`] (HTTP), [`consumers`] (bus), [`migrations`].

pub mod consumers;
pub mod domain;
pub mod files;
pub mod migrations;
pub mod routes;
pub mod startup;
pub mod store;

pub use startup::{ApiDoc, Application};

/// Name of this service (producer name, queue name).
pub const SERVICE: &str = govhall_contracts::topology::service::INTAKE;

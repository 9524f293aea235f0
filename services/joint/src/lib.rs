#![doc = include_str!("../README.md")]
//!
//! Modules: [`startup`], [`store`] (routes), [`routes`] (HTTP), [`consumers`], [`migrations`].

pub mod chain;
pub mod consumers;
pub mod domain;
pub mod migrations;
pub mod routes;
pub mod startup;
pub mod store;

pub use startup::{ApiDoc, Application};

/// Name of this service.
pub const SERVICE: &str = govhall_contracts::topology::service::JOINT;

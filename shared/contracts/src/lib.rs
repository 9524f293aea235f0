#![doc = include_str!("../README.md")]
//!
//! Modules: [`division`] (division codes and what lies below them), [`envelope`] (the wrapper and the [`Event`] trait), [`events`] (payloads by
//! producer), [`routing`] (routing keys), [`topology`] (who consumes what).

pub mod division;
pub mod envelope;
pub mod events;
pub mod routing;
pub mod topology;

pub use envelope::{Envelope, Event};

#![doc = include_str!("../README.md")]
//!
//! Modules: [`problem`], [`extract`], [`health`], [`request_id`], [`auth`].

pub mod auth;
pub mod extract;
pub mod health;
pub mod problem;
pub mod request_id;

pub use auth::{InternalKey, Principal, PrincipalKind, Role};
pub use extract::{Json, ValidatedJson};
pub use problem::{FieldError, Problem};
pub use request_id::RequestContext;

#![doc = include_str!("../README.md")]
//!
//! Modules: [`settings`](GatewaySettings) (typed settings), `startup` ([`Application`]),
//! `routes` (the prefix → upstream table), `auth` (bearer tokens and the anonymous
//! allow-list), `proxy` (the streaming reverse proxy), `readiness` (upstream probes),
//! `error` (the gateway's own problem+json errors) and [`dev_issuer`].

pub mod access;
mod auth;
pub mod dev_issuer;
mod error;
pub mod limits;
pub mod oidc;
mod proxy;
mod readiness;
mod routes;
mod settings;
mod startup;

pub use auth::Caller;
pub use settings::{GatewaySettings, Upstreams};
pub use startup::Application;

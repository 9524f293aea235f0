//! Gateway integration tests: a real gateway in front of a real echo upstream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_keys;
mod auth;
mod edges;
mod helpers;
mod limits;
mod local_routes;
mod matrix;
mod oidc;
mod portal;
mod proxying;

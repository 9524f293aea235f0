//! End-to-end: the walking skeleton through the gateway and every service, on both
//! backends — `govhall standalone` (SQLite, in-process bus) and one `govhall serve`
//! process per service on PostgreSQL and RabbitMQ.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod audit;
mod cluster;
mod deployments;
mod distributed;
mod flow;
mod helpers;
mod isolation;
mod replicas;
mod standalone;
mod traces;

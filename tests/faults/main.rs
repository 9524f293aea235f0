//! Fault tests: under a steady load of cases flowing through every service, each service is
//! killed with SIGKILL at a random moment and started again, the broker's connections are
//! closed, the RabbitMQ application is stopped and started, PostgreSQL is restarted, a poison
//! message is sent, and every message is delivered twice. Afterwards every case must have
//! completed, no effect may exist twice and no message may be left unacknowledged.
//!
//! They stop servers the other suites use, so they run on their own: `.config/nextest.toml`
//! leaves this binary out of a plain `cargo nextest run`, and `scripts/test.sh` runs it
//! afterwards with `--ignore-default-filter`. Every stopped server is started again when the
//! test ends, whatever happens (see `broker`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, dead_code)]

#[path = "../e2e/audit.rs"]
mod audit;
mod broker;
#[path = "../e2e/cluster.rs"]
mod cluster;
mod distributed;
mod driver;
#[path = "../e2e/flow.rs"]
mod flow;
#[path = "../e2e/helpers.rs"]
mod helpers;
mod standalone;

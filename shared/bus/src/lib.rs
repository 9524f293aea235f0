#![doc = include_str!("../README.md")]
//!
//! Modules: [`memory`] (in-process bus), [`rabbitmq`] (lapin), [`outbox`] (transactional
//! outbox table + relay), [`inbox`] (idempotent consumption), [`migration`] (the outbox and
//! inbox tables, included by every service's migrator).

pub mod inbox;
pub mod memory;
pub mod migration;
pub mod outbox;
pub mod rabbitmq;
pub mod transient;
pub mod txn;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use govhall_contracts::Envelope;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use memory::{MemoryBus, MemoryBusConfig};
pub use migration::CreateOutboxAndInbox;
pub use outbox::{Relay, RelayHandle};
pub use rabbitmq::{RabbitBus, RabbitBusConfig};
pub use txn::begin_write;

/// Names of exchanges and queues, all under one prefix so tests can isolate themselves.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Prefix of every exchange and queue name, e.g. `govhall.` (tests use a random one).
    pub prefix: String,
    /// Deliveries of one message before it is dead-lettered.
    pub delivery_limit: u32,
    /// Delete idle queues after this many milliseconds (tests only; `None` in production).
    pub queue_expires_ms: Option<u64>,
}

impl Topology {
    /// The topic exchange every event is published to: `<prefix>events`.
    pub fn exchange(&self) -> String {
        format!("{}events", self.prefix)
    }
    /// The queue of a consuming service: `<prefix><service>`.
    pub fn queue(&self, service: &str) -> String {
        format!("{}{}", self.prefix, service)
    }
    /// The dead-letter exchange: `<prefix>dlx`.
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}dlx", self.prefix)
    }
    /// The dead-letter queue of a service: `<prefix><service>.dead`.
    pub fn dead_letter_queue(&self, service: &str) -> String {
        format!("{}{}.dead", self.prefix, service)
    }
}

/// Why a bus operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// No queue is bound to the message's routing key.
    #[error("message {0} is unroutable")]
    Unroutable(String),
    /// The broker refused the message (nack).
    #[error("broker refused message {0}")]
    Nacked(String),
    /// The broker did not confirm in time.
    #[error("broker did not confirm message {0} in time")]
    Timeout(String),
    /// Not connected to the broker.
    #[error("not connected to the broker")]
    Disconnected,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Handles one delivered message. `Ok` acknowledges it; `Err` has it redelivered with backoff,
/// and after the delivery limit it is dead-lettered.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Handle one message. Must be idempotent (use [`inbox`]).
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()>;
}

/// A message bus: publish with confirmation, consume with acknowledgement.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Declares the exchange, every service queue with its bindings (from
    /// `govhall_contracts::topology::SUBSCRIPTIONS`), the dead-letter exchange and queues.
    /// Idempotent; every service calls it at start.
    async fn declare(&self) -> Result<(), BusError>;

    /// Publishes messages (in order) and waits until each is confirmed. The result has one
    /// entry per message: `Ok` only once the broker acknowledged that message.
    async fn publish(&self, messages: &[Envelope]) -> Vec<Result<(), BusError>>;

    /// Consumes the queue of `service` until `shutdown` is cancelled, reconnecting after
    /// broker failures. A message is acknowledged only after `handler` returned `Ok`.
    fn consume(
        &self,
        service: &str,
        handler: Arc<dyn Handler>,
        shutdown: CancellationToken,
    ) -> JoinHandle<()>;

    /// Is the broker reachable (for `/readyz`)?
    async fn ready(&self) -> Result<(), BusError>;

    /// Takes up to `max` messages from the dead-letter queue of `service` (for operators and tests).
    async fn take_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError>;

    /// Up to `max` dead letters of `service`, oldest first, left where they are (for operators).
    async fn peek_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError>;

    /// Hands up to `max` dead letters of `service` back to that service's queue (and only to
    /// it: the other consumers already had theirs), e.g. once the fault that failed them is
    /// fixed. Returns how many went back.
    async fn requeue_dead_letters(&self, service: &str, max: usize) -> Result<usize, BusError>;
}

/// A message its consumer could not handle within the delivery limit (死信), kept for
/// operators with why it failed.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// The message as it was published.
    pub envelope: Envelope,
    /// Why: the handler's last error, or the broker's reason (`delivery_limit`, `rejected`)
    /// when the broker dead-lettered it.
    pub reason: String,
    /// Deliveries before it was given up.
    pub deliveries: u32,
    /// When it was given up, when known.
    pub dead_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The longest reason kept with a dead letter; a handler's error chain can be long.
pub const MAX_REASON_CHARS: usize = 1000;

/// `error` as a dead letter's reason: the whole chain on one line, at most
/// [`MAX_REASON_CHARS`] characters.
pub fn dead_letter_reason(error: &anyhow::Error) -> String {
    let full = format!("{error:#}");
    match full.char_indices().nth(MAX_REASON_CHARS) {
        Some((cut, _)) => format!("{}…", &full[..cut]),
        None => full,
    }
}

/// A [`Handler`] made from an async closure that receives its own copy of the message.
struct FnHandler<F>(F);

#[async_trait]
impl<F, Fut> Handler for FnHandler<F>
where
    F: Fn(Envelope) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        (self.0)(message.clone()).await
    }
}

/// Wraps an async closure as a handler: `handler_fn(|message| async move { ... })`.
pub fn handler_fn<F, Fut>(handle: F) -> Arc<dyn Handler>
where
    F: Fn(Envelope) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    Arc::new(FnHandler(handle))
}

/// Exponential backoff: `base` after the first attempt, doubling per attempt, at most `max`.
pub(crate) fn backoff(base: Duration, attempt: u32, max: Duration) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
    base.saturating_mul(factor).min(max)
}

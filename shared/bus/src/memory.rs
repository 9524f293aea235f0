//! An in-process bus with the RabbitMQ contract, for the single-binary deployment and tests.
//!
//! One queue per entry of `SUBSCRIPTIONS`, bound with the same topic patterns. A handler error
//! has the message redelivered after a growing backoff; after `delivery_limit` deliveries it
//! goes to the service's dead-letter list.
//!
//! Durability: an in-process queue dies with the process, so "the broker has it" means less
//! than with RabbitMQ. `publish` therefore returns `Ok` only once every queue the message was
//! routed to has *settled* it (handler returned `Ok`, or the message was dead-lettered); the
//! relay marks its outbox row sent only then, and a crash or a shutdown before that leaves
//! the row to be published again (consumers de-duplicate through their inbox). A message
//! routed to a queue with no consumer running waits there, and its publisher waits for it
//! up to the settle timeout, then gets `Timeout` and its row stays in the outbox: a consumer
//! that stopped first at shutdown cannot make another service's relay drop a message.
//!
//! Because of that wait, a handler must not publish through the bus itself (it would wait
//! for its own queue); handlers write to the outbox, and the relay publishes.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use futures::future::join_all;
use govhall_contracts::Envelope;
use govhall_contracts::topology::{SUBSCRIPTIONS, Subscription, topic_matches};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{Bus, BusError, DeadLetter, Handler, Topology, backoff};

/// The in-process bus. Cheap to clone; clones share the queues.
#[derive(Clone)]
pub struct MemoryBus {
    inner: Arc<Inner>,
}

struct Inner {
    topology: Topology,
    config: MemoryBusConfig,
    queues: Mutex<HashMap<&'static str, Arc<Queue>>>,
}

struct Queue {
    subscription: Subscription,
    state: Mutex<QueueState>,
    /// Wakes idle consumers when a message is pushed.
    wake: Notify,
}

#[derive(Default)]
struct QueueState {
    ready: VecDeque<Pending>,
    consumers: usize,
    dead: VecDeque<DeadLetter>,
}

struct Pending {
    envelope: Envelope,
    deliveries: u32,
    /// Resolved when the message is settled (or parked in a queue without consumer).
    settled: Option<oneshot::Sender<()>>,
}

/// Locks a mutex, ignoring poisoning: the guarded data stays consistent because no code path
/// panics while holding these locks.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Timing of the in-process bus.
#[derive(Debug, Clone)]
pub struct MemoryBusConfig {
    /// How long `publish` waits for running consumers to settle a message before `Timeout`.
    pub settle_timeout: Duration,
    /// Backoff before the first redelivery; it doubles with every delivery.
    pub retry_base: Duration,
    /// Upper bound of the redelivery backoff.
    pub retry_max: Duration,
}

impl Default for MemoryBusConfig {
    fn default() -> Self {
        Self {
            settle_timeout: Duration::from_secs(30),
            retry_base: Duration::from_millis(50),
            retry_max: Duration::from_secs(2),
        }
    }
}

impl MemoryBus {
    /// A bus with the default timing (settle timeout 30 s, backoff 50 ms doubling, ≤ 2 s).
    pub fn new(topology: Topology) -> Self {
        Self::with_config(topology, MemoryBusConfig::default())
    }

    /// A bus with the given timing (tests use a short backoff).
    pub fn with_config(topology: Topology, config: MemoryBusConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                topology,
                config,
                queues: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The topology this bus was built with.
    pub fn topology(&self) -> &Topology {
        &self.inner.topology
    }
}

impl Inner {
    fn queue(&self, service: &str) -> Option<Arc<Queue>> {
        lock(&self.queues).get(service).cloned()
    }

    fn declared(&self, service: &str) -> Result<Arc<Queue>, BusError> {
        self.queue(service)
            .ok_or_else(|| BusError::Unexpected(anyhow::anyhow!("no queue for service {service}")))
    }
}

impl Queue {
    /// Appends a message; its publisher is released when it is settled.
    fn push(&self, pending: Pending) {
        self.enqueue(pending, false);
    }

    fn enqueue(&self, pending: Pending, front: bool) {
        let mut state = lock(&self.state);
        if front {
            state.ready.push_front(pending);
        } else {
            state.ready.push_back(pending);
        }
        drop(state);
        self.wake.notify_waiters();
    }
}

/// A running consumer of a queue; dropping it (end, or the task aborted) unregisters it.
struct Registration(Arc<Queue>);

impl Registration {
    fn new(queue: Arc<Queue>) -> Self {
        lock(&queue.state).consumers += 1;
        Self(queue)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Parked messages stay queued, as in a broker queue without consumers; their
        // publishers keep waiting (and time out) rather than being told they were handled.
        lock(&self.0.state).consumers -= 1;
    }
}

/// A delivered, unsettled message. If its consumer task is aborted mid-handler the message
/// goes back to the head of the queue, like an unacknowledged delivery on a lost channel.
struct InFlight<'q> {
    queue: &'q Queue,
    pending: Option<Pending>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(pending) = self.pending.take() {
            self.queue.enqueue(pending, true);
        }
    }
}

fn release(pending: &mut Pending) {
    if let Some(settled) = pending.settled.take() {
        // The publisher may have timed out and gone; nothing to tell then.
        let _ = settled.send(());
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn declare(&self) -> Result<(), BusError> {
        let mut queues = lock(&self.inner.queues);
        for subscription in SUBSCRIPTIONS {
            queues.entry(subscription.service).or_insert_with(|| {
                Arc::new(Queue {
                    subscription: *subscription,
                    state: Mutex::new(QueueState::default()),
                    wake: Notify::new(),
                })
            });
        }
        Ok(())
    }

    async fn publish(&self, messages: &[Envelope]) -> Vec<Result<(), BusError>> {
        let queues: Vec<Arc<Queue>> = lock(&self.inner.queues).values().cloned().collect();
        let waits = messages.iter().map(|message| {
            let key = message.routing_key();
            let mut receivers = Vec::new();
            for queue in &queues {
                if queue
                    .subscription
                    .patterns
                    .iter()
                    .any(|pattern| topic_matches(pattern, &key))
                {
                    let (settled, receiver) = oneshot::channel();
                    let pending = Pending {
                        envelope: message.clone(),
                        deliveries: 0,
                        settled: Some(settled),
                    };
                    queue.push(pending);
                    receivers.push(receiver);
                }
            }
            let id = message.message_id.to_string();
            let timeout = self.inner.config.settle_timeout;
            async move {
                if receivers.is_empty() {
                    return Err(BusError::Unroutable(id));
                }
                match tokio::time::timeout(timeout, join_all(receivers)).await {
                    Err(_) => Err(BusError::Timeout(id)),
                    Ok(results) if results.iter().all(Result::is_ok) => Ok(()),
                    Ok(_) => Err(BusError::Unexpected(anyhow::anyhow!("the bus was dropped"))),
                }
            }
        });
        // Routed above in order; the waits run concurrently under one timeout each.
        let waits: Vec<_> = waits.collect();
        join_all(waits).await
    }

    fn consume(
        &self,
        service: &str,
        handler: Arc<dyn Handler>,
        shutdown: CancellationToken,
    ) -> JoinHandle<()> {
        let inner = Arc::clone(&self.inner);
        let service = service.to_owned();
        // Registered before returning, so a publish right after `consume` waits for it.
        let registered = inner.queue(&service).map(Registration::new);
        tokio::spawn(async move {
            let registration = match registered {
                Some(registration) => registration,
                None => match wait_for_queue(&inner, &service, &shutdown).await {
                    Some(queue) => Registration::new(queue),
                    None => return,
                },
            };
            run_consumer(&inner, &registration.0, handler.as_ref(), &shutdown).await;
        })
    }

    async fn ready(&self) -> Result<(), BusError> {
        Ok(())
    }

    async fn take_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        let queue = self.inner.declared(service)?;
        let mut state = lock(&queue.state);
        let take = max.min(state.dead.len());
        Ok(state.dead.drain(..take).collect())
    }

    async fn peek_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        let queue = self.inner.declared(service)?;
        let state = lock(&queue.state);
        Ok(state.dead.iter().take(max).cloned().collect())
    }

    async fn requeue_dead_letters(&self, service: &str, max: usize) -> Result<usize, BusError> {
        let queue = self.inner.declared(service)?;
        let letters: Vec<DeadLetter> = {
            let mut state = lock(&queue.state);
            let take = max.min(state.dead.len());
            state.dead.drain(..take).collect()
        };
        let count = letters.len();
        for letter in letters {
            // A fresh delivery count: the operator gives it a whole new set of attempts.
            queue.push(Pending {
                envelope: letter.envelope,
                deliveries: 0,
                settled: None,
            });
        }
        Ok(count)
    }
}

/// Like a broker consumer on an undeclared queue: retry until `declare` ran.
async fn wait_for_queue(
    inner: &Inner,
    service: &str,
    shutdown: &CancellationToken,
) -> Option<Arc<Queue>> {
    let mut warned = false;
    loop {
        if let Some(queue) = inner.queue(service) {
            return Some(queue);
        }
        if !warned {
            tracing::warn!(bus.queue = %inner.topology.queue(service), "queue not declared yet; waiting");
            warned = true;
        }
        tokio::select! {
            () = shutdown.cancelled() => return None,
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

async fn run_consumer(
    inner: &Arc<Inner>,
    queue: &Arc<Queue>,
    handler: &dyn Handler,
    shutdown: &CancellationToken,
) {
    loop {
        // Register interest before looking, so a push between the two is not missed.
        let woken = queue.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if shutdown.is_cancelled() {
            return;
        }
        let next = lock(&queue.state).ready.pop_front();
        let Some(mut pending) = next else {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = woken => continue,
            }
        };
        pending.deliveries += 1;
        let mut in_flight = InFlight {
            queue,
            pending: Some(pending),
        };
        let outcome = match &in_flight.pending {
            Some(pending) => {
                crate::transient::handle_holding(
                    handler,
                    &pending.envelope,
                    shutdown,
                    inner.config.retry_base,
                    inner.config.retry_max,
                )
                .await
            }
            None => continue,
        };
        let Some(mut pending) = in_flight.pending.take() else {
            continue;
        };
        let error = match outcome {
            Ok(()) => {
                release(&mut pending);
                continue;
            }
            Err(error) => error,
        };
        let service = queue.subscription.service;
        if pending.deliveries >= inner.topology.delivery_limit {
            tracing::error!(
                bus.queue = %inner.topology.queue(service),
                message.id = %pending.envelope.message_id,
                message.deliveries = pending.deliveries,
                error = format!("{error:#}"),
                "delivery limit reached; dead-lettering the message"
            );
            lock(&queue.state).dead.push_back(DeadLetter {
                envelope: pending.envelope.clone(),
                reason: crate::dead_letter_reason(&error),
                deliveries: pending.deliveries,
                dead_at: Some(chrono::Utc::now()),
            });
            release(&mut pending);
            continue;
        }
        let delay = backoff(
            inner.config.retry_base,
            pending.deliveries,
            inner.config.retry_max,
        );
        tracing::warn!(
            bus.queue = %inner.topology.queue(service),
            message.id = %pending.envelope.message_id,
            message.deliveries = pending.deliveries,
            retry_in_ms = delay.as_millis() as u64,
            error = format!("{error:#}"),
            "handler failed; message will be redelivered"
        );
        // Requeue at the back after the backoff, without blocking the messages behind it.
        let queue = Arc::clone(queue);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            queue.push(pending);
        });
    }
}

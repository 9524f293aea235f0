//! The RabbitMQ bus (lapin): declares the topology, publishes with publisher confirms,
//! consumes with manual acknowledgements and rebuilds connections after failures.
//!
//! lapin does not reconnect by itself (its auto-recovery is off by default and does not
//! cover every failure), so this module does: the publisher side reopens its connection and
//! channel on the next call after a failure, and every consumer runs a loop that rebuilds
//! its connection, channel and consumer. Declaring the topology is in `declare`.

mod consumer;
mod dead;
mod declare;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::future::join_all;
use govhall_contracts::Envelope;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{Bus, BusError, DeadLetter, Handler, Topology};

/// Timing and flow control of the RabbitMQ bus.
#[derive(Debug, Clone)]
pub struct RabbitBusConfig {
    /// How long a publish waits for the broker's confirm before `Timeout`.
    pub confirm_timeout: Duration,
    /// How long connecting to the broker may take.
    pub connect_timeout: Duration,
    /// Unacknowledged deliveries the broker may push to one consumer (basic.qos).
    pub prefetch: u16,
    /// Backoff before the first redelivery; it doubles with every delivery.
    pub retry_base: Duration,
    /// Upper bound of the redelivery backoff and of the reconnect delay.
    pub retry_max: Duration,
}

impl Default for RabbitBusConfig {
    fn default() -> Self {
        Self {
            confirm_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            // Enough to hide the round trip per message, small enough that one slow consumer
            // does not hoard messages that a competing replica could handle.
            prefetch: 16,
            retry_base: Duration::from_millis(50),
            retry_max: Duration::from_secs(2),
        }
    }
}

/// The RabbitMQ bus. Cheap to clone; clones share the publisher connection.
#[derive(Clone)]
pub struct RabbitBus {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    topology: Topology,
    config: RabbitBusConfig,
    /// Connection and confirm-mode channel for publishing, declaring and dead letters;
    /// opened lazily, reopened when found broken.
    link: Mutex<Option<Link>>,
}

struct Link {
    // Dropping the connection closes it, so it lives as long as its channel is used.
    connection: Connection,
    channel: Channel,
}

impl RabbitBus {
    /// A bus for the broker at `amqp_url`; it connects on first use.
    pub fn new(amqp_url: impl Into<String>, topology: Topology) -> Self {
        Self::with_config(amqp_url, topology, RabbitBusConfig::default())
    }

    /// A bus with the given timing (tests use a short backoff).
    pub fn with_config(
        amqp_url: impl Into<String>,
        topology: Topology,
        config: RabbitBusConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                url: amqp_url.into(),
                topology,
                config,
                link: Mutex::new(None),
            }),
        }
    }

    /// The topology this bus was built with.
    pub fn topology(&self) -> &Topology {
        &self.inner.topology
    }
}

impl Inner {
    async fn connect(&self, name: &str) -> Result<Connection, BusError> {
        let properties = ConnectionProperties::default().with_connection_name(name.into());
        match tokio::time::timeout(
            self.config.connect_timeout,
            Connection::connect(&self.url, properties),
        )
        .await
        {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "cannot connect to RabbitMQ");
                Err(BusError::Disconnected)
            }
            Err(_) => {
                tracing::warn!("connecting to RabbitMQ timed out");
                Err(BusError::Disconnected)
            }
        }
    }

    /// The shared confirm-mode channel, reopening connection or channel when broken.
    async fn channel(&self) -> Result<Channel, BusError> {
        let mut link = self.link.lock().await;
        let healthy =
            |l: &&Link| l.connection.status().connected() && l.channel.status().connected();
        if let Some(current) = link.as_ref().filter(healthy) {
            return Ok(current.channel.clone());
        }
        let reusable = link
            .take()
            .map(|old| old.connection)
            .filter(|c| c.status().connected());
        let connection = match reusable {
            Some(connection) => connection,
            None => {
                self.connect(&format!("{}publisher", self.topology.prefix))
                    .await?
            }
        };
        let channel = connection.create_channel().await.map_err(disconnected)?;
        // Publisher confirms: a publish counts only once the broker has taken responsibility.
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(disconnected)?;
        *link = Some(Link {
            connection,
            channel: channel.clone(),
        });
        Ok(channel)
    }
}

fn disconnected(error: lapin::Error) -> BusError {
    tracing::warn!(error = %error, "RabbitMQ channel failed");
    BusError::Disconnected
}

fn unexpected(error: lapin::Error) -> BusError {
    BusError::Unexpected(anyhow::Error::new(error))
}

fn properties(message: &Envelope) -> BasicProperties {
    let mut headers = FieldTable::default();
    if let Some(traceparent) = &message.traceparent {
        // W3C trace context travels in the AMQP headers as well as in the envelope.
        headers.insert(
            "traceparent".into(),
            AMQPValue::LongString(LongString::from(traceparent.as_str())),
        );
    }
    BasicProperties::default()
        .with_content_type("application/json".into())
        // Persistent: the message survives a broker restart (quorum queues persist anyway).
        .with_delivery_mode(2)
        .with_message_id(message.message_id.to_string().into())
        .with_type(ShortString::from(message.message_type.as_str()))
        .with_correlation_id(message.correlation_id.to_string().into())
        .with_app_id(ShortString::from(message.producer.as_str()))
        .with_timestamp(u64::try_from(message.occurred_at.timestamp()).unwrap_or_default())
        .with_headers(headers)
}

#[async_trait]
impl Bus for RabbitBus {
    async fn declare(&self) -> Result<(), BusError> {
        let channel = self.inner.channel().await?;
        declare::declare(&channel, &self.inner.topology).await
    }

    async fn publish(&self, messages: &[Envelope]) -> Vec<Result<(), BusError>> {
        let inner = &self.inner;
        let channel = match inner.channel().await {
            Ok(channel) => channel,
            Err(_) => {
                return messages
                    .iter()
                    .map(|_| Err(BusError::Disconnected))
                    .collect();
            }
        };
        let exchange = inner.topology.exchange();
        // Everything goes out first; the confirms are awaited together afterwards (waiting for
        // each before the next publish caps throughput at the round-trip rate).
        let mut in_flight = Vec::with_capacity(messages.len());
        for message in messages {
            let sent = match message.to_bytes() {
                Err(error) => Err(BusError::Unexpected(error.into())),
                Ok(body) => channel
                    .basic_publish(
                        exchange.as_str().into(),
                        message.routing_key().as_ref().into(),
                        // Mandatory: an unroutable message comes back instead of vanishing.
                        BasicPublishOptions {
                            mandatory: true,
                            ..Default::default()
                        },
                        &body,
                        properties(message),
                    )
                    .await
                    .map_err(disconnected),
            };
            in_flight.push((message.message_id.to_string(), sent));
        }
        let timeout = inner.config.confirm_timeout;
        join_all(in_flight.into_iter().map(|(id, sent)| async move {
            let confirm = sent?;
            match tokio::time::timeout(timeout, confirm).await {
                Err(_) => Err(BusError::Timeout(id)),
                Ok(Err(error)) => Err(disconnected(error)),
                Ok(Ok(Confirmation::Ack(None))) => Ok(()),
                Ok(Ok(Confirmation::Ack(Some(_returned)))) => Err(BusError::Unroutable(id)),
                Ok(Ok(Confirmation::Nack(_))) => Err(BusError::Nacked(id)),
                Ok(Ok(Confirmation::NotRequested)) => Err(BusError::Unexpected(anyhow::anyhow!(
                    "publisher confirms are off on the channel"
                ))),
            }
        }))
        .await
    }

    fn consume(
        &self,
        service: &str,
        handler: Arc<dyn Handler>,
        shutdown: CancellationToken,
    ) -> JoinHandle<()> {
        let inner = Arc::clone(&self.inner);
        let service = service.to_owned();
        tokio::spawn(async move { consumer::run(inner, service, handler, shutdown).await })
    }

    async fn ready(&self) -> Result<(), BusError> {
        self.inner.channel().await.map(drop)
    }

    async fn take_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        dead::take(&self.inner, service, max).await
    }

    async fn peek_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        dead::peek(&self.inner, service, max).await
    }

    async fn requeue_dead_letters(&self, service: &str, max: usize) -> Result<usize, BusError> {
        dead::requeue(&self.inner, service, max).await
    }
}

//! The consume loop: connection, channel and consumer are rebuilt after every failure until
//! shutdown; each delivery is acknowledged only after its handler returned `Ok`.

use std::sync::Arc;

use futures::StreamExt;
use govhall_contracts::Envelope;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection, Consumer};
use tokio_util::sync::CancellationToken;

use super::{Inner, dead};
use crate::{Handler, backoff};

/// Consumes the queue of `service` until `shutdown`, reconnecting with backoff.
pub(super) async fn run(
    inner: Arc<Inner>,
    service: String,
    handler: Arc<dyn Handler>,
    shutdown: CancellationToken,
) {
    let queue = inner.topology.queue(&service);
    let mut failures = 0u32;
    while !shutdown.is_cancelled() {
        let error = match open(&inner, &service, &queue).await {
            Ok(session) => {
                failures = 0;
                tracing::info!(bus.queue = %queue, "consuming");
                match session
                    .run(&inner, &service, handler.as_ref(), &shutdown)
                    .await
                {
                    Ok(()) => return,
                    Err(error) => error,
                }
            }
            Err(error) => error,
        };
        failures = failures.saturating_add(1);
        let delay = backoff(
            inner
                .config
                .retry_base
                .max(std::time::Duration::from_millis(100)),
            failures,
            inner.config.retry_max,
        );
        tracing::warn!(bus.queue = %queue, error = format!("{error:#}"), retry_in_ms = delay.as_millis() as u64, "consumer lost; reconnecting");
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

struct Session {
    // Held so the connection stays open while the consumer runs.
    connection: Connection,
    channel: Channel,
    consumer: Consumer,
}

async fn open(inner: &Inner, service: &str, queue: &str) -> anyhow::Result<Session> {
    let connection = inner
        .connect(&format!("{}consumer.{service}", inner.topology.prefix))
        .await?;
    let channel = connection.create_channel().await?;
    // Bounded prefetch: acks are manual, so this caps unacknowledged messages in flight.
    channel
        .basic_qos(inner.config.prefetch, BasicQosOptions::default())
        .await?;
    let tag = format!("{service}-{}", uuid::Uuid::now_v7());
    let consumer = channel
        .basic_consume(
            queue.into(),
            tag.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok(Session {
        connection,
        channel,
        consumer,
    })
}

impl Session {
    /// Handles deliveries in order; `Ok` on shutdown, `Err` when the stream broke.
    async fn run(
        mut self,
        inner: &Inner,
        service: &str,
        handler: &dyn Handler,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<()> {
        loop {
            let next = tokio::select! {
                // Finish the message at hand (and ack it) before looking at shutdown again.
                biased;
                () = shutdown.cancelled() => {
                    // Unacknowledged prefetched messages return to the queue on close.
                    let _ = self.channel.close(200, "shutdown".into()).await;
                    let _ = self.connection.close(200, "shutdown".into()).await;
                    return Ok(());
                }
                next = self.consumer.next() => next,
            };
            let delivery = match next {
                Some(Ok(delivery)) => delivery,
                Some(Err(error)) => return Err(error.into()),
                None => anyhow::bail!("the broker cancelled the consumer"),
            };
            settle(inner, service, handler, delivery, shutdown).await?;
        }
    }
}

async fn settle(
    inner: &Inner,
    service: &str,
    handler: &dyn Handler,
    delivery: Delivery,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let Ok(envelope) = Envelope::from_bytes(&delivery.data) else {
        tracing::error!(
            message.id = ?delivery.properties.message_id(),
            message.bytes = delivery.data.len(),
            "undecodable message; dead-lettering it"
        );
        // No requeue: redelivering cannot help, and the queue dead-letters rejected messages.
        delivery
            .reject(BasicRejectOptions { requeue: false })
            .await?;
        return Ok(());
    };
    let retry_base = inner
        .config
        .retry_base
        .max(std::time::Duration::from_millis(100));
    let held = crate::transient::handle_holding(
        handler,
        &envelope,
        shutdown,
        retry_base,
        inner.config.retry_max,
    );
    let error = match held.await {
        Ok(()) => {
            delivery.ack(BasicAckOptions::default()).await?;
            return Ok(());
        }
        Err(error) => error,
    };
    // The quorum queue counts earlier deliveries in x-delivery-count.
    let deliveries = delivery_count(&delivery).saturating_add(1);
    let reason = crate::dead_letter_reason(&error);
    if deliveries >= inner.topology.delivery_limit {
        // The last delivery the queue allows: file it with the handler's error as the reason.
        // Should filing fail, the nack below lets the broker dead-letter it (reason
        // `delivery_limit` only).
        tracing::error!(
            message.id = %envelope.message_id,
            message.deliveries = deliveries,
            error = %reason,
            "delivery limit reached; dead-lettering the message"
        );
        let filed = dead::filed_properties(&delivery.properties, &reason, deliveries);
        match dead::file(inner, service, &delivery.data, filed).await {
            Ok(()) => {
                delivery.ack(BasicAckOptions::default()).await?;
                return Ok(());
            }
            Err(error) => tracing::warn!(
                message.id = %envelope.message_id,
                error = %error,
                "could not file the dead letter; the broker dead-letters it instead"
            ),
        }
    }
    let delay = backoff(inner.config.retry_base, deliveries, inner.config.retry_max);
    tracing::warn!(
        message.id = %envelope.message_id,
        message.deliveries = deliveries,
        retry_in_ms = delay.as_millis() as u64,
        error = %reason,
        "handler failed; message will be redelivered"
    );
    // Back to the queue after the backoff, without holding up the messages behind it (a
    // poison message must not block its queue): the nack waits in a task of its own. If
    // the channel closes first, the broker returns the message anyway.
    let acker = delivery.acker.clone();
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = shutdown.cancelled() => {}
            () = tokio::time::sleep(delay) => {}
        }
        let _ = acker
            .nack(BasicNackOptions {
                multiple: false,
                requeue: true,
            })
            .await;
    });
    Ok(())
}

fn delivery_count(delivery: &Delivery) -> u32 {
    let value = delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get("x-delivery-count"));
    let count = match value {
        Some(AMQPValue::LongLongInt(n)) => *n,
        Some(AMQPValue::LongInt(n)) => i64::from(*n),
        Some(AMQPValue::LongUInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortUInt(n)) => i64::from(*n),
        _ => 0,
    };
    u32::try_from(count).unwrap_or(0)
}

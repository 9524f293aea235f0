//! Dead letters on RabbitMQ: the consumer files a message that used up its deliveries in the
//! service's dead-letter queue itself, with the handler's error as the reason (the broker's
//! own dead-lettering, the fallback, only says `delivery_limit`); operators list, take and
//! requeue them.

use chrono::{DateTime, Utc};
use govhall_contracts::Envelope;
use lapin::message::BasicGetMessage;
use lapin::options::{BasicAckOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation};

use super::{Inner, unexpected};
use crate::{BusError, DeadLetter};

/// Why the consumer gave the message up.
const REASON: &str = "x-govhall-reason";
/// How many deliveries it had.
const DELIVERIES: &str = "x-govhall-deliveries";
/// When it was given up (milliseconds since the epoch).
const DEAD_AT: &str = "x-govhall-dead-at";
/// What the broker adds when it dead-letters a message itself.
const X_DEATH: &str = "x-death";
/// Every header that records a death, dropped when a dead letter is requeued.
const DEATH_HEADERS: [&str; 7] = [
    REASON,
    DELIVERIES,
    DEAD_AT,
    X_DEATH,
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
];

/// The properties of a message filed as a dead letter: the original ones plus why, how many
/// deliveries and when.
pub(super) fn filed_properties(
    original: &BasicProperties,
    reason: &str,
    deliveries: u32,
) -> BasicProperties {
    let mut headers = original.headers().clone().unwrap_or_default();
    headers.insert(REASON.into(), AMQPValue::LongString(reason.into()));
    headers.insert(DELIVERIES.into(), AMQPValue::LongUInt(deliveries));
    headers.insert(
        DEAD_AT.into(),
        AMQPValue::LongLongInt(Utc::now().timestamp_millis()),
    );
    original.clone().with_headers(headers)
}

/// Publishes `body` to the dead-letter exchange under `service` and waits for the broker's
/// confirm.
pub(super) async fn file(
    inner: &Inner,
    service: &str,
    body: &[u8],
    properties: BasicProperties,
) -> Result<(), BusError> {
    let channel = inner.channel().await?;
    let exchange = inner.topology.dead_letter_exchange();
    publish_confirmed(inner, &channel, &exchange, service, body, properties).await
}

async fn publish_confirmed(
    inner: &Inner,
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    properties: BasicProperties,
) -> Result<(), BusError> {
    let confirm = channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            },
            body,
            properties,
        )
        .await
        .map_err(unexpected)?;
    match tokio::time::timeout(inner.config.confirm_timeout, confirm).await {
        Err(_) => Err(BusError::Timeout(routing_key.to_owned())),
        Ok(Err(error)) => Err(unexpected(error)),
        Ok(Ok(Confirmation::Ack(None))) => Ok(()),
        Ok(Ok(Confirmation::Ack(Some(_)))) => Err(BusError::Unroutable(routing_key.to_owned())),
        Ok(Ok(Confirmation::Nack(_))) => Err(BusError::Nacked(routing_key.to_owned())),
        Ok(Ok(Confirmation::NotRequested)) => Err(BusError::Unexpected(anyhow::anyhow!(
            "publisher confirms are off on the channel"
        ))),
    }
}

fn header<'a>(properties: &'a BasicProperties, name: &str) -> Option<&'a AMQPValue> {
    properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get(name))
}

fn as_i64(value: &AMQPValue) -> Option<i64> {
    match value {
        AMQPValue::LongLongInt(n) => Some(*n),
        AMQPValue::LongInt(n) => Some(i64::from(*n)),
        AMQPValue::LongUInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortUInt(n) => Some(i64::from(*n)),
        AMQPValue::Timestamp(n) => i64::try_from(*n).ok(),
        _ => None,
    }
}

fn as_text(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

/// The first entry of the broker's `x-death` header (the latest dead-lettering).
fn death(properties: &BasicProperties) -> Option<&FieldTable> {
    match header(properties, X_DEATH)? {
        AMQPValue::FieldArray(entries) => match entries.as_slice().first()? {
            AMQPValue::FieldTable(table) => Some(table),
            _ => None,
        },
        _ => None,
    }
}

/// The dead letter in a message of a dead-letter queue; `None` when its body is no envelope.
fn read(properties: &BasicProperties, body: &[u8]) -> Option<DeadLetter> {
    let envelope = Envelope::from_bytes(body).ok()?;
    let death = death(properties);
    let reason = header(properties, REASON)
        .and_then(as_text)
        .or_else(|| {
            death
                .and_then(|d| d.inner().get("reason"))
                .and_then(as_text)
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let deliveries = header(properties, DELIVERIES)
        .and_then(as_i64)
        .or_else(|| death.and_then(|d| d.inner().get("count")).and_then(as_i64))
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0);
    let dead_at = header(properties, DEAD_AT)
        .and_then(as_i64)
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .or_else(|| {
            // The broker's `time` is an AMQP timestamp in seconds.
            death
                .and_then(|d| d.inner().get("time"))
                .and_then(as_i64)
                .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        });
    Some(DeadLetter {
        envelope,
        reason,
        deliveries,
        dead_at,
    })
}

fn log_undecodable(queue: &str, message: &BasicGetMessage) {
    // Its size and id are logged, never its body (it may carry personal data).
    tracing::error!(
        bus.queue = %queue,
        message.id = ?message.delivery.properties.message_id(),
        message.bytes = message.delivery.data.len(),
        "discarding an undecodable dead letter"
    );
}

/// Takes up to `max` dead letters of `service` (acknowledged: gone from the queue).
pub(super) async fn take(
    inner: &Inner,
    service: &str,
    max: usize,
) -> Result<Vec<DeadLetter>, BusError> {
    let channel = inner.channel().await?;
    let queue = inner.topology.dead_letter_queue(service);
    let mut taken = Vec::new();
    while taken.len() < max {
        let got = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await;
        let Some(message) = got.map_err(unexpected)? else {
            break;
        };
        match read(&message.delivery.properties, &message.delivery.data) {
            Some(letter) => taken.push(letter),
            // Keeping it would block every dead letter behind it.
            None => log_undecodable(&queue, &message),
        }
        message
            .delivery
            .ack(BasicAckOptions::default())
            .await
            .map_err(unexpected)?;
    }
    Ok(taken)
}

/// Up to `max` dead letters of `service`, left in the queue: read on a channel of their own,
/// never acknowledged, handed back when it closes.
pub(super) async fn peek(
    inner: &Inner,
    service: &str,
    max: usize,
) -> Result<Vec<DeadLetter>, BusError> {
    let connection = inner
        .connect(&format!("{}operator", inner.topology.prefix))
        .await?;
    let channel = connection.create_channel().await.map_err(unexpected)?;
    let queue = inner.topology.dead_letter_queue(service);
    let mut seen = Vec::new();
    let mut last = None;
    while seen.len() < max {
        let got = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await;
        let Some(message) = got.map_err(unexpected)? else {
            break;
        };
        last = Some(message.delivery.delivery_tag);
        match read(&message.delivery.properties, &message.delivery.data) {
            Some(letter) => seen.push(letter),
            None => log_undecodable(&queue, &message),
        }
    }
    if let Some(tag) = last {
        channel
            .basic_nack(
                tag,
                BasicNackOptions {
                    multiple: true,
                    requeue: true,
                },
            )
            .await
            .map_err(unexpected)?;
    }
    let _ = channel.close(200, "peeked".into()).await;
    let _ = connection.close(200, "peeked".into()).await;
    Ok(seen)
}

/// Moves up to `max` dead letters of `service` back to its queue: each is published to that
/// queue alone (default exchange) with confirms, then acknowledged in the dead-letter queue,
/// so a crash in between leaves it in both places, never in neither (the service's inbox
/// absorbs the copy).
pub(super) async fn requeue(inner: &Inner, service: &str, max: usize) -> Result<usize, BusError> {
    let channel = inner.channel().await?;
    let dead_queue = inner.topology.dead_letter_queue(service);
    let target = inner.topology.queue(service);
    let mut moved = 0;
    while moved < max {
        let got = channel
            .basic_get(
                dead_queue.as_str().into(),
                BasicGetOptions { no_ack: false },
            )
            .await;
        let Some(message) = got.map_err(unexpected)? else {
            break;
        };
        let delivery = message.delivery;
        // Back as it was first published: without the reason and the broker's death record.
        let mut headers = FieldTable::default();
        if let Some(original) = delivery.properties.headers() {
            for (name, value) in original.inner() {
                if !DEATH_HEADERS.contains(&name.as_str()) {
                    headers.insert(name.clone(), value.clone());
                }
            }
        }
        let properties = delivery.properties.clone().with_headers(headers);
        publish_confirmed(inner, &channel, "", &target, &delivery.data, properties).await?;
        delivery
            .ack(BasicAckOptions::default())
            .await
            .map_err(unexpected)?;
        moved += 1;
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapin::types::LongString;

    fn envelope_bytes() -> Vec<u8> {
        let envelope = Envelope {
            message_id: uuid::Uuid::now_v7(),
            message_type: "intake.case.submitted".into(),
            schema_version: 1,
            occurred_at: Utc::now().fixed_offset(),
            producer: "intake".into(),
            correlation_id: uuid::Uuid::now_v7(),
            causation_id: None,
            traceparent: None,
            division_code: "320102".into(),
            payload: serde_json::json!({}),
            address: None,
        };
        envelope.to_bytes().unwrap_or_default()
    }

    #[test]
    fn a_filed_dead_letter_reads_back_with_its_reason_and_deliveries() {
        let properties = filed_properties(&BasicProperties::default(), "case 42 is unknown", 5);
        let letter = read(&properties, &envelope_bytes());
        let letter = letter.as_ref();
        assert_eq!(
            letter.map(|l| l.reason.as_str()),
            Some("case 42 is unknown")
        );
        assert_eq!(letter.map(|l| l.deliveries), Some(5));
        assert!(letter.is_some_and(|l| l.dead_at.is_some()));
    }

    #[test]
    fn a_dead_letter_of_the_broker_reads_its_reason_from_x_death() {
        let mut death = FieldTable::default();
        death.insert(
            "reason".into(),
            AMQPValue::LongString(LongString::from("delivery_limit")),
        );
        death.insert("count".into(), AMQPValue::LongLongInt(1));
        death.insert("time".into(), AMQPValue::Timestamp(1_764_000_000));
        let mut headers = FieldTable::default();
        headers.insert(
            X_DEATH.into(),
            AMQPValue::FieldArray(vec![AMQPValue::FieldTable(death)].into()),
        );
        let properties = BasicProperties::default().with_headers(headers);
        let letter = read(&properties, &envelope_bytes());
        assert_eq!(
            letter.as_ref().map(|l| l.reason.as_str()),
            Some("delivery_limit")
        );
        assert!(letter.is_some_and(|l| l.dead_at.is_some()));
    }

    #[test]
    fn a_body_that_is_no_envelope_is_no_dead_letter() {
        assert!(read(&BasicProperties::default(), b"not json").is_none());
    }
}

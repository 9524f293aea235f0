//! Declares the topology: exchanges, one quorum queue per consuming service with its
//! bindings, and the dead-letter exchange and queues. Idempotent.

use govhall_contracts::topology::SUBSCRIPTIONS;
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

use super::unexpected;
use crate::{BusError, Topology};

pub(super) async fn declare(channel: &Channel, topology: &Topology) -> Result<(), BusError> {
    // Durable so that they survive a broker restart; auto-delete only for test topologies
    // (with queue expiry), which then vanish once their expiring queues are gone.
    let exchange_options = ExchangeDeclareOptions {
        durable: true,
        auto_delete: topology.queue_expires_ms.is_some(),
        ..Default::default()
    };
    let events = topology.exchange();
    let dlx = topology.dead_letter_exchange();
    channel
        .exchange_declare(
            events.as_str().into(),
            ExchangeKind::Topic,
            exchange_options,
            FieldTable::default(),
        )
        .await
        .map_err(unexpected)?;
    // Direct: a dead letter carries its service as routing key (x-dead-letter-routing-key).
    channel
        .exchange_declare(
            dlx.as_str().into(),
            ExchangeKind::Direct,
            exchange_options,
            FieldTable::default(),
        )
        .await
        .map_err(unexpected)?;
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    for subscription in SUBSCRIPTIONS {
        let service = subscription.service;
        let queue = topology.queue(service);
        channel
            .queue_declare(
                queue.as_str().into(),
                durable,
                queue_arguments(topology, service),
            )
            .await
            .map_err(unexpected)?;
        for pattern in subscription.patterns {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    events.as_str().into(),
                    (*pattern).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(unexpected)?;
        }
        let dead = topology.dead_letter_queue(service);
        let mut args = FieldTable::default();
        // Quorum as well: dead letters are kept for operators and must not be lost.
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        insert_expiry(topology, &mut args);
        channel
            .queue_declare(dead.as_str().into(), durable, args)
            .await
            .map_err(unexpected)?;
        channel
            .queue_bind(
                dead.as_str().into(),
                dlx.as_str().into(),
                service.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(unexpected)?;
    }
    Ok(())
}

fn queue_arguments(topology: &Topology, service: &str) -> FieldTable {
    let mut args = FieldTable::default();
    // Quorum queues are replicated and count deliveries, which the delivery limit needs.
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    // RabbitMQ 3.10 has no default limit: without one a poison message loops forever.
    // The broker counts *re*deliveries, so the first delivery is not part of its limit.
    let redeliveries = topology.delivery_limit.saturating_sub(1);
    args.insert(
        "x-delivery-limit".into(),
        AMQPValue::LongLongInt(i64::from(redeliveries)),
    );
    // Over the limit (or rejected undecodable) messages go to this service's dead letters.
    let dlx = topology.dead_letter_exchange();
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(dlx.as_str().into()),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(service.into()),
    );
    insert_expiry(topology, &mut args);
    args
}

fn insert_expiry(topology: &Topology, args: &mut FieldTable) {
    // Tests set this so their randomly prefixed queues vanish once unused.
    if let Some(ms) = topology.queue_expires_ms {
        args.insert(
            "x-expires".into(),
            AMQPValue::LongLongInt(i64::try_from(ms).unwrap_or(i64::MAX)),
        );
    }
}

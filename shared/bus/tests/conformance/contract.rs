//! The bus contract, run against both implementations (see `for_each_bus!` in main.rs).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use govhall_bus::{BusError, handler_fn, inbox};
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

pub async fn a_published_message_is_delivered_intact(kind: Kind) {
    let bus = bus(kind).await;
    let seen = Seen::default();
    let shutdown = CancellationToken::new();
    let recorder = seen.clone();
    let consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let recorder = recorder.clone();
            async move {
                recorder.push(&m);
                Ok(())
            }
        }),
        shutdown.clone(),
    );

    let message = envelope();
    publish_ok(bus.as_ref(), std::slice::from_ref(&message)).await;

    eventually("the message arrives", || async { seen.len() == 1 }).await;
    assert_eq!(seen.all(), vec![message]);
    shutdown.cancel();
    tokio::time::timeout(WAIT, consumer).await.unwrap().unwrap();
}

pub async fn a_failed_message_is_redelivered_until_the_handler_succeeds(kind: Kind) {
    let bus = bus(kind).await;
    let seen = Seen::default();
    let shutdown = CancellationToken::new();
    let recorder = seen.clone();
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let recorder = recorder.clone();
            async move {
                recorder.push(&m);
                // Fails on the first two deliveries, succeeds on the third (the limit is 3).
                anyhow::ensure!(recorder.count_of(&m) >= 3, "not yet");
                Ok(())
            }
        }),
        shutdown.clone(),
    );

    let message = envelope();
    publish_ok(bus.as_ref(), std::slice::from_ref(&message)).await;

    eventually("the third delivery succeeds", || async {
        seen.count_of(&message) == 3
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        seen.count_of(&message),
        3,
        "an acknowledged message is not delivered again"
    );
    assert!(bus.take_dead_letters(SERVICE, 10).await.unwrap().is_empty());
    shutdown.cancel();
}

pub async fn a_message_is_dead_lettered_after_the_delivery_limit_without_blocking_the_next(
    kind: Kind,
) {
    let bus = bus(kind).await;
    let poison = envelope();
    let healthy = envelope();
    let seen = Seen::default();
    let shutdown = CancellationToken::new();
    let recorder = seen.clone();
    let poison_id = poison.message_id;
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let recorder = recorder.clone();
            async move {
                recorder.push(&m);
                anyhow::ensure!(m.message_id != poison_id, "poison");
                Ok(())
            }
        }),
        shutdown.clone(),
    );

    let results = tokio::time::timeout(WAIT, bus.publish(&[poison.clone(), healthy.clone()]))
        .await
        .unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");

    let dead = dead_letters(bus.as_ref(), 1).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].envelope, poison);
    assert_eq!(
        dead[0].reason, "poison",
        "the handler's error is the reason"
    );
    assert_eq!(dead[0].deliveries, 3);
    assert!(dead[0].dead_at.is_some());
    eventually("the next message is handled", || async {
        seen.count_of(&healthy) == 1
    })
    .await;
    assert_eq!(
        seen.count_of(&poison),
        3,
        "delivered exactly delivery_limit times"
    );
    shutdown.cancel();
}

pub async fn an_unroutable_publish_is_an_error(kind: Kind) {
    let bus = bus(kind).await;
    let shutdown = CancellationToken::new();
    let _consumer = bus.consume(SERVICE, handler_fn(|_| async { Ok(()) }), shutdown.clone());
    let lost = envelope_with_key("nobody.listens.here");
    let routable = envelope();

    let results = tokio::time::timeout(WAIT, bus.publish(&[lost.clone(), routable]))
        .await
        .unwrap();

    assert!(
        matches!(&results[0], Err(BusError::Unroutable(id)) if *id == lost.message_id.to_string()),
        "{results:?}"
    );
    assert!(results[1].is_ok(), "{results:?}");
    shutdown.cancel();
}

pub async fn a_message_is_acknowledged_only_after_the_handlers_transaction_commits(
    kind: Kind,
    db: Db,
) {
    let bus = bus(kind).await;
    let conn = database(db).await;
    let deliveries = Arc::new(AtomicUsize::new(0));
    let shutdown = CancellationToken::new();
    let (handler_db, counter) = (conn.clone(), Arc::clone(&deliveries));
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let (db, counter) = (handler_db.clone(), Arc::clone(&counter));
            async move {
                let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
                let id = m.message_id;
                inbox::process(&db, SERVICE, &m, move |txn| {
                    Box::pin(async move {
                        record_effect(txn, id).await?;
                        // The first attempt fails after its database work: all of it must roll back.
                        anyhow::ensure!(!first, "crash after the effect, before the commit");
                        Ok(())
                    })
                })
                .await?;
                Ok(())
            }
        }),
        shutdown.clone(),
    );

    let message = envelope();
    publish_ok(bus.as_ref(), std::slice::from_ref(&message)).await;

    eventually("the redelivery commits", || async {
        inbox::contains(&conn, SERVICE, message.message_id)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(effects(&conn).await, 1);
    assert_eq!(deliveries.load(Ordering::SeqCst), 2);
    shutdown.cancel();
}

pub async fn a_duplicate_delivery_has_one_effect(kind: Kind, db: Db) {
    let bus = bus(kind).await;
    let conn = database(db).await;
    let outcomes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let shutdown = CancellationToken::new();
    let (handler_db, recorded) = (conn.clone(), Arc::clone(&outcomes));
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let (db, recorded) = (handler_db.clone(), Arc::clone(&recorded));
            async move {
                let id = m.message_id;
                let applied = inbox::process(&db, SERVICE, &m, move |txn| {
                    Box::pin(record_effect(txn, id))
                })
                .await?;
                recorded.lock().unwrap().push(applied);
                Ok(())
            }
        }),
        shutdown.clone(),
    );

    let message = envelope();
    publish_ok(bus.as_ref(), std::slice::from_ref(&message)).await;
    publish_ok(bus.as_ref(), std::slice::from_ref(&message)).await;

    eventually("both deliveries are handled", || async {
        outcomes.lock().unwrap().len() == 2
    })
    .await;
    assert_eq!(*outcomes.lock().unwrap(), vec![true, false]);
    assert_eq!(effects(&conn).await, 1);
    shutdown.cancel();
}

pub async fn a_message_published_before_its_consumer_starts_waits_in_the_queue(kind: Kind) {
    let bus = bus(kind).await;
    let message = envelope();
    // RabbitMQ confirms once the queue holds the message; the memory bus only once a consumer
    // settled it, so the publish runs beside the consumer's start.
    let publishing = tokio::spawn({
        let bus = bus.clone();
        let message = message.clone();
        async move { publish_ok(bus.as_ref(), &[message]).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let seen = Seen::default();
    let shutdown = CancellationToken::new();
    let recorder = seen.clone();
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let recorder = recorder.clone();
            async move {
                recorder.push(&m);
                Ok(())
            }
        }),
        shutdown.clone(),
    );

    eventually("the queued message arrives", || async {
        seen.count_of(&message) == 1
    })
    .await;
    publishing.await.unwrap();
    shutdown.cancel();
}

pub async fn dead_letters_can_be_listed_without_taking_them_and_requeued_to_their_service(
    kind: Kind,
) {
    let bus = bus(kind).await;
    let poison = envelope();
    let seen = Seen::default();
    let recorder = seen.clone();
    // Fails until the operator "fixes" it (the flag), as after a corrected deployment.
    let fixed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fix = fixed.clone();
    let shutdown = CancellationToken::new();
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let recorder = recorder.clone();
            let fixed = fix.load(std::sync::atomic::Ordering::SeqCst);
            async move {
                recorder.push(&m);
                anyhow::ensure!(fixed, "matter 42 is not in the catalog");
                Ok(())
            }
        }),
        shutdown.clone(),
    );
    publish_ok(bus.as_ref(), std::slice::from_ref(&poison)).await;
    eventually("the message is dead-lettered", || async {
        bus.peek_dead_letters(SERVICE, 10).await.unwrap().len() == 1
    })
    .await;

    // Listing twice shows the same letter: peeking leaves it where it is.
    for _ in 0..2 {
        let listed = bus.peek_dead_letters(SERVICE, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].envelope.message_id, poison.message_id);
        assert_eq!(listed[0].reason, "matter 42 is not in the catalog");
    }
    assert_eq!(seen.count_of(&poison), 3);

    fixed.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(bus.requeue_dead_letters(SERVICE, 10).await.unwrap(), 1);
    eventually("the requeued message is handled", || async {
        seen.count_of(&poison) == 4
    })
    .await;
    assert!(bus.peek_dead_letters(SERVICE, 10).await.unwrap().is_empty());
    assert_eq!(bus.requeue_dead_letters(SERVICE, 10).await.unwrap(), 0);
    shutdown.cancel();
}

pub async fn a_message_is_held_not_dead_lettered_while_the_database_is_unavailable(kind: Kind) {
    let bus = bus(kind).await;
    let message = envelope();
    let seen = Seen::default();
    let recorder = seen.clone();
    let outage = Arc::new(AtomicUsize::new(0));
    let attempts = outage.clone();
    let shutdown = CancellationToken::new();
    // The database is "down" for twice the delivery limit's worth of attempts, then back.
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let recorder = recorder.clone();
            let attempt = attempts.fetch_add(1, Ordering::SeqCst);
            async move {
                if attempt < 6 {
                    return Err(anyhow::Error::new(sea_orm::DbErr::ConnectionAcquire(
                        sea_orm::error::ConnAcquireErr::Timeout,
                    )));
                }
                recorder.push(&m);
                Ok(())
            }
        }),
        shutdown.clone(),
    );
    publish_ok(bus.as_ref(), std::slice::from_ref(&message)).await;
    eventually(
        "the message is handled once the database is back",
        || async { seen.count_of(&message) == 1 },
    )
    .await;
    assert_eq!(
        outage.load(Ordering::SeqCst),
        7,
        "six failed attempts, then one success"
    );
    assert!(
        bus.peek_dead_letters(SERVICE, 10).await.unwrap().is_empty(),
        "an outage of the database is no reason to give a message up"
    );
    shutdown.cancel();
}

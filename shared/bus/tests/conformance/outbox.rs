//! The outbox relay over both buses and both databases.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use govhall_bus::{Bus, Relay, handler_fn, inbox, outbox};
use govhall_contracts::Envelope;
use sea_orm::{DatabaseConnection, TransactionTrait};
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

/// Consumes the suite's queue, recording every delivery and applying it through the inbox.
fn consume_with_inbox(
    bus: &Arc<dyn Bus>,
    conn: &DatabaseConnection,
    seen: &Seen,
    shutdown: &CancellationToken,
) {
    let (db, recorder) = (conn.clone(), seen.clone());
    bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let (db, recorder) = (db.clone(), recorder.clone());
            async move {
                let id = m.message_id;
                inbox::process(&db, SERVICE, &m, move |txn| {
                    Box::pin(record_effect(txn, id))
                })
                .await?;
                // Counted once handled: a delivery that failed (say, SQLite busy under
                // load) and was redelivered counts once, so the totals below stay exact.
                recorder.push(&m);
                Ok(())
            }
        }),
        shutdown.clone(),
    );
}

async fn enqueue_committed(conn: &DatabaseConnection, messages: &[Envelope]) {
    let txn = conn.begin().await.unwrap();
    outbox::enqueue(&txn, messages).await.unwrap();
    txn.commit().await.unwrap();
}

pub async fn committed_messages_are_published_exactly_once_even_when_relays_are_aborted(
    kind: Kind,
    db: Db,
) {
    let bus = bus(kind).await;
    let conn = database(db).await;
    let (seen, shutdown) = (Seen::default(), CancellationToken::new());
    consume_with_inbox(&bus, &conn, &seen, &shutdown);
    let messages: Vec<Envelope> = (0..5).map(|_| envelope()).collect();
    enqueue_committed(&conn, &messages).await;
    assert_eq!(outbox::pending(&conn).await.unwrap(), 5);

    // A relay killed between the commit and its first publish. (Aborting a relay that runs
    // on the real bus would race: it may already have published some rows.)
    let attempted = Arc::new(Mutex::new(0));
    let never = Arc::new(StallBeforePublish {
        inner: Arc::clone(&bus),
        attempted: Arc::clone(&attempted),
    });
    let early = tokio::spawn(Relay::new(conn.clone(), never).run(CancellationToken::new()));
    eventually("the first relay read its rows", || async {
        *attempted.lock().unwrap() > 0
    })
    .await;
    early.abort();
    let _ = early.await;
    // A relay killed after the bus confirmed, before it marked the rows sent.
    let published = Arc::new(Mutex::new(0));
    let stalling = Arc::new(StallAfterPublish {
        inner: Arc::clone(&bus),
        published: Arc::clone(&published),
    });
    let late = tokio::spawn(Relay::new(conn.clone(), stalling).run(CancellationToken::new()));
    eventually("the stalling relay published", || async {
        *published.lock().unwrap() == 5
    })
    .await;
    late.abort();
    let _ = late.await;
    assert_eq!(
        outbox::pending(&conn).await.unwrap(),
        5,
        "nothing is marked sent without the relay"
    );

    let relay =
        Relay::new(conn.clone(), Arc::clone(&bus)).with_poll_interval(Duration::from_millis(20));
    let wake = relay.handle();
    let running = tokio::spawn(relay.run(shutdown.clone()));
    wake.notify();

    eventually("every row is sent", || async {
        outbox::pending(&conn).await.unwrap() == 0
    })
    .await;
    eventually("both copies are delivered", || async { seen.len() >= 10 }).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    for message in &messages {
        assert_eq!(
            seen.count_of(message),
            2,
            "published by the stalled relay and again by the new one"
        );
    }
    assert_eq!(
        effects(&conn).await,
        5,
        "the inbox turns the duplicates into one effect each"
    );
    shutdown.cancel();
    tokio::time::timeout(WAIT, running).await.unwrap().unwrap();
}

pub async fn messages_of_a_rolled_back_transaction_are_never_published(kind: Kind, db: Db) {
    let bus = bus(kind).await;
    let conn = database(db).await;
    let (seen, shutdown) = (Seen::default(), CancellationToken::new());
    consume_with_inbox(&bus, &conn, &seen, &shutdown);
    let (lost, kept) = (envelope(), envelope());
    let txn = conn.begin().await.unwrap();
    outbox::enqueue(&txn, std::slice::from_ref(&lost))
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    enqueue_committed(&conn, std::slice::from_ref(&kept)).await;

    let relay = Relay::new(conn.clone(), Arc::clone(&bus));
    assert_eq!(relay.flush_once().await.unwrap(), 1);
    assert_eq!(relay.flush_once().await.unwrap(), 0);

    eventually("the committed message arrives", || async {
        seen.count_of(&kept) == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen.count_of(&lost), 0);
    assert_eq!(outbox::pending(&conn).await.unwrap(), 0);
    shutdown.cancel();
}

//! The inbox on both databases, without a bus.

use govhall_bus::inbox;
use std::time::Duration;

use crate::helpers::*;

async fn two_concurrent_duplicates_have_one_effect(db: Db) {
    let conn = database(db).await;
    let message = envelope();
    let attempt = || {
        let (conn, message) = (conn.clone(), message.clone());
        tokio::spawn(async move {
            let id = message.message_id;
            inbox::process(&conn, SERVICE, &message, move |txn| {
                Box::pin(async move {
                    record_effect(txn, id).await?;
                    // Keep the transaction open so the duplicate really overlaps it.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Ok(())
                })
            })
            .await
            .unwrap()
        })
    };
    let (first, second) = (attempt(), attempt());
    let (first, second) = tokio::time::timeout(WAIT, async {
        (first.await.unwrap(), second.await.unwrap())
    })
    .await
    .unwrap();

    assert!(first ^ second, "exactly one applies: {first} {second}");
    assert_eq!(effects(&conn).await, 1);
}

async fn a_failed_effect_leaves_no_inbox_record(db: Db) {
    let conn = database(db).await;
    let message = envelope();
    let id = message.message_id;

    let failed = inbox::process(&conn, SERVICE, &message, move |txn| {
        Box::pin(async move {
            record_effect(txn, id).await?;
            anyhow::bail!("the effect failed")
        })
    })
    .await;

    assert!(failed.is_err());
    assert!(!inbox::contains(&conn, SERVICE, id).await.unwrap());
    assert_eq!(effects(&conn).await, 0);
    let applied = inbox::process(&conn, SERVICE, &message, move |txn| {
        Box::pin(record_effect(txn, id))
    })
    .await
    .unwrap();
    assert!(applied);
    assert_eq!(effects(&conn).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_duplicates_have_one_effect_on_sqlite() {
    two_concurrent_duplicates_have_one_effect(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_duplicates_have_one_effect_on_postgres() {
    two_concurrent_duplicates_have_one_effect(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_effect_leaves_no_inbox_record_on_sqlite() {
    a_failed_effect_leaves_no_inbox_record(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_effect_leaves_no_inbox_record_on_postgres() {
    a_failed_effect_leaves_no_inbox_record(Db::Postgres).await;
}

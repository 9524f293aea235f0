//! `begin_write`: two writers of one SQLite file (WAL, busy timeout, as the services open it)
//! where one read before it wrote.

use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, TransactionTrait};

use crate::helpers::effects;

async fn wal_sqlite() -> DatabaseConnection {
    let mut options = sea_orm::ConnectOptions::new(govhall_test_support::fresh_sqlite_url());
    options
        .sqlx_logging(false)
        .max_connections(4)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(15))
        });
    let db = Database::connect(options).await.unwrap();
    db.execute_unprepared(
        "CREATE TABLE effect (message_id VARCHAR(64) NOT NULL, note VARCHAR(64))",
    )
    .await
    .unwrap();
    db
}

/// The first transaction reads, a second connection writes and commits, then the first
/// writes. Returns what the first one's write and commit gave.
async fn read_then_write_beside_another_writer(
    immediate: bool,
) -> (DatabaseConnection, Result<(), sea_orm::DbErr>) {
    let db = wal_sqlite().await;
    let first = if immediate {
        govhall_bus::begin_write(&db).await.unwrap()
    } else {
        db.begin().await.unwrap()
    };
    assert_eq!(effects(&first).await, 0);
    let other = db.clone();
    let second = tokio::spawn(async move {
        let txn = govhall_bus::begin_write(&other).await?;
        txn.execute_unprepared("INSERT INTO effect (message_id) VALUES ('second')")
            .await?;
        txn.commit().await
    });
    // Give the second writer time to commit (deferred) or to queue for the lock (immediate).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let result = async {
        first
            .execute_unprepared("INSERT INTO effect (message_id) VALUES ('first')")
            .await?;
        first.commit().await
    }
    .await;
    second.await.unwrap().unwrap();
    (db, result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_read_first_waits_its_turn_instead_of_failing_on_sqlite() {
    let (db, result) = read_then_write_beside_another_writer(true).await;
    result.unwrap();
    assert_eq!(effects(&db).await, 2);
}

/// What `begin_write` is for: a plain (deferred) transaction fails here at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_writer_that_read_first_fails_when_another_wrote_meanwhile_on_sqlite() {
    let (db, result) = read_then_write_beside_another_writer(false).await;
    let error = result.unwrap_err().to_string();
    assert!(
        error.contains("locked") || error.contains("busy"),
        "{error}"
    );
    assert_eq!(effects(&db).await, 1);
}

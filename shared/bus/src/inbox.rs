//! Idempotent consumption: the id of a consumed message is recorded in the `inbox` table in
//! the same transaction as the effect, so a redelivered or duplicated message has no second
//! effect, and a failed effect leaves no record (the redelivery tries again).
//!
//! ```no_run
//! # async fn example(db: sea_orm::DatabaseConnection, message: govhall_contracts::Envelope) -> anyhow::Result<()> {
//! use sea_orm::ConnectionTrait;
//!
//! let case_id = message.correlation_id; // owned values move into the effect
//! let applied = govhall_bus::inbox::process(&db, "approval", &message, move |txn| {
//!     Box::pin(async move {
//!         txn.execute_unprepared(&format!("UPDATE task SET opened = true WHERE case_id = '{case_id}'")).await?;
//!         Ok(())
//!     })
//! })
//! .await?;
//! if !applied {
//!     tracing::debug!("duplicate delivery, already handled");
//! }
//! # Ok(()) }
//! ```

use chrono::Utc;
use futures::future::BoxFuture;
use govhall_contracts::Envelope;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, SqlErr};

use crate::migration::Inbox;

/// Runs `effect` exactly once per `(consumer, message id)`: inside one transaction with the
/// inbox row. Returns `Ok(true)` when the effect ran and committed, `Ok(false)` for a
/// duplicate (nothing ran), `Err` when the effect or the database failed (nothing recorded).
#[tracing::instrument(skip_all, fields(inbox.consumer = consumer, message.id = %message.message_id))]
pub async fn process<F>(
    db: &DatabaseConnection,
    consumer: &str,
    message: &Envelope,
    effect: F,
) -> anyhow::Result<bool>
where
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, anyhow::Result<()>> + Send,
{
    let Some(txn) = claim(db, consumer, message).await? else {
        return Ok(false);
    };
    // On error the transaction is dropped, which rolls it back, inbox row included.
    effect(&txn).await?;
    match txn.commit().await {
        Ok(()) => Ok(true),
        Err(error) if is_duplicate(&error) => Ok(false),
        Err(error) => {
            Err(anyhow::Error::new(error).context("Failed to commit the inbox transaction"))
        }
    }
}

/// The building block of [`process`]: opens a transaction holding the inbox row of `message`,
/// or `None` when `consumer` already processed it. The caller does its work in the
/// transaction and commits it; dropping it instead rolls everything back.
pub async fn claim(
    db: &DatabaseConnection,
    consumer: &str,
    message: &Envelope,
) -> anyhow::Result<Option<DatabaseTransaction>> {
    let txn = crate::begin_write(db).await?;
    // Inserted first: a concurrent duplicate then waits on this row (PostgreSQL) or on the
    // write lock (SQLite) and, once this transaction commits, inserts nothing.
    let insert = Query::insert()
        .into_table(Inbox::Table)
        .columns([Inbox::Consumer, Inbox::MessageId, Inbox::ProcessedAt])
        .values([
            consumer.into(),
            message.message_id.to_string().into(),
            Utc::now().into(),
        ])?
        .on_conflict(
            OnConflict::columns([Inbox::Consumer, Inbox::MessageId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    match txn.execute(&insert).await {
        Ok(result) if result.rows_affected() == 1 => Ok(Some(txn)),
        Ok(_) => {
            tracing::debug!(message.id = %message.message_id, inbox.consumer = consumer, "duplicate delivery skipped");
            txn.rollback().await?;
            Ok(None)
        }
        Err(error) if is_duplicate(&error) => Ok(None),
        Err(error) => {
            Err(anyhow::Error::new(error).context("Failed to record the message in the inbox"))
        }
    }
}

/// Has `consumer` already processed the message with this id?
pub async fn contains(
    db: &impl ConnectionTrait,
    consumer: &str,
    message_id: uuid::Uuid,
) -> Result<bool, DbErr> {
    let select = Query::select()
        .column(Inbox::MessageId)
        .from(Inbox::Table)
        .and_where(Expr::col(Inbox::Consumer).eq(consumer))
        .and_where(Expr::col(Inbox::MessageId).eq(message_id.to_string()))
        .to_owned();
    Ok(db.query_one(&select).await?.is_some())
}

/// A concurrent duplicate won the race on the inbox key.
fn is_duplicate(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

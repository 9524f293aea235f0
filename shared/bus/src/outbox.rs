//! The transactional outbox: [`enqueue`] writes messages in the caller's transaction, next
//! to the state change they announce; a [`Relay`] publishes them and marks them sent only
//! after the bus confirmed each one. A crash between publish and mark duplicates a message
//! (consumers de-duplicate with the inbox); it never loses one.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use govhall_contracts::Envelope;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LockBehavior, LockType, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::migration::Outbox;
use crate::{Bus, backoff};

/// Writes `messages` to the outbox. Call it inside the transaction of the state change.
#[tracing::instrument(skip_all, fields(outbox.messages = messages.len()))]
pub async fn enqueue(db: &impl ConnectionTrait, messages: &[Envelope]) -> Result<(), DbErr> {
    if messages.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let mut insert = Query::insert();
    insert.into_table(Outbox::Table).columns([
        Outbox::MessageId,
        Outbox::RoutingKey,
        Outbox::Body,
        Outbox::CreatedAt,
    ]);
    for message in messages {
        let body = serde_json::to_string(message)
            .map_err(|e| DbErr::Custom(format!("Failed to encode message: {e}")))?;
        insert
            .values([
                message.message_id.to_string().into(),
                message.routing_key().into_owned().into(),
                body.into(),
                now.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
    }
    db.execute(&insert).await?;
    Ok(())
}

/// Number of outbox rows not yet published (for readiness, metrics and tests).
pub async fn pending(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let count = Query::select()
        .expr_as(Func::count(Expr::col(Outbox::Id)), "pending")
        .from(Outbox::Table)
        .and_where(Expr::col(Outbox::SentAt).is_null())
        .to_owned();
    let row = db.query_one(&count).await?;
    let pending = row
        .map(|row| row.try_get::<i64>("", "pending"))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(pending).unwrap_or(0))
}

/// Wakes a [`Relay`] right after a commit, instead of waiting for its next poll.
#[derive(Debug, Clone, Default)]
pub struct RelayHandle {
    wake: Arc<Notify>,
}

impl RelayHandle {
    /// Asks the relay to look for new rows now (cheap; call it after every commit).
    pub fn notify(&self) {
        // notify_one keeps a permit when the relay is busy, so the wake-up is not lost.
        self.wake.notify_one();
    }
}

/// Publishes outbox rows, oldest first.
pub struct Relay {
    db: DatabaseConnection,
    bus: Arc<dyn Bus>,
    handle: RelayHandle,
    /// Rows claimed and published together.
    batch_size: u64,
    /// Wait between polls when nothing is due (unless notified).
    poll_interval: Duration,
    /// Upper bound of the wait after failures.
    max_backoff: Duration,
}

/// What one pass over the outbox did.
struct Batch {
    claimed: usize,
    sent: usize,
}

impl Relay {
    /// A relay with a 100 ms poll interval and batches of 100 rows.
    pub fn new(db: DatabaseConnection, bus: Arc<dyn Bus>) -> Self {
        Self {
            db,
            bus,
            handle: RelayHandle::default(),
            batch_size: 100,
            poll_interval: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }

    /// Changes the wait between polls when nothing is due.
    pub fn with_poll_interval(mut self, poll_interval: Duration) -> Self {
        self.poll_interval = poll_interval;
        self
    }

    /// Changes the number of rows published per batch.
    pub fn with_batch_size(mut self, batch_size: u64) -> Self {
        self.batch_size = Ord::max(batch_size, 1);
        self
    }

    /// A handle to wake this relay after a commit.
    pub fn handle(&self) -> RelayHandle {
        self.handle.clone()
    }

    /// Publishes due rows until `shutdown`. A batch under way at shutdown is abandoned: its
    /// rows stay unsent (a PostgreSQL claim rolls back) and are published again after the
    /// restart, where the consumers' inbox drops what had already arrived.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut failures = 0u32;
        while !shutdown.is_cancelled() {
            let flushed = tokio::select! {
                () = shutdown.cancelled() => return,
                flushed = self.flush_batch() => flushed,
            };
            let delay = match flushed {
                Ok(batch) if batch.sent == batch.claimed => {
                    failures = 0;
                    if batch.claimed as u64 >= self.batch_size {
                        continue; // More may be due.
                    }
                    self.poll_interval
                }
                Ok(_) => {
                    failures = failures.saturating_add(1);
                    backoff(self.poll_interval, failures, self.max_backoff)
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::error!(error = format!("{error:#}"), "outbox relay failed");
                    backoff(self.poll_interval, failures, self.max_backoff)
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(delay) => {}
                // After failures only the backoff ends the wait: a commit does not fix the broker.
                () = self.handle.wake.notified(), if failures == 0 => {}
            }
        }
    }

    /// Publishes one batch of due rows; returns how many were published.
    pub async fn flush_once(&self) -> anyhow::Result<usize> {
        Ok(self.flush_batch().await?.sent)
    }

    async fn flush_batch(&self) -> anyhow::Result<Batch> {
        match self.db.get_database_backend() {
            // Rows stay locked from claim to mark, so relays of other replicas skip them.
            DbBackend::Postgres | DbBackend::MySql => {
                let txn = crate::begin_write(&self.db).await?;
                let batch = self.publish_due(&txn, true).await?;
                txn.commit().await?;
                Ok(batch)
            }
            // SQLite has no row locks and runs in one process: a plain select suffices, and
            // holding a write transaction while the bus waits for consumers (which may write
            // to the same file) would block them.
            _ => self.publish_due(&self.db, false).await,
        }
    }

    async fn publish_due(&self, db: &impl ConnectionTrait, lock: bool) -> anyhow::Result<Batch> {
        let mut select = Query::select();
        select
            .columns([Outbox::Id, Outbox::Body])
            .from(Outbox::Table)
            .and_where(Expr::col(Outbox::SentAt).is_null())
            .order_by(Outbox::Id, Order::Asc)
            .limit(self.batch_size);
        if lock {
            select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = db.query_all(&select).await?;
        if rows.is_empty() {
            return Ok(Batch {
                claimed: 0,
                sent: 0,
            });
        }
        let mut ids = Vec::with_capacity(rows.len());
        let mut messages = Vec::with_capacity(rows.len());
        let mut failed: Vec<(i64, String)> = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get("", "id")?;
            let body: String = row.try_get("", "body")?;
            match serde_json::from_str::<Envelope>(&body) {
                Ok(message) => {
                    ids.push(id);
                    messages.push(message);
                }
                Err(error) => failed.push((id, format!("undecodable outbox row: {error}"))),
            }
        }
        let results = self.bus.publish(&messages).await;
        let mut sent = Vec::with_capacity(ids.len());
        for ((id, message), result) in ids.into_iter().zip(&messages).zip(results) {
            match result {
                Ok(()) => sent.push(id),
                Err(error) => {
                    tracing::warn!(outbox.id = id, message.id = %message.message_id, error = %error, "publish failed; will retry");
                    failed.push((id, error.to_string()));
                }
            }
        }
        if !sent.is_empty() {
            let mark = Query::update()
                .table(Outbox::Table)
                .value(Outbox::SentAt, Utc::now())
                .and_where(Expr::col(Outbox::Id).is_in(sent.iter().copied()))
                .to_owned();
            db.execute(&mark).await?;
        }
        for (id, error) in &failed {
            let note = Query::update()
                .table(Outbox::Table)
                .value(Outbox::Attempts, Expr::col(Outbox::Attempts).add(1))
                .value(Outbox::LastError, error.as_str())
                .and_where(Expr::col(Outbox::Id).eq(*id))
                .to_owned();
            db.execute(&note).await?;
        }
        Ok(Batch {
            claimed: rows.len(),
            sent: sent.len(),
        })
    }
}

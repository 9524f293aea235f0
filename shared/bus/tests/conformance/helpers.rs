//! Buses, databases, envelopes and recording handlers for the conformance suite.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use govhall_bus::{
    Bus, BusError, CreateOutboxAndInbox, DeadLetter, MemoryBus, MemoryBusConfig, RabbitBus,
    RabbitBusConfig, Topology,
};
use govhall_contracts::Envelope;
use govhall_contracts::routing::INTAKE_CASE_ACCEPTED;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use uuid::Uuid;

/// Every wait in the suite is bounded by this, so a failure fails instead of hanging.
pub const WAIT: Duration = Duration::from_secs(20);

/// The queue the suite consumes: bound to `intake.case.accepted` only (with other queues).
pub const SERVICE: &str = "approval";

/// Which implementation a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Memory,
    Rabbit,
}

/// Which database a test runs against.
#[derive(Debug, Clone, Copy)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub fn topology() -> Topology {
    Topology {
        prefix: govhall_test_support::unique_prefix(),
        delivery_limit: 3,
        queue_expires_ms: Some(60_000),
    }
}

/// A declared bus of `kind` with its own prefix and a quick redelivery backoff.
pub async fn bus(kind: Kind) -> Arc<dyn Bus> {
    bus_at(kind, &govhall_test_support::amqp_url()).await
}

pub async fn bus_at(kind: Kind, amqp_url: &str) -> Arc<dyn Bus> {
    let bus: Arc<dyn Bus> = match kind {
        Kind::Memory => {
            let config = MemoryBusConfig {
                settle_timeout: Duration::from_secs(10),
                retry_base: Duration::from_millis(20),
                retry_max: Duration::from_millis(200),
            };
            let memory = MemoryBus::with_config(topology(), config);
            memory.declare().await.unwrap();
            sink_other_queues(&memory);
            Arc::new(memory)
        }
        Kind::Rabbit => {
            let config = RabbitBusConfig {
                retry_base: Duration::from_millis(20),
                retry_max: Duration::from_millis(200),
                ..RabbitBusConfig::default()
            };
            let topology = topology();
            let rabbit = RabbitBus::with_config(amqp_url, topology.clone(), config);
            let cleanup = DeleteQueues {
                url: amqp_url.to_owned(),
                topology,
            };
            Arc::new(WithCleanup {
                inner: Arc::new(rabbit),
                _cleanup: cleanup,
            })
        }
    };
    bus.declare().await.unwrap();
    bus
}

/// Deletes a test's queues when dropped (also when the test panicked), so the broker does
/// not keep hundreds of idle quorum queues, and their file descriptors, for `x-expires`.
struct DeleteQueues {
    url: String,
    topology: Topology,
}

impl Drop for DeleteQueues {
    fn drop(&mut self) {
        let (url, topology) = (self.url.clone(), self.topology.clone());
        // Drop cannot await: delete on a thread with a runtime of its own and wait for it.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(delete_queues(&url, &topology))
                .map_err(std::io::Error::other)
        })
        .join();
    }
}

async fn delete_queues(url: &str, topology: &Topology) -> lapin::Result<()> {
    let connection =
        lapin::Connection::connect(url, lapin::ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    for subscription in govhall_contracts::topology::SUBSCRIPTIONS {
        for queue in [
            topology.queue(subscription.service),
            topology.dead_letter_queue(subscription.service),
        ] {
            let options = lapin::options::QueueDeleteOptions::default();
            channel.queue_delete(queue.as_str().into(), options).await?;
        }
    }
    // The auto-delete exchanges go with their last binding.
    connection.close(200, "test over".into()).await
}

/// A bus that deletes its queues once the test drops it.
struct WithCleanup {
    inner: Arc<dyn Bus>,
    _cleanup: DeleteQueues,
}

#[async_trait]
impl Bus for WithCleanup {
    async fn declare(&self) -> Result<(), BusError> {
        self.inner.declare().await
    }
    async fn publish(&self, messages: &[Envelope]) -> Vec<Result<(), BusError>> {
        self.inner.publish(messages).await
    }
    fn consume(
        &self,
        service: &str,
        handler: Arc<dyn govhall_bus::Handler>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        self.inner.consume(service, handler, shutdown)
    }
    async fn ready(&self) -> Result<(), BusError> {
        self.inner.ready().await
    }
    async fn take_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        self.inner.take_dead_letters(service, max).await
    }

    async fn peek_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        self.inner.peek_dead_letters(service, max).await
    }

    async fn requeue_dead_letters(&self, service: &str, max: usize) -> Result<usize, BusError> {
        self.inner.requeue_dead_letters(service, max).await
    }
}

/// A fresh, migrated database with an extra `effect` table that handlers write to.
pub async fn database(db: Db) -> DatabaseConnection {
    let url = match db {
        Db::Sqlite => govhall_test_support::fresh_sqlite_url(),
        Db::Postgres => govhall_test_support::fresh_postgres_url().await.unwrap(),
    };
    let mut options = sea_orm::ConnectOptions::new(url);
    options.sqlx_logging(false);
    let conn = Database::connect(options).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();
    conn.execute_unprepared(
        "CREATE TABLE effect (message_id VARCHAR(64) NOT NULL, note VARCHAR(64))",
    )
    .await
    .unwrap();
    conn
}

struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateOutboxAndInbox)]
    }
}

/// Rows in the `effect` table.
pub async fn effects(db: &impl ConnectionTrait) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM effect",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// Records one effect of `message` (inside the caller's transaction).
pub async fn record_effect(txn: &impl ConnectionTrait, message_id: Uuid) -> anyhow::Result<()> {
    let statement = sea_orm::Statement::from_sql_and_values(
        txn.get_database_backend(),
        match txn.get_database_backend() {
            sea_orm::DbBackend::Postgres => "INSERT INTO effect (message_id) VALUES ($1)",
            _ => "INSERT INTO effect (message_id) VALUES (?)",
        },
        [message_id.to_string().into()],
    );
    txn.execute_raw(statement).await?;
    Ok(())
}

/// A new envelope with the given routing key (and message type).
pub fn envelope_with_key(key: &str) -> Envelope {
    Envelope {
        message_id: Uuid::now_v7(),
        message_type: key.to_owned(),
        schema_version: 1,
        occurred_at: Utc::now().fixed_offset(),
        producer: "intake".to_owned(),
        correlation_id: Uuid::now_v7(),
        causation_id: Some(Uuid::now_v7()),
        traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned()),
        division_code: "320102".to_owned(),
        payload: serde_json::json!({ "case_id": Uuid::now_v7(), "note": "受理" }),
        address: None,
    }
}

/// A new envelope that reaches the `approval` queue.
pub fn envelope() -> Envelope {
    envelope_with_key(INTAKE_CASE_ACCEPTED)
}

/// Everything a handler saw, in order.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<Envelope>>>);

impl Seen {
    pub fn push(&self, message: &Envelope) {
        self.0.lock().unwrap().push(message.clone());
    }
    pub fn all(&self) -> Vec<Envelope> {
        self.0.lock().unwrap().clone()
    }
    pub fn count_of(&self, message: &Envelope) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.message_id == message.message_id)
            .count()
    }
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// Polls `condition` until it holds, failing the test after [`WAIT`].
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Publishes, failing the test unless every message is confirmed.
pub async fn publish_ok(bus: &dyn Bus, messages: &[Envelope]) {
    let results = tokio::time::timeout(WAIT, bus.publish(messages))
        .await
        .expect("publish timed out");
    for result in results {
        result.unwrap();
    }
}

/// Takes dead letters until `count` arrived.
pub async fn dead_letters(bus: &dyn Bus, count: usize) -> Vec<DeadLetter> {
    let mut taken = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while taken.len() < count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {count} dead letters"
        );
        taken.extend(
            bus.take_dead_letters(SERVICE, count - taken.len())
                .await
                .unwrap(),
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    taken
}

/// A bus whose publish never reaches the broker and never returns, like a relay that
/// crashes after reading its rows and before publishing.
pub struct StallBeforePublish {
    pub inner: Arc<dyn Bus>,
    pub attempted: Arc<Mutex<usize>>,
}

#[async_trait]
impl Bus for StallBeforePublish {
    async fn declare(&self) -> Result<(), BusError> {
        self.inner.declare().await
    }
    async fn publish(&self, messages: &[Envelope]) -> Vec<Result<(), BusError>> {
        *self.attempted.lock().unwrap() += messages.len();
        std::future::pending().await
    }
    fn consume(
        &self,
        service: &str,
        handler: Arc<dyn govhall_bus::Handler>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        self.inner.consume(service, handler, shutdown)
    }
    async fn ready(&self) -> Result<(), BusError> {
        self.inner.ready().await
    }
    async fn take_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        self.inner.take_dead_letters(service, max).await
    }

    async fn peek_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        self.inner.peek_dead_letters(service, max).await
    }

    async fn requeue_dead_letters(&self, service: &str, max: usize) -> Result<usize, BusError> {
        self.inner.requeue_dead_letters(service, max).await
    }
}

/// A bus that forwards publishes and then never returns, like a relay that crashes after the
/// broker confirmed but before it marked its rows sent.
pub struct StallAfterPublish {
    pub inner: Arc<dyn Bus>,
    pub published: Arc<Mutex<usize>>,
}

#[async_trait]
impl Bus for StallAfterPublish {
    async fn declare(&self) -> Result<(), BusError> {
        self.inner.declare().await
    }
    async fn publish(&self, messages: &[Envelope]) -> Vec<Result<(), BusError>> {
        let results = self.inner.publish(messages).await;
        *self.published.lock().unwrap() += results.iter().filter(|r| r.is_ok()).count();
        std::future::pending().await
    }
    fn consume(
        &self,
        service: &str,
        handler: Arc<dyn govhall_bus::Handler>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        self.inner.consume(service, handler, shutdown)
    }
    async fn ready(&self) -> Result<(), BusError> {
        self.inner.ready().await
    }
    async fn take_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        self.inner.take_dead_letters(service, max).await
    }

    async fn peek_dead_letters(
        &self,
        service: &str,
        max: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        self.inner.peek_dead_letters(service, max).await
    }

    async fn requeue_dead_letters(&self, service: &str, max: usize) -> Result<usize, BusError> {
        self.inner.requeue_dead_letters(service, max).await
    }
}

/// The memory bus confirms a publish only once every queue it was routed to has handled it;
/// in the binary every service consumes its queue, so tests do the same for the services
/// they do not look at.
pub fn sink_other_queues(memory: &MemoryBus) {
    for other in govhall_contracts::topology::SUBSCRIPTIONS
        .iter()
        .filter(|s| s.service != SERVICE)
    {
        let _sink = memory.consume(
            other.service,
            govhall_bus::handler_fn(|_| async { Ok(()) }),
            tokio_util::sync::CancellationToken::new(),
        );
    }
}

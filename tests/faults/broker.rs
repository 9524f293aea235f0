//! The faults the test causes outside govhall: a tap that has the broker deliver every
//! message twice, closing every connection of the deployment's vhost, stopping and starting
//! the RabbitMQ application, restarting PostgreSQL, and a poison message. Every fault that
//! stops a shared server puts it back when dropped, also when the test fails.

use std::{
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use lapin::{
    BasicProperties, Connection, ConnectionProperties,
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions,
        QueueBindOptions, QueueDeclareOptions,
    },
    types::{AMQPValue, FieldTable},
};
use tokio_util::sync::CancellationToken;

use crate::cluster::rabbitmqctl;

/// Marks the copy the tap published (and the poison), so the tap leaves it alone.
const COPY: &str = "x-faults-copy";

/// Has every message published to the deployment's exchange delivered a second time: a
/// durable queue of its own bound to everything receives each message, which is published
/// again, unchanged but for a marker header, to the same exchange with the same routing key.
/// Survives broker faults: it reconnects, and its queue keeps what arrives meanwhile.
pub struct Tap {
    /// Messages published a second time.
    pub copied: Arc<AtomicUsize>,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Tap {
    pub fn start(amqp_url: &str, exchange: &str, queue: &str) -> Self {
        let copied = Arc::new(AtomicUsize::new(0));
        let stop = CancellationToken::new();
        let (url, exchange, queue) = (amqp_url.to_owned(), exchange.to_owned(), queue.to_owned());
        let (count, cancel) = (copied.clone(), stop.clone());
        let task = tokio::spawn(async move {
            while !cancel.is_cancelled() {
                if let Err(e) = copy_all(&url, &exchange, &queue, &count, &cancel).await {
                    println!("faults: tap reconnecting after: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        });
        Self { copied, stop, task }
    }

    /// Stops copying (what is still in its queue stays there: it is dropped with the vhost).
    pub async fn stop(self) -> usize {
        self.stop.cancel();
        let _ = self.task.await;
        self.copied.load(Ordering::SeqCst)
    }
}

async fn copy_all(
    url: &str,
    exchange: &str,
    queue: &str,
    copied: &AtomicUsize,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    let connection = Connection::connect(url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .queue_declare(queue.into(), durable, FieldTable::default())
        .await?;
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "faults-tap".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    loop {
        let delivery = tokio::select! {
            () = stop.cancelled() => {
                let _ = connection.close(200, "done".into()).await;
                return Ok(());
            }
            next = consumer.next() => match next {
                Some(delivery) => delivery?,
                None => anyhow::bail!("consumer cancelled"),
            },
        };
        let mut headers = delivery.properties.headers().clone().unwrap_or_default();
        if !headers.inner().contains_key(COPY) {
            headers.insert(COPY.into(), AMQPValue::Boolean(true));
            let properties = delivery.properties.clone().with_headers(headers);
            channel
                .basic_publish(
                    exchange.into(),
                    delivery.routing_key.as_str().into(),
                    BasicPublishOptions::default(),
                    &delivery.data,
                    properties,
                )
                .await?
                .await?;
            copied.fetch_add(1, Ordering::SeqCst);
        }
        delivery.ack(BasicAckOptions::default()).await?;
    }
}

/// Publishes `body` straight into `queue` (default exchange), marked so the tap ignores it.
pub async fn publish_to_queue(url: &str, queue: &str, body: &[u8]) -> anyhow::Result<()> {
    let connection = Connection::connect(url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let mut headers = FieldTable::default();
    headers.insert(COPY.into(), AMQPValue::Boolean(true));
    channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            },
            body,
            BasicProperties::default()
                .with_delivery_mode(2)
                .with_content_type("application/json".into())
                .with_headers(headers),
        )
        .await?
        .await?;
    let _ = connection.close(200, "done".into()).await;
    Ok(())
}

/// Closes every client connection of `vhost`.
pub fn close_connections(vhost: &str) {
    rabbitmqctl(&["close_all_connections", "-p", vhost, "fault test"]);
}

/// The RabbitMQ application stopped (the Erlang node stays up); started again when dropped.
pub struct BrokerStopped {
    started: bool,
}

impl BrokerStopped {
    pub fn stop() -> Self {
        rabbitmqctl(&["stop_app"]);
        Self { started: false }
    }

    pub fn start(mut self) {
        start_broker();
        self.started = true;
    }
}

fn start_broker() {
    let _ = Command::new("rabbitmqctl").arg("start_app").output();
    let _ = Command::new("rabbitmqctl")
        .args(["await_startup", "--timeout", "60"])
        .output();
}

impl Drop for BrokerStopped {
    fn drop(&mut self) {
        if !self.started {
            start_broker();
        }
    }
}

/// The local PostgreSQL cluster's version folder under /etc/postgresql.
fn postgres_version() -> String {
    std::fs::read_dir("/etc/postgresql")
        .expect("PostgreSQL is managed by pg_ctlcluster here (scripts/services.sh)")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .max()
        .expect("a PostgreSQL cluster under /etc/postgresql")
}

fn pg_ctlcluster(action: &str) -> std::process::Output {
    Command::new("pg_ctlcluster")
        .args([
            "--skip-systemctl-redirect",
            "-m",
            "fast",
            &postgres_version(),
            "main",
            action,
        ])
        .output()
        .expect("pg_ctlcluster runs")
}

fn postgres_ready() -> bool {
    Command::new("pg_isready")
        .args(["-h", "127.0.0.1", "-p", "5432"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// PostgreSQL stopped (fast mode: every session is cut); started again by [`Self::start`] or,
/// should anything in between fail, when dropped.
pub struct PostgresStopped {
    started: bool,
}

impl PostgresStopped {
    pub fn stop() -> Self {
        let out = pg_ctlcluster("stop");
        assert!(
            out.status.success(),
            "pg_ctlcluster stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { started: false }
    }

    /// Starts it and waits until it takes connections again.
    pub fn start(mut self) {
        self.started = true;
        start_postgres();
    }
}

fn start_postgres() {
    let started = Instant::now();
    let _ = pg_ctlcluster("start");
    while !postgres_ready() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "PostgreSQL did not come back"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl Drop for PostgresStopped {
    fn drop(&mut self) {
        if !self.started && !postgres_ready() {
            let _ = pg_ctlcluster("start");
        }
    }
}

#![doc = include_str!("../README.md")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use govhall_bus::{Bus, MemoryBus, RabbitBus, Topology, handler_fn};
use govhall_contracts::Envelope;
use govhall_runtime::ServiceSettings;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// Which implementations the service runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    /// SQLite and the in-process bus (standalone).
    Embedded,
    /// PostgreSQL, RabbitMQ and Redis (distributed).
    Distributed,
}

/// A declared bus under a fresh prefix and a fresh database, for one test.
pub struct Infra {
    /// The bus.
    pub bus: Arc<dyn Bus>,
    /// The database.
    pub database_url: String,
}

impl Infra {
    /// Declares a bus and creates a database for `backend`.
    pub async fn new(backend: Backend) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let topology = Topology {
            prefix: govhall_test_support::unique_prefix(),
            delivery_limit: 5,
            queue_expires_ms: Some(60_000),
        };
        let (bus, database_url): (Arc<dyn Bus>, String) = match backend {
            Backend::Embedded => (
                Arc::new(MemoryBus::new(topology)),
                govhall_test_support::fresh_sqlite_url(),
            ),
            Backend::Distributed => (
                Arc::new(RabbitBus::new(govhall_test_support::amqp_url(), topology)),
                govhall_test_support::fresh_postgres_url().await.unwrap(),
            ),
        };
        // A loaded machine (a CI run beside other builds) can take longer than the bus's
        // connect timeout for the AMQP handshake: retry for a while before failing the test.
        let mut attempts = 0;
        while let Err(e) = bus.declare().await {
            attempts += 1;
            assert!(attempts < 6, "could not declare the bus topology: {e}");
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        Self { bus, database_url }
    }
}

/// The cache of `backend` (Redis on the local server, or in memory).
pub fn cache(backend: Backend) -> Arc<dyn govhall_cache::Cache> {
    match backend {
        Backend::Embedded => Arc::new(govhall_cache::MemoryCache::new()),
        Backend::Distributed => {
            Arc::new(govhall_cache::RedisCache::new("redis://127.0.0.1:6379/", "t:").unwrap())
        }
    }
}

/// Settings of a service under test: loopback, any port, migrations on.
pub fn settings(database_url: &str) -> ServiceSettings {
    ServiceSettings {
        host: "127.0.0.1".into(),
        port: 0,
        database_url: database_url.to_owned(),
        auto_migrate: true,
        files_url: None,
    }
}

/// Messages seen on some queues, in arrival order.
#[derive(Clone, Default)]
pub struct Seen(pub Arc<Mutex<Vec<Envelope>>>);

impl Seen {
    /// Consumes `queues` and records every message delivered to them.
    pub fn record(bus: &dyn Bus, queues: &[&str]) -> Self {
        let seen = Self::default();
        for queue in queues {
            let recorder = seen.0.clone();
            let _consumer = bus.consume(
                queue,
                handler_fn(move |m| {
                    let recorder = recorder.clone();
                    async move {
                        recorder.lock().unwrap().push(m);
                        Ok(())
                    }
                }),
                CancellationToken::new(),
            );
        }
        seen
    }

    /// Consumes `queues` and drops what arrives (the in-process bus confirms a publish only
    /// once every queue it was routed to handled it).
    pub fn sink(bus: &dyn Bus, queues: &[&str]) {
        for queue in queues {
            let _consumer = bus.consume(
                queue,
                handler_fn(|_| async { Ok(()) }),
                CancellationToken::new(),
            );
        }
    }

    /// Events of `type` seen for `case_id` so far, one per message id: delivery is at least
    /// once (a consumer's inbox drops the repeats), so a repeat is not a second event.
    pub fn events(&self, message_type: &str, case_id: uuid::Uuid) -> Vec<Envelope> {
        let mut seen_ids = std::collections::HashSet::new();
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.message_type == message_type && e.correlation_id == case_id)
            .filter(|e| seen_ids.insert(e.message_id))
            .cloned()
            .collect()
    }

    /// Waits until `count` events of `type` were seen for the case, then a little longer to
    /// catch any extra one.
    pub async fn expect_events(
        &self,
        message_type: &str,
        case_id: uuid::Uuid,
        count: usize,
    ) -> Vec<Envelope> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.events(message_type, case_id).len() < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {count} × {message_type}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(800)).await;
        let events = self.events(message_type, case_id);
        assert_eq!(
            events.len(),
            count,
            "{message_type} fired {} times: {:?}",
            events.len(),
            events
                .iter()
                .map(|e| (e.message_id, e.payload.clone()))
                .collect::<Vec<_>>()
        );
        events
    }
}

/// HTTP to the service under test, as a signed principal (the gateway's header).
pub struct Http {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    client: awc::Client,
}

impl Http {
    /// A client of the service at `base`.
    pub fn new(base: String) -> Self {
        Self {
            base,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(20))
                .finish(),
        }
    }

    /// One request as the signed principal, with extra headers; status and JSON body
    /// (`null` when none).
    pub async fn send(
        &self,
        method: awc::http::Method,
        path: &str,
        principal: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .insert_header(("x-govhall-principal", principal));
        for (k, v) in headers {
            request = request.insert_header((*k, *v));
        }
        let mut res = match body {
            Some(body) => request.send_json(body).await,
            None => request.send().await,
        }
        .unwrap();
        let bytes = res.body().await.unwrap();
        (
            res.status().as_u16(),
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// A GET without a principal; status and body text.
    pub async fn text(&self, path: &str) -> (u16, String) {
        let mut res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let bytes = res.body().await.unwrap();
        (
            res.status().as_u16(),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }
}

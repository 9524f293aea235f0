//! Spawning the joint-handling service on either backend with a clock the test moves,
//! feeding it the other services' events through the real bus, and watching what it
//! publishes to every other service.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, FixedOffset, Utc};
use govhall_bus::{Bus, MemoryBus, RabbitBus, Topology, handler_fn};
use govhall_contracts::{Envelope, Event, envelope::Origin, topology::service};
use govhall_joint::Application;
use govhall_runtime::{ServiceSettings, SharedDeps, clock::ManualClock};
use govhall_web::{InternalKey, Principal, PrincipalKind, Role};
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

/// A running joint-handling service and what the test needs around it.
pub struct TestApp {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub bus: Arc<dyn Bus>,
    pub key: InternalKey,
    pub seen: Arc<Mutex<Vec<Envelope>>>,
    pub database_url: String,
    backend: Backend,
    shutdown: CancellationToken,
    running: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    client: awc::Client,
}

pub fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

impl TestApp {
    pub async fn spawn(backend: Backend, now: &str) -> Self {
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
        bus.declare().await.unwrap();
        // What the joint service publishes lands in the other services' queues: record it.
        let seen: Arc<Mutex<Vec<Envelope>>> = Arc::default();
        for other in [service::INTAKE, service::APPROVAL, service::DEADLINE] {
            let recorder = seen.clone();
            let _queue = bus.consume(
                other,
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
        let clock = Arc::new(ManualClock::new(at(now).with_timezone(&Utc)));
        let key = InternalKey::new(vec![9u8; 32]);
        let mut app = Self {
            base: String::new(),
            clock,
            bus,
            key,
            seen,
            database_url,
            backend,
            shutdown: CancellationToken::new(),
            running: None,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(20))
                .finish(),
        };
        app.start().await;
        app
    }

    /// Starts (or restarts) the service on the same database, bus and clock.
    pub async fn start(&mut self) {
        let cache: Arc<dyn govhall_cache::Cache> = match self.backend {
            Backend::Embedded => Arc::new(govhall_cache::MemoryCache::new()),
            Backend::Distributed => {
                Arc::new(govhall_cache::RedisCache::new("redis://127.0.0.1:6379/", "t:").unwrap())
            }
        };
        let deps = SharedDeps {
            bus: self.bus.clone(),
            cache,
            internal_key: self.key.clone(),
        };
        let settings = ServiceSettings {
            host: "127.0.0.1".into(),
            port: 0,
            database_url: self.database_url.clone(),
            auto_migrate: true,
            files_url: None,
        };
        let app = Application::build_with_clock(settings, deps, self.clock.clone())
            .await
            .unwrap();
        self.base = format!("http://127.0.0.1:{}", app.port());
        self.shutdown = CancellationToken::new();
        self.running = Some(tokio::spawn(app.run_until_stopped(self.shutdown.clone())));
    }

    /// Publishes an event as another service would.
    pub async fn publish<E: Event>(
        &self,
        event: &E,
        case_id: uuid::Uuid,
        producer: &'static str,
        division: &str,
    ) {
        let origin = Origin {
            producer,
            correlation_id: case_id,
            causation_id: None,
            traceparent: None,
            division_code: division.into(),
        };
        let envelope = Envelope::wrap(event, origin).unwrap();
        self.deliver(&envelope).await;
    }

    /// Publishes an envelope as it is (the same message id again: a redelivery).
    pub async fn deliver(&self, envelope: &Envelope) {
        for result in self.bus.publish(std::slice::from_ref(envelope)).await {
            result.unwrap();
        }
    }

    /// A signed staff principal of `division`.
    pub fn staff(&self, sub: &str, division: &str, roles: &[Role]) -> String {
        let principal = Principal {
            sub: sub.into(),
            kind: PrincipalKind::Staff,
            roles: roles.to_vec(),
            division: Some(division.into()),
            department: None,
        };
        self.key.sign(&principal).unwrap()
    }

    /// A request with extra headers; status, headers' ETag and JSON body.
    pub async fn post_with(
        &self,
        path: &str,
        principal: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .insert_header(("x-govhall-principal", principal));
        for (k, v) in headers {
            request = request.insert_header((*k, *v));
        }
        let mut res = request.send_json(body).await.unwrap();
        let bytes = res.body().await.unwrap();
        (
            res.status().as_u16(),
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn get(&self, path: &str, principal: &str) -> (u16, Value) {
        self.send(awc::http::Method::GET, path, principal, None)
            .await
    }

    pub async fn post(&self, path: &str, principal: &str, body: &Value) -> (u16, Value) {
        self.send(awc::http::Method::POST, path, principal, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, principal: &str, body: &Value) -> (u16, Value) {
        self.send(awc::http::Method::PUT, path, principal, Some(body))
            .await
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

    /// One request as the signed principal; status and JSON body (`null` when none).
    async fn send(
        &self,
        method: awc::http::Method,
        path: &str,
        principal: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .insert_header(("x-govhall-principal", principal));
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

    /// Events of `type` published for `case_id` so far, one per message id: delivery is at
    /// least once (a consumer's inbox drops the repeats), so a repeat is not a second event.
    pub fn events(&self, message_type: &str, case_id: uuid::Uuid) -> Vec<Envelope> {
        let mut seen_ids = std::collections::HashSet::new();
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.message_type == message_type && e.correlation_id == case_id)
            .filter(|e| seen_ids.insert(e.message_id))
            .cloned()
            .collect()
    }

    /// Waits until `count` events of `type` were seen for the case, then a little longer
    /// to catch any extra one.
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

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

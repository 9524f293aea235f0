//! Spawning the deadline service on either backend with a clock the test moves, feeding it
//! the other services' events through the real bus, and watching what it publishes.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, FixedOffset, Utc};
use govhall_bus::Bus;
use govhall_contracts::{Envelope, Event, envelope::Origin, topology::service};
use govhall_deadline::Application;
use govhall_runtime::{SharedDeps, clock::ManualClock};
use govhall_test_harness::{Http, Infra, Seen};
use govhall_web::{InternalKey, Principal, PrincipalKind, Role};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use govhall_test_harness::Backend;

/// A running deadline service and what the test needs around it.
pub struct TestApp {
    pub clock: Arc<ManualClock>,
    pub bus: Arc<dyn Bus>,
    pub key: InternalKey,
    pub seen: Seen,
    pub database_url: String,
    backend: Backend,
    shutdown: CancellationToken,
    running: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    http: Http,
}

pub fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

impl TestApp {
    pub async fn spawn(backend: Backend, now: &str) -> Self {
        let Infra { bus, database_url } = Infra::new(backend).await;
        // What the deadline service publishes lands in intake's queue: record it. The other
        // services' queues get a sink (the in-process bus confirms only handled messages).
        let seen = Seen::record(bus.as_ref(), &[service::INTAKE]);
        Seen::sink(bus.as_ref(), &[service::APPROVAL, service::JOINT]);
        let clock = Arc::new(ManualClock::new(at(now).with_timezone(&Utc)));
        let key = InternalKey::new(vec![9u8; 32]);
        let mut app = Self {
            clock,
            bus,
            key,
            seen,
            database_url,
            backend,
            shutdown: CancellationToken::new(),
            running: None,
            http: Http::new(String::new()),
        };
        app.start().await;
        app
    }

    /// Builds the service on the same database, bus and clock.
    async fn build(&self, cache: Arc<dyn govhall_cache::Cache>) -> Application {
        let deps = SharedDeps {
            bus: self.bus.clone(),
            cache,
            internal_key: self.key.clone(),
        };
        Application::build_with_clock(
            govhall_test_harness::settings(&self.database_url),
            deps,
            self.clock.clone(),
        )
        .await
        .unwrap()
    }

    /// Starts (or restarts) the service on the same database, bus and clock.
    pub async fn start(&mut self) {
        let app = self.build(govhall_test_harness::cache(self.backend)).await;
        self.http = Http::new(format!("http://127.0.0.1:{}", app.port()));
        self.shutdown = CancellationToken::new();
        self.running = Some(tokio::spawn(app.run_until_stopped(self.shutdown.clone())));
    }

    /// Starts one more replica of the service on the same database, bus and clock; it stops
    /// with the returned token.
    pub async fn spawn_replica(
        &self,
    ) -> (
        CancellationToken,
        tokio::task::JoinHandle<anyhow::Result<()>>,
    ) {
        let app = self
            .build(govhall_test_harness::cache(Backend::Embedded))
            .await;
        let stop = CancellationToken::new();
        (stop.clone(), tokio::spawn(app.run_until_stopped(stop)))
    }

    /// Stops the service (drains) and waits for it.
    pub async fn stop(&mut self) {
        self.shutdown.cancel();
        if let Some(running) = self.running.take() {
            tokio::time::timeout(Duration::from_secs(30), running)
                .await
                .unwrap()
                .unwrap()
                .unwrap();
        }
    }

    /// Publishes an event as another service would, for a case of 320102.
    pub async fn publish<E: Event>(&self, event: &E, case_id: uuid::Uuid, producer: &'static str) {
        self.publish_in(event, case_id, producer, "320102").await;
    }

    /// Publishes an event as another service would, for a case of `division`.
    pub async fn publish_in<E: Event>(
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
        for result in self.bus.publish(&[envelope]).await {
            result.unwrap();
        }
    }

    pub fn staff(&self, roles: &[Role], department: Option<&str>) -> String {
        let principal = Principal {
            sub: format!("staff-{}", roles.len()),
            kind: PrincipalKind::Staff,
            roles: roles.to_vec(),
            division: Some("320102".into()),
            department: department.map(Into::into),
        };
        self.key.sign(&principal).unwrap()
    }

    pub async fn get(&self, path: &str, principal: &str) -> (u16, Value) {
        self.http
            .send(awc::http::Method::GET, path, principal, &[], None)
            .await
    }

    pub async fn post(&self, path: &str, principal: &str, body: &Value) -> (u16, Value) {
        self.http
            .send(awc::http::Method::POST, path, principal, &[], Some(body))
            .await
    }

    pub async fn put(&self, path: &str, principal: &str, body: &Value) -> (u16, Value) {
        self.http
            .send(awc::http::Method::PUT, path, principal, &[], Some(body))
            .await
    }

    /// A GET without a principal; status and body text.
    pub async fn text(&self, path: &str) -> (u16, String) {
        self.http.text(path).await
    }

    /// The clocks of a case, once `done` holds (bounded wait).
    pub async fn clocks_when(
        &self,
        case_id: uuid::Uuid,
        what: &str,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let clerk = self.staff(&[Role::WindowClerk], None);
        self.clocks_seen_by(&clerk, case_id, what, done).await
    }

    /// The clocks of a case `principal` may see, once `done` holds (bounded wait).
    pub async fn clocks_seen_by(
        &self,
        principal: &str,
        case_id: uuid::Uuid,
        what: &str,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let clerk = principal.to_owned();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let (_, body) = self
                .get(&format!("/api/v1/clocks?case_id={case_id}"), &clerk)
                .await;
            let items = body["items"].as_array().cloned().unwrap_or_default();
            if done(&items) {
                return items;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}: {items:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Events of `type` published for `case_id` so far, one per message id.
    pub fn events(&self, message_type: &str, case_id: uuid::Uuid) -> Vec<Envelope> {
        self.seen.events(message_type, case_id)
    }

    /// Waits for exactly `count` events of `type` for the case.
    pub async fn expect_events(
        &self,
        message_type: &str,
        case_id: uuid::Uuid,
        count: usize,
    ) -> Vec<Envelope> {
        self.seen.expect_events(message_type, case_id, count).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

//! Spawning the joint-handling service on either backend with a clock the test moves,
//! feeding it the other services' events through the real bus, and watching what it
//! publishes to every other service.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use govhall_bus::Bus;
use govhall_contracts::{Envelope, Event, envelope::Origin, topology::service};
use govhall_joint::Application;
use govhall_runtime::{SharedDeps, clock::ManualClock};
use govhall_test_harness::{Http, Infra, Seen};
use govhall_web::{InternalKey, Principal, PrincipalKind, Role};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use govhall_test_harness::Backend;

/// A running joint-handling service and what the test needs around it.
pub struct TestApp {
    pub bus: Arc<dyn Bus>,
    pub key: InternalKey,
    pub seen: Seen,
    http: Http,
    shutdown: CancellationToken,
}

pub fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

impl TestApp {
    pub async fn spawn(backend: Backend, now: &str) -> Self {
        let Infra { bus, database_url } = Infra::new(backend).await;
        // What the joint service publishes lands in the other services' queues: record it.
        let seen = Seen::record(
            bus.as_ref(),
            &[service::INTAKE, service::APPROVAL, service::DEADLINE],
        );
        let clock = Arc::new(ManualClock::new(at(now).with_timezone(&Utc)));
        let key = InternalKey::new(vec![9u8; 32]);
        let deps = SharedDeps {
            bus: bus.clone(),
            cache: govhall_test_harness::cache(backend),
            internal_key: key.clone(),
        };
        let app = Application::build_with_clock(
            govhall_test_harness::settings(&database_url),
            deps,
            clock.clone(),
        )
        .await
        .unwrap();
        let http = Http::new(format!("http://127.0.0.1:{}", app.port()));
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run_until_stopped(shutdown.clone()));
        Self {
            bus,
            key,
            seen,
            http,
            shutdown,
        }
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

    pub async fn get(&self, path: &str, principal: &str) -> (u16, Value) {
        self.http
            .send(awc::http::Method::GET, path, principal, &[], None)
            .await
    }

    pub async fn post(&self, path: &str, principal: &str, body: &Value) -> (u16, Value) {
        self.post_with(path, principal, &[], body).await
    }

    /// A POST with extra headers.
    pub async fn post_with(
        &self,
        path: &str,
        principal: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value) {
        self.http
            .send(
                awc::http::Method::POST,
                path,
                principal,
                headers,
                Some(body),
            )
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

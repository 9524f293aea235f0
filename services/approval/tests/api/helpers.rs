//! Spawning the approval service on either backend and watching what it publishes.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use govhall_approval::Application;
use govhall_bus::Bus;
use govhall_contracts::{Envelope, Event, envelope::Origin, topology::service};
use govhall_runtime::SharedDeps;
use govhall_test_harness::{Http, Infra, Seen};
use govhall_web::{InternalKey, Principal, PrincipalKind, Role};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use govhall_test_harness::Backend;

/// A running approval service.
pub struct TestApp {
    pub bus: Arc<dyn Bus>,
    pub key: InternalKey,
    /// What approval published (as the deadline service receives it).
    pub seen: Arc<Mutex<Vec<Envelope>>>,
    /// What approval published to intake.
    pub seen_by_intake: Arc<Mutex<Vec<Envelope>>>,
    shutdown: CancellationToken,
    running: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    http: Http,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        let Infra { bus, database_url } = Infra::new(backend).await;
        // The deadline service's queue gets every approval event (tasks and conclusions).
        let seen = Seen::record(bus.as_ref(), &[service::DEADLINE]).0;
        let seen_by_intake = Seen::record(bus.as_ref(), &[service::INTAKE]).0;
        Seen::sink(bus.as_ref(), &[service::JOINT]);
        let key = InternalKey::new(vec![5u8; 32]);
        let deps = SharedDeps {
            bus: bus.clone(),
            cache: govhall_test_harness::cache(backend),
            internal_key: key.clone(),
        };
        let settings = govhall_test_harness::settings(&database_url);
        // Supplement requests within two seconds go out as one.
        let app = Application::build_with_window(settings, deps, Duration::from_secs(2))
            .await
            .unwrap();
        let shutdown = CancellationToken::new();
        let http = Http::new(format!("http://127.0.0.1:{}", app.port()));
        let running = Some(tokio::spawn(app.run_until_stopped(shutdown.clone())));
        Self {
            bus,
            key,
            seen,
            seen_by_intake,
            shutdown,
            running,
            http,
        }
    }

    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(running) = self.running.take() {
            tokio::time::timeout(Duration::from_secs(30), running)
                .await
                .unwrap()
                .unwrap()
                .unwrap();
        }
    }

    /// Wraps an event as another service would.
    pub fn envelope<E: Event>(event: &E, case_id: uuid::Uuid, producer: &'static str) -> Envelope {
        let origin = Origin {
            producer,
            correlation_id: case_id,
            causation_id: None,
            traceparent: None,
            division_code: "320102".into(),
        };
        Envelope::wrap(event, origin).unwrap()
    }

    /// Publishes envelopes.
    pub async fn publish_all(&self, envelopes: &[Envelope]) {
        for result in self.bus.publish(envelopes).await {
            result.unwrap();
        }
    }

    pub async fn publish<E: Event>(&self, event: &E, case_id: uuid::Uuid, producer: &'static str) {
        self.publish_all(&[Self::envelope(event, case_id, producer)])
            .await;
    }

    /// Staff `sub` of `department` with `roles`.
    pub fn staff(&self, sub: &str, department: &str, roles: &[Role]) -> String {
        self.key
            .sign(&Principal {
                sub: sub.into(),
                kind: PrincipalKind::Staff,
                roles: roles.to_vec(),
                division: Some("320102".into()),
                department: Some(department.into()),
            })
            .unwrap()
    }

    /// Staff `sub` of `department` in `division` with `roles`.
    pub fn staff_of(&self, sub: &str, division: &str, department: &str, roles: &[Role]) -> String {
        self.key
            .sign(&Principal {
                sub: sub.into(),
                kind: PrincipalKind::Staff,
                roles: roles.to_vec(),
                division: Some(division.into()),
                department: Some(department.into()),
            })
            .unwrap()
    }

    /// A reviewer of `department`.
    pub fn reviewer(&self, department: &str) -> String {
        self.key
            .sign(&Principal {
                sub: format!("reviewer-{department}"),
                kind: PrincipalKind::Staff,
                roles: vec![Role::Reviewer],
                division: Some("320102".into()),
                department: Some(department.into()),
            })
            .unwrap()
    }

    pub async fn send(
        &self,
        method: awc::http::Method,
        path: &str,
        principal: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        self.http.send(method, path, principal, &[], body).await
    }

    /// The task of `department` for a case, once it exists (bounded wait).
    pub async fn task(&self, case_id: uuid::Uuid, department: &str) -> Value {
        let reviewer = self.reviewer(department);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let (_, body) = self
                .send(
                    awc::http::Method::GET,
                    &format!("/api/v1/tasks?case_id={case_id}"),
                    &reviewer,
                    None,
                )
                .await;
            if let Some(task) = body["items"].as_array().and_then(|a| a.first()) {
                return task.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no task for {department}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Records an opinion.
    pub async fn opinion(&self, task: &Value, department: &str, body: Value) -> (u16, Value) {
        let id = task["id"].as_str().unwrap();
        self.send(
            awc::http::Method::POST,
            &format!("/api/v1/tasks/{id}/opinion"),
            &self.reviewer(department),
            Some(&body),
        )
        .await
    }

    /// Events of `kind` for a case, once there are `n` (bounded wait).
    pub async fn expect_events(&self, kind: &str, case_id: uuid::Uuid, n: usize) -> Vec<Envelope> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let found: Vec<Envelope> = self
                .seen
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e.message_type == kind && e.correlation_id == case_id)
                .cloned()
                .collect();
            if found.len() >= n {
                assert_eq!(found.len(), n, "more {kind} events than expected");
                return found;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {n} {kind}, saw {}",
                found.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

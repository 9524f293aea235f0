//! Spawning the intake service on either backend, feeding it the other services' events
//! through the real bus, and watching what it publishes.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, FixedOffset, Utc};
use govhall_bus::Bus;
use govhall_contracts::{Envelope, Event, envelope::Origin, topology::service};
use govhall_intake::Application;
use govhall_runtime::{ServiceSettings, SharedDeps, clock::ManualClock};
use govhall_test_harness::{Infra, Seen};
use govhall_web::{InternalKey, Principal, PrincipalKind, Role};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use govhall_test_harness::Backend;

/// The food licence of the seed catalog (玄武区, single department, 容缺 M2 and M4).
pub const FOOD: &str = "11320102MB1234567X4000117001";
/// A valid ID card number (the GB 11643 sample).
pub const ID: &str = "11010519491231002X";

pub fn food_form() -> Value {
    serde_json::json!({"shop_name": "玄武小吃店", "premises": "南京市玄武区珠江路 1 号", "main_form": "餐饮服务经营者",
        "items": ["热食类食品制售"], "contact_phone": "13800138000"})
}

pub fn application(matter: &str, form: Value) -> Value {
    serde_json::json!({"matter_code": matter, "applicant": {"kind": "natural_person", "name": "张三", "id_number": ID},
        "contact_phone": "13812345678", "form": form})
}

/// A running intake service and what the test needs around it.
pub struct TestApp {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub bus: Arc<dyn Bus>,
    pub key: InternalKey,
    /// The service's database, for checks the API cannot make.
    pub database_url: String,
    /// What intake published (as the deadline service receives it).
    pub seen: Arc<Mutex<Vec<Envelope>>>,
    shutdown: CancellationToken,
    running: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    client: awc::Client,
    _files: tempdir::Dir,
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

impl TestApp {
    pub async fn spawn(backend: Backend, now: &str) -> Self {
        let Infra { bus, database_url } = Infra::new(backend).await;
        let seen = Seen::record(bus.as_ref(), &[service::DEADLINE]).0;
        Seen::sink(bus.as_ref(), &[service::APPROVAL, service::JOINT]);
        let clock = Arc::new(ManualClock::new(at(now).with_timezone(&Utc)));
        let key = InternalKey::new(vec![7u8; 32]);
        let files = std::env::temp_dir().join(format!("govhall-intake-{}", uuid::Uuid::new_v4()));
        let deps = SharedDeps {
            bus: bus.clone(),
            cache: govhall_test_harness::cache(backend),
            internal_key: key.clone(),
        };
        let settings = ServiceSettings {
            files_url: Some(format!("file://{}", files.display())),
            ..govhall_test_harness::settings(&database_url)
        };
        let app = Application::build_with_clock(settings, deps, clock.clone())
            .await
            .unwrap();
        let shutdown = CancellationToken::new();
        let base = format!("http://127.0.0.1:{}", app.port());
        let running = Some(tokio::spawn(app.run_until_stopped(shutdown.clone())));
        Self {
            base,
            clock,
            bus,
            key,
            database_url,
            seen,
            shutdown,
            running,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(20))
                .finish(),
            _files: tempdir::Dir(files),
        }
    }

    /// Stops the service and waits for it to drain.
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

    /// Publishes an event as another service would.
    pub async fn publish<E: Event>(&self, event: &E, case_id: uuid::Uuid, producer: &'static str) {
        let origin = Origin {
            producer,
            correlation_id: case_id,
            causation_id: None,
            traceparent: None,
            division_code: "320102".into(),
        };
        let envelope = Envelope::wrap(event, origin).unwrap();
        for result in self.bus.publish(&[envelope]).await {
            result.unwrap();
        }
    }

    pub fn citizen(&self, sub: &str) -> String {
        self.key
            .sign(&Principal {
                sub: sub.into(),
                kind: PrincipalKind::Citizen,
                roles: vec![],
                division: None,
                department: None,
            })
            .unwrap()
    }

    pub fn staff(&self, sub: &str, roles: &[Role], division: &str) -> String {
        self.key
            .sign(&Principal {
                sub: sub.into(),
                kind: PrincipalKind::Staff,
                roles: roles.to_vec(),
                division: Some(division.into()),
                department: None,
            })
            .unwrap()
    }

    /// Staff of a department (a reviewer or a leader), as the approval service's users are.
    pub fn departmental(&self, sub: &str, role: Role, division: &str, department: &str) -> String {
        self.key
            .sign(&Principal {
                sub: sub.into(),
                kind: PrincipalKind::Staff,
                roles: vec![role],
                division: Some(division.into()),
                department: Some(department.into()),
            })
            .unwrap()
    }

    pub fn clerk(&self) -> String {
        self.staff("clerk-1", &[Role::WindowClerk], "320102")
    }

    pub async fn get(&self, path: &str, principal: Option<&str>) -> (u16, Value) {
        self.send(awc::http::Method::GET, path, principal, None, &[])
            .await
    }

    pub async fn post(&self, path: &str, principal: &str, body: &Value) -> (u16, Value) {
        self.send(
            awc::http::Method::POST,
            path,
            Some(principal),
            Some(body),
            &[],
        )
        .await
    }

    pub async fn put(
        &self,
        path: &str,
        principal: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        self.send(
            awc::http::Method::PUT,
            path,
            Some(principal),
            Some(body),
            headers,
        )
        .await
    }

    /// One request; status and JSON body (`null` when none).
    pub async fn send(
        &self,
        method: awc::http::Method,
        path: &str,
        principal: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let (status, bytes) = self.raw(method, path, principal, body, headers).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// One request; status and body bytes.
    pub async fn raw(
        &self,
        method: awc::http::Method,
        path: &str,
        principal: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<u8>) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(p) = principal {
            request = request.insert_header(("x-govhall-principal", p));
        }
        for (k, v) in headers {
            request = request.insert_header((*k, *v));
        }
        let mut res = match body {
            Some(body) => request.send_json(body).await,
            None => request.send().await,
        }
        .unwrap();
        let bytes = res.body().limit(10 * 1024 * 1024).await.unwrap();
        (res.status().as_u16(), bytes.to_vec())
    }

    /// Submits the food licence as `citizen`; returns the created body.
    pub async fn submit_food(&self, citizen: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/cases",
                &self.citizen(citizen),
                &application(FOOD, food_form()),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// The case, once `done` holds (bounded wait).
    pub async fn case_when(
        &self,
        id: &str,
        token: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let (_, body) = self.get(&format!("/api/v1/cases/{id}"), Some(token)).await;
            if done(&body) {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Events of `kind` intake published for a case, once there are `n` (bounded wait).
    pub async fn expect_events(&self, kind: &str, case_id: &str, n: usize) -> Vec<Envelope> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let found: Vec<Envelope> = self
                .seen
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e.message_type == kind && e.correlation_id.to_string() == case_id)
                .cloned()
                .collect();
            if found.len() >= n {
                assert_eq!(found.len(), n, "more {kind} events than expected");
                return found;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {n} {kind} event(s), saw {}",
                found.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl TestApp {
    /// Uploads `bytes` as the multipart field `file` for material `code` of a draft or case.
    pub async fn upload(
        &self,
        owner: &str,
        code: &str,
        principal: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> (u16, Value) {
        let boundary = "govhall-test-boundary-7MA4YWxk";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"申请书.pdf\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut res = self
            .client
            .post(format!("{}/api/v1/uploads/{owner}?code={code}", self.base))
            .insert_header(("x-govhall-principal", principal))
            .insert_header((
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .send_body(body)
            .await
            .unwrap();
        let bytes = res.body().await.unwrap();
        (
            res.status().as_u16(),
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Takes the food licence of `citizen` from submission to completion; returns its id.
    pub async fn completed_food_case(&self, citizen: &str) -> String {
        use govhall_contracts::events::{Outcome, approval::ReviewConcluded};
        let created = self.submit_food(citizen).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let (status, body) = self
            .post(
                &format!("/api/v1/cases/{id}/acceptance"),
                &self.clerk(),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let case_id: uuid::Uuid = id.parse().unwrap();
        let concluded = ReviewConcluded {
            review_id: uuid::Uuid::now_v7(),
            case_id,
            outcome: Outcome::Approved,
            opinions: vec![],
            concluded_at: at("2026-11-05T10:00:00+08:00"),
        };
        self.publish(&concluded, case_id, "approval").await;
        self.case_when(&id, &self.citizen(citizen), "the decision", |c| {
            c["state"] == "decided"
        })
        .await;
        let (status, body) = self
            .post(
                &format!("/api/v1/cases/{id}/delivery"),
                &self.clerk(),
                &serde_json::json!({"method": "electronic"}),
            )
            .await;
        assert_eq!(
            (status, body["state"].as_str()),
            (200, Some("completed")),
            "{body}"
        );
        id
    }
}

//! Liveness (`/healthz`) and readiness (`/readyz`) endpoints.

use std::sync::Arc;

use actix_web::{HttpResponse, ResponseError, web};
use async_trait::async_trait;
use govhall_bus::Bus;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;

use crate::problem::Problem;

/// Something readiness depends on.
#[async_trait]
pub trait Probe: Send + Sync {
    /// Short name shown in the readiness report (`database`, `broker`).
    fn name(&self) -> &'static str;
    /// `Ok` when reachable.
    async fn check(&self) -> anyhow::Result<()>;

    /// Something worth reporting that does not make the service unready (shown under
    /// `details` in the readiness report).
    async fn detail(&self) -> Option<serde_json::Value> {
        None
    }
}

/// The service's database answers `SELECT 1`.
pub struct DatabaseProbe(pub DatabaseConnection);

#[async_trait]
impl Probe for DatabaseProbe {
    fn name(&self) -> &'static str {
        "database"
    }
    async fn check(&self) -> anyhow::Result<()> {
        self.0.execute_unprepared("SELECT 1").await?;
        Ok(())
    }
}

/// The message broker is connected.
pub struct BusProbe(pub Arc<dyn Bus>);

#[async_trait]
impl Probe for BusProbe {
    fn name(&self) -> &'static str {
        "broker"
    }
    async fn check(&self) -> anyhow::Result<()> {
        Ok(self.0.ready().await?)
    }
}

/// The probes a service's readiness depends on.
#[derive(Clone, Default)]
pub struct Readiness(pub Vec<Arc<dyn Probe>>);

/// Registers `/healthz` and `/readyz`.
pub fn configure(cfg: &mut web::ServiceConfig, readiness: Readiness) {
    cfg.app_data(web::Data::new(readiness))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    let mut failed = Vec::new();
    let mut checks = serde_json::Map::new();
    let mut details = serde_json::Map::new();
    for probe in &readiness.0 {
        if let Some(detail) = probe.detail().await {
            details.insert(probe.name().into(), detail);
        }
        let outcome = tokio_timeout(probe.check()).await;
        match outcome {
            Ok(()) => {
                checks.insert(probe.name().into(), json!("ok"));
            }
            Err(e) => {
                tracing::warn!(probe = probe.name(), error = %e, "readiness probe failed");
                checks.insert(probe.name().into(), json!("unavailable"));
                failed.push(probe.name());
            }
        }
    }
    if failed.is_empty() {
        HttpResponse::Ok().json(json!({"status": "ready", "checks": checks, "details": details}))
    } else {
        Problem::unavailable(format!("not ready: {}", failed.join(", "))).error_response()
    }
}

async fn tokio_timeout(
    f: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    // A probe that hangs (e.g. a half-open TCP connection) must not hang the probe endpoint.
    match actix_web::rt::time::timeout(std::time::Duration::from_secs(3), f).await {
        Ok(r) => r,
        Err(_) => Err(anyhow::anyhow!("timed out")),
    }
}

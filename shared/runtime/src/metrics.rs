//! Process metrics in the Prometheus text format, served by every service at `GET /metrics`.
//!
//! One recorder per process (standalone runs every service in one): the first service to
//! start installs it; the others share it.

use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use (`None` if another recorder
/// was installed first, which only a test harness would do).
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

/// `GET /metrics`.
pub async fn render() -> HttpResponse {
    match prometheus() {
        Some(handle) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(handle.render()),
        None => HttpResponse::ServiceUnavailable().finish(),
    }
}

/// Registers `GET /metrics`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Installing here makes metrics recorded before the first scrape count.
    let _ = prometheus();
    cfg.route("/metrics", web::get().to(render));
}

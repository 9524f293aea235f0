//! Readiness probes: the gateway is ready when every upstream's `/healthz` answers.

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use govhall_web::health::Probe;
use url::Url;

use crate::routes::Upstream;

/// Shorter than the 3 s the readiness endpoint allows a probe, so a slow upstream is
/// reported by name instead of as a timeout.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Probes one upstream's `/healthz`.
pub(crate) struct UpstreamProbe {
    name: &'static str,
    url: String,
}

impl UpstreamProbe {
    pub(crate) fn new(upstream: Upstream, base: &Url) -> Self {
        Self {
            name: upstream.name(),
            url: format!("{}/healthz", base.as_str().trim_end_matches('/')),
        }
    }
}

#[async_trait]
impl Probe for UpstreamProbe {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn check(&self) -> anyhow::Result<()> {
        let url = self.url.clone();
        // awc's client is !Send while a probe's future must be Send: run the request as a
        // local task on this worker and await its (Send) join handle.
        actix_web::rt::spawn(async move {
            let client = awc::Client::builder()
                .timeout(PROBE_TIMEOUT)
                .disable_redirects()
                .finish();
            let response = client
                .get(url)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            anyhow::ensure!(
                response.status().is_success(),
                "answered {}",
                response.status()
            );
            Ok(())
        })
        .await
        .context("Failed to run the upstream probe")?
    }
}

//! Readiness: the gateway is ready while it can serve part of the API, i.e. while at least one
//! upstream's `/healthz` answers. One service down makes its own routes answer 502, but must
//! not take every gateway replica out of its load balancer (that would take the whole API
//! away, the catalog and every other service with it). Each upstream's state is reported
//! under `details.upstreams` for operators and monitoring.

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
struct UpstreamProbe {
    name: &'static str,
    url: String,
}

impl UpstreamProbe {
    fn new(upstream: Upstream, base: &Url) -> Self {
        Self {
            name: upstream.name(),
            url: format!("{}/healthz", base.as_str().trim_end_matches('/')),
        }
    }
}

impl UpstreamProbe {
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

/// Every upstream: ready while any of them answers; each one's state in the details.
pub(crate) struct UpstreamsProbe(Vec<UpstreamProbe>);

impl UpstreamsProbe {
    pub(crate) fn new(upstreams: impl IntoIterator<Item = (Upstream, Url)>) -> Self {
        Self(
            upstreams
                .into_iter()
                .map(|(upstream, base)| UpstreamProbe::new(upstream, &base))
                .collect(),
        )
    }

    /// Each upstream's name and whether its `/healthz` answered.
    async fn states(&self) -> Vec<(&'static str, anyhow::Result<()>)> {
        futures::future::join_all(
            self.0
                .iter()
                .map(|probe| async move { (probe.name, probe.check().await) }),
        )
        .await
    }
}

#[async_trait]
impl Probe for UpstreamsProbe {
    fn name(&self) -> &'static str {
        "upstreams"
    }

    async fn check(&self) -> anyhow::Result<()> {
        let states = self.states().await;
        anyhow::ensure!(
            states.iter().any(|(_, state)| state.is_ok()),
            "no upstream answers"
        );
        Ok(())
    }

    async fn detail(&self) -> Option<serde_json::Value> {
        let states = self.states().await;
        let map: serde_json::Map<String, serde_json::Value> = states
            .into_iter()
            .map(|(name, state)| {
                let value = match state {
                    Ok(()) => "ok",
                    Err(e) => {
                        tracing::warn!(upstream = name, error = %e, "upstream not answering");
                        "unavailable"
                    }
                };
                (name.to_owned(), value.into())
            })
            .collect();
        Some(map.into())
    }
}

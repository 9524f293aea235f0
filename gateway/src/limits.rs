//! Rate limits: per client IP (before any token is looked at) and per principal, with a
//! quota of its own for each integrator that has one.
//!
//! The counters live in the [`Cache`] the gateway is given: Redis in production, so every
//! gateway replica draws on the same budget, in-process in standalone. When Redis cannot be
//! reached the gateway keeps limiting with an in-process counter of its own (each replica
//! then allows the full rate) rather than refusing every request or letting all through.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use actix_web::http::header::HeaderMap;
use govhall_cache::{Cache, MemoryCache};
use govhall_web::PrincipalKind;
use ipnet::IpNet;

use crate::auth::Caller;

/// At most `limit` requests per `period` (in bursts of up to `limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests per period; 0 turns the limit off.
    pub limit: u32,
    /// The period.
    pub period: Duration,
}

impl Quota {
    /// `limit` requests per minute.
    pub const fn per_minute(limit: u32) -> Self {
        Self {
            limit,
            period: Duration::from_secs(60),
        }
    }
}

/// The limits the gateway applies.
#[derive(Debug, Clone)]
pub struct RateLimits {
    /// Per client IP address, anonymous or not.
    pub per_ip: Quota,
    /// Per signed-in principal (people and integrators without a quota of their own).
    pub per_principal: Quota,
    /// Integrators' own quotas, by client id.
    pub integrators: HashMap<String, Quota>,
    /// Proxies in front of the gateway (a load balancer, the ingress) whose
    /// `X-Forwarded-For` is believed; the client is the last address they did not add.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_ip: Quota::per_minute(1200),
            per_principal: Quota::per_minute(600),
            integrators: HashMap::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Applies [`RateLimits`] against a shared store.
pub(crate) struct Limiter {
    limits: RateLimits,
    store: Arc<dyn Cache>,
    /// Used while `store` is unreachable.
    fallback: MemoryCache,
    /// When the fallback was last reported (one warning a minute, not one per request).
    warned: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Limiter {
    pub(crate) fn new(limits: RateLimits, store: Arc<dyn Cache>) -> Self {
        Self {
            limits,
            store,
            fallback: MemoryCache::new(),
            warned: std::sync::Mutex::new(None),
        }
    }

    /// The client's address: the peer, or, behind trusted proxies, the last address in
    /// `X-Forwarded-For` that no trusted proxy added.
    pub(crate) fn client_ip(
        &self,
        peer: Option<SocketAddr>,
        headers: &HeaderMap,
    ) -> Option<IpAddr> {
        let peer = peer?.ip();
        if !self.trusted(peer) {
            return Some(peer);
        }
        let chain: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|hop| hop.trim().parse().ok())
            .collect();
        Some(
            chain
                .into_iter()
                .rev()
                .find(|ip| !self.trusted(*ip))
                .unwrap_or(peer),
        )
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        self.limits
            .trusted_proxies
            .iter()
            .any(|net| net.contains(&ip))
    }

    /// `Some(wait)` when the client address has used up its budget.
    pub(crate) async fn check_ip(&self, ip: Option<IpAddr>) -> Option<Duration> {
        let ip = ip?;
        self.admit(&format!("rl:ip:{ip}"), self.limits.per_ip).await
    }

    /// `Some(wait)` when the caller has used up its budget: its own (an API key's), else
    /// its integrator's quota, else the default per principal.
    pub(crate) async fn check_caller(&self, caller: &Caller) -> Option<Duration> {
        let principal = &caller.principal;
        let quota = match (caller.rate_per_minute, principal.kind) {
            (Some(own), _) => Quota::per_minute(own),
            (None, PrincipalKind::Integrator) => self
                .limits
                .integrators
                .get(&principal.sub)
                .copied()
                .unwrap_or(self.limits.per_principal),
            (None, _) => self.limits.per_principal,
        };
        let kind = match principal.kind {
            PrincipalKind::Citizen => "citizen",
            PrincipalKind::LegalPerson => "legal",
            PrincipalKind::Staff => "staff",
            PrincipalKind::Integrator => "integrator",
        };
        self.admit(&format!("rl:p:{kind}:{}", principal.sub), quota)
            .await
    }

    /// Warns that Redis is unreachable, once a minute rather than once per request.
    fn report_fallback(&self, e: &govhall_cache::CacheError) {
        let mut warned = self
            .warned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
            *warned = Some(std::time::Instant::now());
            tracing::warn!(error = %e, "rate-limit store unavailable; limiting in process");
        }
    }

    async fn admit(&self, key: &str, quota: Quota) -> Option<Duration> {
        if quota.limit == 0 {
            return None;
        }
        match self.store.throttle(key, quota.limit, quota.period).await {
            Ok(wait) => wait,
            Err(e) => {
                self.report_fallback(&e);
                self.fallback
                    .throttle(key, quota.limit, quota.period)
                    .await
                    .unwrap_or(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn limiter(trusted: &[&str]) -> Limiter {
        Limiter::new(
            RateLimits {
                trusted_proxies: trusted.iter().map(|n| n.parse().unwrap()).collect(),
                ..RateLimits::default()
            },
            Arc::new(MemoryCache::new()),
        )
    }

    fn forwarded(chain: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_str(chain).unwrap(),
        );
        headers
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let peer: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let headers = forwarded("203.0.113.9, 10.0.0.7");
        assert_eq!(
            limiter(&[]).client_ip(Some(peer), &headers),
            Some("10.0.0.5".parse().unwrap()),
            "an untrusted peer's X-Forwarded-For is ignored"
        );
        assert_eq!(
            limiter(&["10.0.0.0/8"]).client_ip(Some(peer), &headers),
            Some("203.0.113.9".parse().unwrap())
        );
        // A client cannot hide behind an address it writes itself: the proxy appends the
        // real one last.
        let spoofed = forwarded("1.2.3.4, 198.51.100.20");
        assert_eq!(
            limiter(&["10.0.0.0/8"]).client_ip(Some(peer), &spoofed),
            Some("198.51.100.20".parse().unwrap())
        );
    }
}

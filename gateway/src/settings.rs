//! Settings the binary hands to [`crate::Application::build`].

use std::time::Duration;

use govhall_web::InternalKey;
use url::Url;

use std::sync::Arc;

use govhall_cache::Cache;

use crate::{dev_issuer::DevIssuer, limits::RateLimits, oidc::OidcSettings, routes::Upstream};

/// Base URLs of the services behind the gateway.
#[derive(Debug, Clone)]
pub struct Upstreams {
    /// Intake service (收件): matters and cases.
    pub intake: Url,
    /// Deadline service: processing clocks and the working-day calendar.
    pub deadline: Url,
    /// Approval service (审批): reviews and tasks.
    pub approval: Url,
    /// Joint-handling service (联办): divisions, transfers and routes.
    pub joint: Url,
}

impl Upstreams {
    /// Base URL of one upstream.
    pub(crate) fn get(&self, upstream: Upstream) -> &Url {
        match upstream {
            Upstream::Intake => &self.intake,
            Upstream::Deadline => &self.deadline,
            Upstream::Approval => &self.approval,
            Upstream::Joint => &self.joint,
        }
    }
}

/// The web hall and consoles served at `/` (see the `govhall-portal` crate).
#[derive(Debug, Clone)]
pub struct PortalSettings {
    /// Serve the pages.
    pub enabled: bool,
    /// Mark the session cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Sign-in at the identity provider (authorization code flow); none: the development
    /// issuer's sign-in page when it is on, else no sign-in on the pages.
    pub oidc_login: Option<govhall_portal::OidcLogin>,
}

impl Default for PortalSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            secure_cookies: false,
            oidc_login: None,
        }
    }
}

/// Everything the gateway needs to start.
#[derive(Clone)]
pub struct GatewaySettings {
    /// Interface to listen on.
    pub host: String,
    /// Port to listen on; 0 picks an ephemeral port (tests).
    pub port: u16,
    /// Where each route prefix is forwarded.
    pub upstreams: Upstreams,
    /// How long an upstream may take to send its response head.
    pub upstream_timeout: Duration,
    /// Signs the principal forwarded to the services.
    pub internal_key: InternalKey,
    /// Development token issuer whose tokens are accepted (standalone/dev only).
    pub dev_issuer: Option<DevIssuer>,
    /// The identity provider whose OIDC tokens are accepted (production).
    pub oidc: Option<OidcSettings>,
    /// Origins of browser clients allowed to call the API cross-origin
    /// (`https://hall.example.gov.cn`); none: same-origin only.
    pub cors_origins: Vec<String>,
    /// The web hall and consoles.
    pub portal: PortalSettings,
    /// The gateway's own database (API keys); none: API keys are off.
    pub database_url: Option<String>,
    /// Migrate that database at start.
    pub auto_migrate: bool,
    /// Rate limits per client IP and per principal.
    pub rate_limits: RateLimits,
    /// Where the rate-limit counters live: Redis in production (shared by every replica),
    /// in-process in standalone.
    pub limiter_store: Arc<dyn Cache>,
    /// The merged OpenAPI document served at `/openapi.json`.
    pub openapi: utoipa::openapi::OpenApi,
    /// The AsyncAPI document of every event, served at `/asyncapi.yaml`.
    pub asyncapi: String,
}

impl std::fmt::Debug for GatewaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewaySettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("upstreams", &self.upstreams)
            .field("upstream_timeout", &self.upstream_timeout)
            .field("internal_key", &self.internal_key)
            .field("dev_issuer", &self.dev_issuer)
            .field("oidc", &self.oidc)
            .field("cors_origins", &self.cors_origins)
            .field("portal", &self.portal)
            .field("rate_limits", &self.rate_limits)
            .field("openapi", &self.openapi.info.title)
            .finish()
    }
}

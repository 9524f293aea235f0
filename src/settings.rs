//! Typed settings: compiled-in defaults, then an optional file (`GOVHALL_CONFIG` or
//! `--config`), then `GOVHALL_*` environment variables (`__` for nesting, e.g.
//! `GOVHALL_HTTP__PORT=8080`, `GOVHALL_DATABASE__INTAKE=postgres://…`).

use std::path::PathBuf;

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Every setting of the binary.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Folder for standalone data: SQLite files and the development issuer's key.
    pub data_dir: PathBuf,
    /// The public listener (the gateway in standalone; the service in `serve`).
    pub http: HttpSettings,
    /// Logging.
    pub log: LogSettings,
    /// Trace export.
    #[serde(default)]
    pub telemetry: TelemetrySettings,
    /// Database URL per service; standalone defaults to SQLite files under `data_dir`.
    #[serde(default)]
    pub database: DatabaseSettings,
    /// Message bus.
    pub bus: BusSettings,
    /// Redis, for caches and rate limits.
    pub redis: RedisSettings,
    /// Key (≥ 32 bytes) the gateway signs forwarded principals with; required by `serve`,
    /// generated per process in standalone.
    pub internal_key: Option<SecretString>,
    /// The development token issuer.
    #[serde(default)]
    pub dev_issuer: DevIssuerSettings,
    /// The identity provider (production): OIDC tokens verified against its JWKS.
    #[serde(default)]
    pub oidc: OidcConfig,
    /// The gateway's rate limits.
    pub rate_limit: RateLimitConfig,
    /// Cross-origin browser clients.
    #[serde(default)]
    pub cors: CorsConfig,
    /// The web hall and consoles the gateway serves.
    #[serde(default)]
    pub portal: PortalConfig,
    /// Where intake keeps uploaded materials.
    #[serde(default)]
    pub materials: MaterialsSettings,
    /// Approval.
    pub approval: ApprovalSettings,
    /// Upstream service URLs for `serve gateway`.
    #[serde(default)]
    pub upstreams: UpstreamSettings,
    /// Timeout of one upstream call through the gateway, in seconds.
    pub upstream_timeout_secs: u64,
    /// Run migrations at start (turn off where a migration job runs them).
    pub auto_migrate: bool,
}

/// Listener address.
#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    /// Host to bind.
    pub host: String,
    /// Port to bind (0: any free port).
    pub port: u16,
}

/// Logging.
#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    /// `text` or `json`.
    pub format: String,
    /// Default filter when `RUST_LOG` is not set.
    pub level: String,
}

/// Trace export.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct TelemetrySettings {
    /// Base URL of an OTLP/HTTP collector (`http://collector:4318`); no export when unset.
    pub otlp_endpoint: Option<String>,
}

/// Database URL per service.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct DatabaseSettings {
    /// Intake database URL.
    pub intake: Option<String>,
    /// Deadline database URL.
    pub deadline: Option<String>,
    /// Approval database URL.
    pub approval: Option<String>,
    /// Joint database URL.
    pub joint: Option<String>,
    /// The gateway's database (API keys); without it `serve gateway` runs with API keys off.
    pub gateway: Option<String>,
}

/// Redis (caches and rate limits: nothing that must survive).
#[derive(Debug, Clone, Deserialize)]
pub struct RedisSettings {
    /// `redis://host:6379/0` (used by `serve`; standalone keeps its cache in memory).
    pub url: Option<SecretString>,
    /// Prefix of every key.
    pub prefix: String,
}

/// Message bus.
#[derive(Debug, Clone, Deserialize)]
pub struct BusSettings {
    /// AMQP URL of RabbitMQ (used by `serve`).
    pub url: Option<SecretString>,
    /// Prefix of every exchange and queue name.
    pub prefix: String,
    /// Deliveries of a message before it is dead-lettered.
    pub delivery_limit: u32,
    /// Delete idle queues after this many milliseconds (tests only).
    pub queue_expires_ms: Option<u64>,
}

/// The development token issuer.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct DevIssuerSettings {
    /// Accept and mint development tokens. Unset: on in standalone and for `token`, off for `serve`.
    pub enabled: Option<bool>,
    /// Key file; defaults to `<data_dir>/dev-issuer.key`.
    pub key_file: Option<PathBuf>,
}

/// The identity provider; the gateway accepts its tokens when `issuer` is set.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct OidcConfig {
    /// Expected `iss` (`https://idp.example.gov.cn/realms/js`).
    pub issuer: Option<String>,
    /// Accepted `aud` values, comma-separated (default `govhall`).
    pub audience: Option<String>,
    /// The provider's key set (`…/protocol/openid-connect/certs`).
    pub jwks_url: Option<String>,
    /// Accepted algorithms, comma-separated (default `RS256,PS256,ES256`; HMAC is refused).
    pub algorithms: Option<String>,
    /// Sign-in on the web hall: the provider's authorization endpoint
    /// (`…/protocol/openid-connect/auth`).
    pub authorization_url: Option<String>,
    /// Sign-in on the web hall: the provider's token endpoint (`…/protocol/openid-connect/token`).
    pub token_url: Option<String>,
    /// Sign-in on the web hall: this client's id at the provider.
    pub client_id: Option<String>,
    /// Sign-in on the web hall: this client's secret (confidential clients).
    pub client_secret: Option<SecretString>,
    /// Sign-in on the web hall: the registered callback (`https://…/login/callback`); unset:
    /// derived from each request's scheme and host.
    pub redirect_url: Option<String>,
}

/// The web hall and consoles (网上办事大厅) the gateway serves at `/`.
#[derive(Debug, Clone, Deserialize)]
pub struct PortalConfig {
    /// Serve the pages (default on).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Mark the session cookies `Secure` (set behind HTTPS; default off).
    #[serde(default)]
    pub secure_cookies: bool,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            secure_cookies: false,
        }
    }
}

fn yes() -> bool {
    true
}

impl PortalConfig {
    /// The gateway's portal settings; sign-in at the identity provider when `oidc` names its
    /// authorization and token endpoints and this client's id.
    pub fn gateway(&self, oidc: &OidcConfig) -> anyhow::Result<govhall_gateway::PortalSettings> {
        let oidc_login = match (&oidc.authorization_url, &oidc.token_url, &oidc.client_id) {
            (Some(authorization), Some(token), Some(client_id)) => {
                Some(govhall_portal::OidcLogin {
                    authorization_url: authorization
                        .parse()
                        .context("GOVHALL_OIDC__AUTHORIZATION_URL is not a URL")?,
                    token_url: token
                        .parse()
                        .context("GOVHALL_OIDC__TOKEN_URL is not a URL")?,
                    client_id: client_id.clone(),
                    client_secret: oidc
                        .client_secret
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned()),
                    redirect_url: oidc
                        .redirect_url
                        .as_deref()
                        .map(str::parse)
                        .transpose()
                        .context("GOVHALL_OIDC__REDIRECT_URL is not a URL")?,
                    scope: "openid".to_owned(),
                })
            }
            (None, None, None) => None,
            _ => bail!(
                "sign-in at the identity provider needs GOVHALL_OIDC__AUTHORIZATION_URL, \
                 GOVHALL_OIDC__TOKEN_URL and GOVHALL_OIDC__CLIENT_ID together"
            ),
        };
        Ok(govhall_gateway::PortalSettings {
            enabled: self.enabled,
            secure_cookies: self.secure_cookies,
            oidc_login,
        })
    }
}

/// Cross-origin browser clients of the gateway.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct CorsConfig {
    /// Allowed origins, comma-separated (`https://hall.example.gov.cn`); none by default.
    pub origins: Option<String>,
}

/// The gateway's rate limits (0 turns one off).
#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitConfig {
    /// Requests per minute from one client IP address (default 1200).
    pub per_ip_per_minute: u32,
    /// Requests per minute of one signed-in principal (default 600).
    pub per_principal_per_minute: u32,
    /// Integrators' own quotas per minute: `city-portal=3000,tax-bureau=600`.
    pub integrators: Option<String>,
    /// Proxies whose `X-Forwarded-For` is believed, comma-separated addresses or CIDRs.
    pub trusted_proxies: Option<String>,
}

/// Upstream URLs for `serve gateway`.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct UpstreamSettings {
    /// Intake service URL.
    pub intake: Option<String>,
    /// Deadline service URL.
    pub deadline: Option<String>,
    /// Approval service URL.
    pub approval: Option<String>,
    /// Joint service URL.
    pub joint: Option<String>,
}

impl Settings {
    /// Loads the layers; `file` overrides `GOVHALL_CONFIG`.
    pub fn load(file: Option<PathBuf>) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder()
            .set_default("data_dir", "./data")?
            .set_default("http.host", "127.0.0.1")?
            .set_default("http.port", 8080)?
            .set_default("log.format", "text")?
            .set_default("log.level", "info")?
            .set_default("bus.prefix", "govhall.")?
            .set_default("bus.delivery_limit", 5)?
            .set_default("redis.prefix", "govhall:")?
            .set_default("upstream_timeout_secs", 30)?
            .set_default("rate_limit.per_ip_per_minute", 1200)?
            .set_default("rate_limit.per_principal_per_minute", 600)?
            .set_default("auto_migrate", true)?
            .set_default("approval.supplement_window_secs", 600)?;
        let file = file.or_else(|| std::env::var_os("GOVHALL_CONFIG").map(PathBuf::from));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file.clone()).required(true));
        }
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix("GOVHALL")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize()
            .context("invalid settings (see the key named above; GOVHALL_<SECTION>__<KEY>)")?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks what types cannot, naming the key.
    fn validate(&self) -> anyhow::Result<()> {
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!(
                "GOVHALL_LOG__FORMAT must be `text` or `json`, not `{}`",
                self.log.format
            );
        }
        if self.bus.delivery_limit == 0 {
            bail!("GOVHALL_BUS__DELIVERY_LIMIT must be at least 1");
        }
        if self.bus.prefix.is_empty()
            || !self
                .bus
                .prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            bail!("GOVHALL_BUS__PREFIX must be non-empty ASCII letters, digits, '.', '_' or '-'");
        }
        if let Some(key) = &self.internal_key
            && key.expose_secret().len() < 32
        {
            bail!("GOVHALL_INTERNAL_KEY must be at least 32 characters");
        }
        if let Some(endpoint) = &self.telemetry.otlp_endpoint
            && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        {
            bail!("GOVHALL_TELEMETRY__OTLP_ENDPOINT must be an http(s) URL, not `{endpoint}`");
        }
        if self.upstream_timeout_secs == 0 {
            bail!("GOVHALL_UPSTREAM_TIMEOUT_SECS must be at least 1");
        }
        Ok(())
    }

    /// The identity provider's settings, `None` when no issuer is configured.
    pub fn oidc(&self) -> anyhow::Result<Option<govhall_gateway::oidc::OidcSettings>> {
        let Some(issuer) = self.oidc.issuer.clone() else {
            return Ok(None);
        };
        let jwks_url = self
            .oidc
            .jwks_url
            .as_deref()
            .context("GOVHALL_OIDC__JWKS_URL is required when GOVHALL_OIDC__ISSUER is set")?
            .parse()
            .context("GOVHALL_OIDC__JWKS_URL is not a URL")?;
        let list = |value: &Option<String>, default: &str| -> Vec<String> {
            value
                .as_deref()
                .unwrap_or(default)
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut oidc = govhall_gateway::oidc::OidcSettings::new(
            issuer,
            list(&self.oidc.audience, "govhall"),
            jwks_url,
        );
        if self.oidc.algorithms.is_some() {
            oidc.algorithms = list(&self.oidc.algorithms, "")
                .iter()
                .map(|name| {
                    let alg: govhall_gateway::oidc::Algorithm = name.parse().with_context(|| {
                        format!("GOVHALL_OIDC__ALGORITHMS: `{name}` is not a JWS algorithm")
                    })?;
                    if name.starts_with("HS") {
                        bail!("GOVHALL_OIDC__ALGORITHMS: `{name}` is symmetric; only the provider's public keys are trusted");
                    }
                    Ok(alg)
                })
                .collect::<anyhow::Result<_>>()?;
            if oidc.algorithms.is_empty() {
                bail!("GOVHALL_OIDC__ALGORITHMS lists no algorithm");
            }
        }
        Ok(Some(oidc))
    }

    /// The origins allowed to call the gateway cross-origin.
    pub fn cors_origins(&self) -> anyhow::Result<Vec<String>> {
        self.cors
            .origins
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(|origin| {
                let url: url::Url = origin
                    .parse()
                    .with_context(|| format!("GOVHALL_CORS__ORIGINS: `{origin}` is not an origin"))?;
                if url.origin().ascii_serialization() != origin {
                    bail!("GOVHALL_CORS__ORIGINS: `{origin}` is not an origin (scheme://host[:port], no path)");
                }
                Ok(origin.to_owned())
            })
            .collect()
    }

    /// The gateway's rate limits, or a setting error naming the key.
    pub fn rate_limits(&self) -> anyhow::Result<govhall_gateway::limits::RateLimits> {
        use govhall_gateway::limits::{Quota, RateLimits};
        let config = &self.rate_limit;
        let items = |value: &Option<String>| -> Vec<String> {
            value
                .as_deref()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let integrators = items(&config.integrators)
            .iter()
            .map(|item| {
                let (client, limit) = item
                    .split_once('=')
                    .and_then(|(client, limit)| Some((client.trim(), limit.trim().parse().ok()?)))
                    .with_context(|| {
                        format!("GOVHALL_RATE_LIMIT__INTEGRATORS: expected `client=requests-per-minute`, not `{item}`")
                    })?;
                Ok((client.to_owned(), Quota::per_minute(limit)))
            })
            .collect::<anyhow::Result<_>>()?;
        let trusted_proxies = items(&config.trusted_proxies)
            .iter()
            .map(|item| {
                item.parse::<ipnet::IpNet>()
                    .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .with_context(|| {
                        format!("GOVHALL_RATE_LIMIT__TRUSTED_PROXIES: `{item}` is not an address or CIDR")
                    })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(RateLimits {
            per_ip: Quota::per_minute(config.per_ip_per_minute),
            per_principal: Quota::per_minute(config.per_principal_per_minute),
            integrators,
            trusted_proxies,
        })
    }

    /// The key file of the development issuer.
    pub fn dev_issuer_key_file(&self) -> PathBuf {
        self.dev_issuer
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("dev-issuer.key"))
    }

    /// The database URL of `service`, or a setting error naming the key.
    pub fn database_url(&self, service: &str) -> anyhow::Result<String> {
        let url = match service {
            "intake" => &self.database.intake,
            "deadline" => &self.database.deadline,
            "approval" => &self.database.approval,
            "joint" => &self.database.joint,
            "gateway" => &self.database.gateway,
            other => bail!("unknown service {other}"),
        };
        url.clone()
            .with_context(|| format!("GOVHALL_DATABASE__{} is required", service.to_uppercase()))
    }

    /// The material store URL: `GOVHALL_MATERIALS__URL`, else `<data_dir>/materials`.
    pub fn files_url(&self) -> Option<String> {
        Some(self.materials.url.clone().unwrap_or_else(|| {
            let dir = std::path::absolute(self.data_dir.join("materials"))
                .unwrap_or_else(|_| self.data_dir.join("materials"));
            format!("file://{}", dir.display())
        }))
    }

    /// The standalone database URL of `service` (a SQLite file under `data_dir`) unless set.
    pub fn standalone_database_url(&self, service: &str) -> anyhow::Result<String> {
        self.database_url(service).or_else(|_| {
            Ok(format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join(format!("{service}.db")).display()
            ))
        })
    }
}

/// The material store.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MaterialsSettings {
    /// `file:///absolute/dir` or `s3://bucket` (S3 credentials, region and endpoint from the
    /// usual `AWS_*` variables); defaults to `<data_dir>/materials`.
    pub url: Option<String>,
}

/// Approval.
#[derive(Debug, Clone, Deserialize)]
pub struct ApprovalSettings {
    /// Seconds during which the supplement requests of one review's departments are collected
    /// before they go to the applicant as one notice (default 600).
    pub supplement_window_secs: u64,
}

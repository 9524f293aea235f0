//! Builds the HTTP server: middleware, local routes and the proxy fallback.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_cors::Cors;
use actix_web::{
    App, HttpServer,
    dev::Server,
    middleware::{Condition, from_fn},
    web,
};
use anyhow::Context;
use govhall_web::{
    health::{self, Probe, Readiness},
    problem,
};
use tokio_util::sync::CancellationToken;
use utoipa_swagger_ui::SwaggerUi;

use sea_orm_migration::MigratorTrait;

use crate::{
    api_keys::{self, ApiKeys, migration::Migrator},
    auth::Authenticator,
    limits::Limiter,
    oidc::OidcVerifier,
    proxy::{self, ProxyState},
    readiness::UpstreamsProbe,
    routes::Upstream,
    settings::GatewaySettings,
};

/// Request headers a browser client may send cross-origin.
const CORS_REQUEST_HEADERS: [&str; 9] = [
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
    "x-query-password",
    "x-request-id",
    "traceparent",
    "x-api-key",
];
/// Response headers a browser client may read cross-origin.
const CORS_EXPOSED_HEADERS: [&str; 7] = [
    "etag",
    "location",
    "retry-after",
    "x-request-id",
    "x-case-state",
    "x-content-sha256",
    "www-authenticate",
];

/// CORS for the configured origins. A request from any other origin is served without
/// CORS headers (the browser then withholds the answer) rather than refused, so
/// same-origin and non-browser callers are unaffected.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"])
        .allowed_headers(CORS_REQUEST_HEADERS)
        .expose_headers(CORS_EXPOSED_HEADERS)
        .block_on_origin_mismatch(false)
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// The AsyncAPI document, as given in the settings.
struct AsyncApi(String);

/// `GET /asyncapi.yaml`: the event contract, public like the OpenAPI document.
async fn serve_asyncapi(document: web::Data<AsyncApi>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/yaml; charset=utf-8")
        .body(document.0.clone())
}

/// How long in-flight requests may take to finish after a stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The gateway's HTTP server, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the listener and builds the server.
    pub async fn build(settings: GatewaySettings) -> anyhow::Result<Self> {
        let address = (settings.host.as_str(), settings.port);
        let listener = TcpListener::bind(address).with_context(|| {
            format!(
                "Failed to bind the gateway to {}:{}",
                settings.host, settings.port
            )
        })?;
        let port = listener
            .local_addr()
            .context("Failed to read the bound address")?
            .port();

        let readiness = Readiness(vec![Arc::new(UpstreamsProbe::new(
            Upstream::ALL
                .iter()
                .map(|&u| (u, settings.upstreams.get(u).clone())),
        )) as Arc<dyn Probe>]);
        let api_keys = match &settings.database_url {
            Some(url) => {
                let db = govhall_runtime::connect_database(url)
                    .await
                    .context("Failed to connect to the gateway's database")?;
                if settings.auto_migrate {
                    Migrator::up(&db, None)
                        .await
                        .context("Failed to migrate the gateway's database")?;
                }
                Some(Arc::new(ApiKeys::new(db)))
            }
            None => {
                tracing::info!("the gateway has no database: API keys are off");
                None
            }
        };
        let upstream_timeout = settings.upstream_timeout;
        let portal_settings = settings.portal;
        let mut rate_limits = settings.rate_limits;
        if portal_settings.enabled {
            // The pages call the API over loopback with the browser's address in
            // X-Forwarded-For: rate limits count the browser, not the portal.
            for net in ["127.0.0.0/8", "::1/128"] {
                if let Ok(net) = net.parse() {
                    rate_limits.trusted_proxies.push(net);
                }
            }
        }
        let portal_dev_issuer = settings.dev_issuer.clone();
        let cors_origins = settings.cors_origins;
        let openapi = settings.openapi;
        let asyncapi = web::Data::new(AsyncApi(settings.asyncapi));
        let state = web::Data::new(ProxyState {
            upstreams: settings.upstreams,
            internal_key: settings.internal_key,
            limiter: Limiter::new(rate_limits, settings.limiter_store),
            authenticator: Authenticator {
                dev_issuer: settings.dev_issuer,
                oidc: settings.oidc.map(OidcVerifier::new),
                api_keys: api_keys.clone(),
            },
            api_keys,
            upstream_timeout,
        });

        tracing::info!(
            enabled = portal_settings.enabled,
            "the web hall and consoles (portal)"
        );
        let portal = portal_settings.enabled.then(|| {
            crate::portal::portal(
                state.clone(),
                portal_dev_issuer,
                &settings.host,
                port,
                portal_settings.secure_cookies,
                portal_settings.oidc_login.clone(),
            )
        });

        let server = HttpServer::new(move || {
            // The factory runs once per worker thread, and awc's client is !Send: one per worker.
            let client = awc::Client::builder()
                .timeout(upstream_timeout)
                // Redirects go back to the caller, and the caller's User-Agent is forwarded as is.
                .disable_redirects()
                .no_default_headers()
                .finish();
            let readiness = readiness.clone();
            App::new()
                .wrap(Condition::new(
                    !cors_origins.is_empty(),
                    cors(&cors_origins),
                ))
                .wrap(from_fn(govhall_web::request_id::middleware))
                // Cookies of a web-hall session refreshed at the identity provider.
                .wrap(from_fn(govhall_portal::renewed_session_cookies))
                .app_data(state.clone())
                .app_data(web::Data::new(client))
                .configure(problem::configure_extractors)
                .configure(move |cfg| health::configure(cfg, readiness))
                .configure(api_keys::routes::configure)
                .app_data(asyncapi.clone())
                .route("/asyncapi.yaml", web::get().to(serve_asyncapi))
                .service(web::redirect("/docs", "/docs/"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi.clone()))
                .configure(|cfg| {
                    if let Some(portal) = &portal {
                        govhall_portal::configure(cfg, portal.clone());
                    }
                })
                .default_service(web::to(proxy::forward))
        })
        // Longer than awc keeps an idle connection (15 s): the portal's loopback calls to this
        // server must never land on a connection it has just closed.
        .keep_alive(Duration::from_secs(75))
        // The binary owns signal handling and stops the server through the cancellation token.
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .listen(listener)
        .context("Failed to listen")?
        .run();

        Ok(Self { port, server })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` is cancelled, then drains in-flight requests and returns.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let mut server = self.server;
        tokio::select! {
            result = &mut server => return result.context("The gateway server failed"),
            () = shutdown.cancelled() => {}
        }
        tracing::info!("stopping the gateway");
        // The server future itself carries out the stop command, so both are polled together.
        let ((), result) = tokio::join!(handle.stop(true), server);
        result.context("The gateway server failed while stopping")
    }
}

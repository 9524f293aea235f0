#![doc = include_str!("../README.md")]
//!
//! Items: [`clock`] (a `Clock` tests can move), [`ServiceSettings`], [`SharedDeps`], [`AppState`], [`connect_database`], [`ServiceHost`].

pub mod clock;
pub mod metrics;

use std::{sync::Arc, time::Duration};

use actix_web::{App, HttpServer, dev::ServerHandle, middleware::from_fn, web};
use govhall_bus::{
    Bus, Handler,
    outbox::{Relay, RelayHandle},
};
use govhall_cache::Cache;
use govhall_contracts::Envelope;
use govhall_telemetry::TraceContext;
use govhall_web::{
    InternalKey,
    health::{BusProbe, DatabaseProbe, Probe, Readiness},
};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Settings every service has.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceSettings {
    /// Address to bind.
    pub host: String,
    /// Port to bind (0: any free port).
    pub port: u16,
    /// Database URL (`postgres://…` or `sqlite://…?mode=rwc`).
    pub database_url: String,
    /// Run migrations at start (standalone, development); Kubernetes runs a migration job instead.
    pub auto_migrate: bool,
    /// Where the service keeps files (intake: uploaded materials): `file:///dir` or
    /// `s3://bucket`; `None` is `./data/files` (development only).
    #[serde(default)]
    pub files_url: Option<String>,
}

/// What the composition root hands to every service.
#[derive(Clone)]
pub struct SharedDeps {
    /// The message bus (RabbitMQ or in-process).
    pub bus: Arc<dyn Bus>,
    /// The cache (Redis or in-process): only what may be lost.
    pub cache: Arc<dyn Cache>,
    /// Key that verifies the principal forwarded by the gateway.
    pub internal_key: InternalKey,
}

/// The cache answers.
struct CacheProbe(Arc<dyn Cache>);

#[async_trait::async_trait]
impl Probe for CacheProbe {
    fn name(&self) -> &'static str {
        "cache"
    }
    async fn check(&self) -> anyhow::Result<()> {
        Ok(self.0.ready().await?)
    }
}

/// What every handler of a service gets: its database and a way to wake its relay.
pub struct AppState {
    /// The service's own database.
    pub db: DatabaseConnection,
    /// Wakes the outbox relay after a commit.
    pub relay: RelayHandle,
}

/// Connects to a database; SQLite gets WAL and a busy timeout so the relay, consumers and
/// handlers of one process can write without "database is locked" errors.
pub async fn connect_database(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .and_then(|p| p.split('?').next())
            && let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        options.max_connections(4).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(15))
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        });
    } else {
        options.max_connections(16);
    }
    Ok(Database::connect(options).await?)
}

/// Runs each delivery inside a `bus.consume` span that continues the producer's trace.
struct TracedHandler {
    service: &'static str,
    inner: Arc<dyn Handler>,
}

#[async_trait::async_trait]
impl Handler for TracedHandler {
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        let span = tracing::info_span!(
            "bus.consume",
            service = self.service,
            message.id = %message.message_id,
            message.type = %message.message_type,
            case.id = %message.correlation_id,
            trace.id = tracing::field::Empty,
        );
        let producer = message.traceparent.as_deref().and_then(TraceContext::parse);
        if let Some(producer) = &producer {
            govhall_telemetry::set_parent(&span, producer);
        }
        let here = govhall_telemetry::context_of(&span, producer.as_ref());
        span.record("trace.id", here.trace_id());
        // The handler sees this consumption as the message's trace context, so the events
        // it causes (`Origin::caused_by`) are children of this span, not of the producer's.
        let mut message = message.clone();
        message.traceparent = Some(here.header());
        self.inner.handle(&message).instrument(span).await
    }
}

/// What a service brings to its host besides its routes.
pub struct Parts {
    /// Its database.
    pub db: DatabaseConnection,
    /// Bus, cache and key.
    pub deps: SharedDeps,
    /// Its outbox relay.
    pub relay: Relay,
    /// Its bus consumer.
    pub handler: Option<Arc<dyn Handler>>,
    /// Readiness probes of its own (database, broker and cache are always checked).
    pub probes: Vec<Arc<dyn Probe>>,
}

/// Runs a service: its HTTP server, outbox relay and bus consumer, until shutdown.
pub struct ServiceHost {
    name: &'static str,
    db: DatabaseConnection,
    deps: SharedDeps,
    relay: Relay,
    handler: Option<Arc<dyn Handler>>,
    server: actix_web::dev::Server,
    port: u16,
}

impl ServiceHost {
    /// Builds a service the way every service is built: connect to its database, migrate it
    /// with `M` (when configured), create its relay and state, its consumer (from
    /// `consumer`) and its HTTP server with its `routes`.
    pub async fn build<M: MigratorTrait>(
        name: &'static str,
        settings: &ServiceSettings,
        deps: SharedDeps,
        consumer: impl FnOnce(&AppState) -> Arc<dyn Handler>,
        routes: impl Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    ) -> anyhow::Result<Self> {
        Self::build_with_probes::<M>(name, settings, deps, consumer, Vec::new(), routes).await
    }

    /// Like [`ServiceHost::build`], with readiness probes of the service's own.
    pub async fn build_with_probes<M: MigratorTrait>(
        name: &'static str,
        settings: &ServiceSettings,
        deps: SharedDeps,
        consumer: impl FnOnce(&AppState) -> Arc<dyn Handler>,
        probes: Vec<Arc<dyn Probe>>,
        routes: impl Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    ) -> anyhow::Result<Self> {
        let db = connect_database(&settings.database_url).await?;
        if settings.auto_migrate {
            M::up(&db, None).await?;
        }
        let relay = Relay::new(db.clone(), deps.bus.clone());
        let state = web::Data::new(AppState {
            db: db.clone(),
            relay: relay.handle(),
        });
        let handler = consumer(&state);
        let parts = Parts {
            db,
            deps,
            relay,
            handler: Some(handler),
            probes,
        };
        Self::bind(name, settings, parts, move |cfg| {
            cfg.app_data(state.clone()).configure(routes.clone());
        })
    }

    /// Binds the HTTP server of service `name` with the shared conventions and the service's
    /// own routes (`configure`), and remembers the relay and the consumer to run.
    pub fn bind<F>(
        name: &'static str,
        settings: &ServiceSettings,
        parts: Parts,
        configure: F,
    ) -> anyhow::Result<Self>
    where
        F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    {
        let Parts {
            db,
            deps,
            relay,
            handler,
            probes,
        } = parts;
        let mut all: Vec<Arc<dyn Probe>> = vec![
            Arc::new(DatabaseProbe(db.clone())),
            Arc::new(BusProbe(deps.bus.clone())),
            Arc::new(CacheProbe(deps.cache.clone())),
        ];
        all.extend(probes);
        let readiness = Readiness(all);
        let key = web::Data::new(deps.internal_key.clone());
        let listener = std::net::TcpListener::bind((settings.host.as_str(), settings.port))?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || {
            let readiness = readiness.clone();
            App::new()
                .wrap(from_fn(govhall_web::request_id::middleware))
                .app_data(key.clone())
                .configure(govhall_web::problem::configure_extractors)
                .configure(|cfg| govhall_web::health::configure(cfg, readiness))
                .configure(metrics::configure)
                .configure(configure.clone())
                .default_service(web::to(govhall_web::problem::not_found_route))
        })
        .workers(2)
        // Idle connections stay open longer than the gateway's client keeps them (awc: 15 s),
        // so the gateway never sends a request on a connection the service has just closed
        // (a 502 for the caller; seen as Schemathesis flakes on PUT).
        .keep_alive(std::time::Duration::from_secs(75))
        .disable_signals()
        .shutdown_timeout(20)
        .listen(listener)?
        .run();
        Ok(Self {
            name,
            db,
            deps,
            relay,
            handler,
            server,
            port,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The service's database and its relay's wake-up handle, for its own workers.
    pub fn state(&self) -> (DatabaseConnection, RelayHandle) {
        (self.db.clone(), self.relay.handle())
    }

    /// Runs until `shutdown` is cancelled, then drains HTTP requests and stops the consumer
    /// (after the message in hand) and the relay.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let name = self.name;
        let tasks = CancellationToken::new();
        let bus = self.deps.bus.clone();
        let stop = tasks.clone();
        let (relay, handler) = (self.relay, self.handler);
        // Declare the topology first, retrying in the background (the broker may come up
        // after the service); only then start the relay and the consumer. Publishing before
        // every queue exists would let a message reach some queues and silently miss the
        // others, since a message routed anywhere is not returned as unroutable.
        let background = tokio::spawn(async move {
            let mut delay = Duration::from_millis(200);
            loop {
                match bus.declare().await {
                    Ok(()) => break,
                    Err(e) => {
                        tracing::warn!(service = name, error = %e, "declaring the broker topology failed; retrying")
                    }
                }
                tokio::select! {
                    () = stop.cancelled() => return (None, None),
                    () = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            let relay_task = tokio::spawn(relay.run(stop.clone()));
            let consumer = handler.map(|inner| {
                let traced: Arc<dyn Handler> = Arc::new(TracedHandler {
                    service: name,
                    inner,
                });
                bus.consume(name, traced, stop.clone())
            });
            (Some(relay_task), consumer)
        });
        let handle: ServerHandle = self.server.handle();
        let server = tokio::spawn(self.server);
        tracing::info!(service = name, port = self.port, "service started");
        shutdown.cancelled().await;
        tracing::info!(service = name, "draining");
        handle.stop(true).await;
        tasks.cancel();
        if let Ok((relay_task, consumer)) = background.await {
            if let Some(consumer) = consumer {
                let _ = consumer.await;
            }
            if let Some(relay_task) = relay_task {
                let _ = relay_task.await;
            }
        }
        let _ = server.await;
        self.db.close().await?;
        tracing::info!(service = name, "stopped");
        Ok(())
    }
}

//! `govhall`: the one binary. Parses the command line, loads settings, initialises
//! telemetry and starts what was asked: every service in one process (`standalone`, the
//! default), one service (`serve`), migrations, the OpenAPI spec, or a development token.

mod asyncapi;
mod openapi;
mod settings;
mod standalone;

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use govhall_bus::{Bus, Topology, rabbitmq::RabbitBus};
use govhall_runtime::{ServiceSettings, SharedDeps};
use govhall_web::{InternalKey, Principal, PrincipalKind, Role};
use secrecy::ExposeSecret;
use settings::Settings;
use tokio_util::sync::CancellationToken;

/// govhall — the online government-service hall (网上办事大厅).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Settings file (TOML); environment variables GOVHALL_* override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Gateway and every service in one process: SQLite, in-process bus (the default).
    Standalone,
    /// One service against PostgreSQL and RabbitMQ.
    Serve {
        /// Which one.
        service: ServiceName,
    },
    /// Apply database migrations of one service, or of all.
    Migrate {
        /// Which one (all when omitted).
        service: Option<ServiceName>,
    },
    /// Print the merged OpenAPI spec.
    Openapi,
    /// Print the AsyncAPI document of every event.
    Asyncapi,
    /// List the dead letters (死信) of a service's queue on RabbitMQ: messages its consumer
    /// gave up on after the delivery limit, with the reason; `--requeue` hands them back to
    /// the service once the cause is fixed.
    DeadLetters {
        /// Whose queue (intake, deadline, approval or joint).
        service: ServiceName,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Move them back to the service's queue instead of listing them.
        #[arg(long)]
        requeue: bool,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Mint a development token (only when the development issuer is enabled).
    Token {
        /// Kind of principal.
        #[arg(long, value_enum, default_value = "staff")]
        kind: KindArg,
        /// Subject id.
        #[arg(long, default_value = "dev-user")]
        sub: String,
        /// Staff roles (repeatable or comma-separated).
        #[arg(long, value_enum, value_delimiter = ',')]
        role: Vec<RoleArg>,
        /// Division code.
        #[arg(long)]
        division: Option<String>,
        /// Department code.
        #[arg(long)]
        department: Option<String>,
        /// An integrator's scopes (repeatable or comma-separated; default: every scope
        /// integrators can be granted).
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
enum ServiceName {
    Intake,
    Deadline,
    Approval,
    Joint,
    Gateway,
}

impl ServiceName {
    fn as_str(self) -> &'static str {
        match self {
            Self::Intake => "intake",
            Self::Deadline => "deadline",
            Self::Approval => "approval",
            Self::Joint => "joint",
            Self::Gateway => "gateway",
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Citizen,
    LegalPerson,
    Staff,
    Integrator,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    WindowClerk,
    Reviewer,
    Leader,
    Supervisor,
    Admin,
}

fn main() -> anyhow::Result<()> {
    // One TLS crypto provider for the whole process (see DEPENDENCIES.md).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.clone())?;
    let format = if settings.log.format == "json" {
        govhall_telemetry::LogFormat::Json
    } else {
        govhall_telemetry::LogFormat::Text
    };
    let command = cli.command.unwrap_or(Command::Standalone);
    let service_name = match &command {
        Command::Serve { service } => format!("govhall-{}", service.as_str()),
        _ => "govhall".to_owned(),
    };
    let otlp = settings
        .telemetry
        .otlp_endpoint
        .clone()
        .map(|endpoint| govhall_telemetry::Otlp {
            endpoint,
            service_name,
        });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Built inside the runtime; the guard flushes buffered spans once the run has ended.
    let _telemetry =
        runtime.block_on(async { govhall_telemetry::init(format, &settings.log.level, otlp) })?;
    runtime.block_on(run(command, settings))
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Standalone => standalone::run(settings, shutdown_signal()).await,
        Command::Serve { service } => serve(service, settings, shutdown_signal()).await,
        Command::Migrate { service } => migrate(service, &settings).await,
        Command::Openapi => write_out(&openapi::merged_json()?),
        Command::Asyncapi => write_out(&asyncapi::document_yaml()?),
        Command::DeadLetters {
            service,
            limit,
            requeue,
            json,
        } => dead_letters(&settings, service, limit, requeue, json).await,
        Command::Token {
            kind,
            sub,
            role,
            division,
            department,
            scope,
            ttl,
        } => {
            if settings.dev_issuer.enabled == Some(false) {
                bail!(
                    "the development issuer is disabled (GOVHALL_DEV_ISSUER__ENABLED=false); tokens come from the identity provider"
                );
            }
            let issuer = govhall_gateway::dev_issuer::DevIssuer::load_or_create(
                &settings.dev_issuer_key_file(),
            )?;
            let principal = Principal {
                sub,
                kind: match kind {
                    KindArg::Citizen => PrincipalKind::Citizen,
                    KindArg::LegalPerson => PrincipalKind::LegalPerson,
                    KindArg::Staff => PrincipalKind::Staff,
                    KindArg::Integrator => PrincipalKind::Integrator,
                },
                roles: role
                    .into_iter()
                    .map(|r| match r {
                        RoleArg::WindowClerk => Role::WindowClerk,
                        RoleArg::Reviewer => Role::Reviewer,
                        RoleArg::Leader => Role::Leader,
                        RoleArg::Supervisor => Role::Supervisor,
                        RoleArg::Admin => Role::Admin,
                    })
                    .collect(),
                division,
                department,
            };
            let scopes = if principal.kind == PrincipalKind::Integrator && scope.is_empty() {
                govhall_gateway::access::integrator_scopes()
                    .into_iter()
                    .collect()
            } else {
                scope
            };
            println!(
                "{}",
                issuer.mint_scoped(&principal, &scopes, Duration::from_secs(ttl))?
            );
            Ok(())
        }
    }
}

/// Writes a document to standard output; a reader that stops early (`| head`) ends the
/// command quietly instead of with a panic.
fn write_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => Ok(result?),
    }
}

/// Cancelled on SIGTERM or Ctrl-C.
fn shutdown_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = ctrl_c => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = ctrl_c.await;
                }
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutdown requested");
        trigger.cancel();
    });
    token
}

async fn dead_letters(
    settings: &Settings,
    service: ServiceName,
    limit: usize,
    requeue: bool,
    json: bool,
) -> anyhow::Result<()> {
    if service == ServiceName::Gateway {
        bail!(
            "the gateway consumes no queue; dead letters belong to intake, deadline, approval or joint"
        );
    }
    let url = settings
        .bus
        .url
        .as_ref()
        .context("GOVHALL_BUS__URL is required (amqp://…); standalone's in-process bus keeps its dead letters in memory and logs each one")?;
    let bus = RabbitBus::new(url.expose_secret().to_owned(), topology(settings));
    let name = service.as_str();
    if requeue {
        let moved = bus.requeue_dead_letters(name, limit).await?;
        println!("requeued {moved} dead letter(s) to {name}");
        return Ok(());
    }
    let letters = bus.peek_dead_letters(name, limit).await?;
    let mut out = String::new();
    if !json {
        out.push_str(&format!("{} dead letter(s) in {name}\n", letters.len()));
    }
    for letter in &letters {
        let e = &letter.envelope;
        let dead_at = letter
            .dead_at
            .map(|t| t.fixed_offset().to_rfc3339())
            .unwrap_or_default();
        if json {
            // The payload is left out: it may carry personal data.
            let line = serde_json::json!({
                "message_id": e.message_id,
                "type": e.message_type,
                "case_id": e.correlation_id,
                "producer": e.producer,
                "division_code": e.division_code,
                "occurred_at": e.occurred_at,
                "deliveries": letter.deliveries,
                "dead_at": dead_at,
                "reason": letter.reason,
            });
            out.push_str(&format!("{line}\n"));
        } else {
            out.push_str(&format!(
                "{dead_at}  {}  {}  case {}  deliveries {}  {}\n",
                e.message_id, e.message_type, e.correlation_id, letter.deliveries, letter.reason
            ));
        }
    }
    write_out(&out)
}

fn topology(settings: &Settings) -> Topology {
    Topology {
        prefix: settings.bus.prefix.clone(),
        delivery_limit: settings.bus.delivery_limit,
        queue_expires_ms: settings.bus.queue_expires_ms,
    }
}

fn internal_key(settings: &Settings) -> anyhow::Result<InternalKey> {
    let key = settings
        .internal_key
        .as_ref()
        .context("GOVHALL_INTERNAL_KEY is required by `serve` (at least 32 characters, the same for the gateway and every service)")?;
    Ok(InternalKey::new(key.expose_secret().as_bytes().to_vec()))
}

/// The Redis of `serve` (caches and rate limits).
fn redis_cache(settings: &Settings) -> anyhow::Result<govhall_cache::RedisCache> {
    let redis = settings
        .redis
        .url
        .as_ref()
        .context("GOVHALL_REDIS__URL is required by `serve` (redis://…)")?;
    govhall_cache::RedisCache::new(redis.expose_secret(), settings.redis.prefix.clone())
        .context("GOVHALL_REDIS__URL is not a Redis URL")
}

async fn serve(
    service: ServiceName,
    settings: Settings,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let key = internal_key(&settings)?;
    if service == ServiceName::Gateway {
        let upstream = |name: &str, url: &Option<String>| -> anyhow::Result<url::Url> {
            let url = url.as_deref().with_context(|| {
                format!("GOVHALL_UPSTREAMS__{} is required", name.to_uppercase())
            })?;
            url.parse()
                .with_context(|| format!("GOVHALL_UPSTREAMS__{} is not a URL", name.to_uppercase()))
        };
        let u = &settings.upstreams;
        let dev_issuer = if settings.dev_issuer.enabled == Some(true) {
            Some(govhall_gateway::dev_issuer::DevIssuer::load_or_create(
                &settings.dev_issuer_key_file(),
            )?)
        } else {
            None
        };
        let gateway = govhall_gateway::Application::build(govhall_gateway::GatewaySettings {
            host: settings.http.host.clone(),
            port: settings.http.port,
            upstreams: govhall_gateway::Upstreams {
                intake: upstream("intake", &u.intake)?,
                deadline: upstream("deadline", &u.deadline)?,
                approval: upstream("approval", &u.approval)?,
                joint: upstream("joint", &u.joint)?,
            },
            upstream_timeout: Duration::from_secs(settings.upstream_timeout_secs),
            internal_key: key,
            dev_issuer,
            oidc: settings.oidc()?,
            cors_origins: settings.cors_origins()?,
            portal: settings.portal.gateway(&settings.oidc)?,
            rate_limits: settings.rate_limits()?,
            limiter_store: Arc::new(redis_cache(&settings)?),
            database_url: settings.database.gateway.clone(),
            auto_migrate: settings.auto_migrate,
            openapi: openapi::merged(),
            asyncapi: crate::asyncapi::document_yaml()?,
        })
        .await?;
        println!(
            "govhall gateway listening on http://{}:{}",
            settings.http.host,
            gateway.port()
        );
        return gateway.run_until_stopped(shutdown).await;
    }
    let url = settings
        .bus
        .url
        .as_ref()
        .context("GOVHALL_BUS__URL is required by `serve` (amqp://…)")?;
    let bus: Arc<dyn Bus> = Arc::new(RabbitBus::new(
        url.expose_secret().to_owned(),
        topology(&settings),
    ));
    let cache = redis_cache(&settings)?;
    let deps = SharedDeps {
        bus,
        cache: Arc::new(cache),
        internal_key: key,
    };
    let service_settings = ServiceSettings {
        host: settings.http.host.clone(),
        port: settings.http.port,
        database_url: settings.database_url(service.as_str())?,
        auto_migrate: settings.auto_migrate,
        files_url: settings.files_url(),
    };
    let name = service.as_str();
    macro_rules! run_service {
        ($krate:ident) => {{
            let app = $krate::Application::build(service_settings, deps).await?;
            println!(
                "govhall {name} listening on http://{}:{}",
                settings.http.host,
                app.port()
            );
            app.run_until_stopped(shutdown).await
        }};
    }
    match service {
        ServiceName::Intake => run_service!(govhall_intake),
        ServiceName::Deadline => run_service!(govhall_deadline),
        ServiceName::Approval => {
            let window = std::time::Duration::from_secs(settings.approval.supplement_window_secs);
            let app =
                govhall_approval::Application::build_with_window(service_settings, deps, window)
                    .await?;
            println!(
                "govhall {name} listening on http://{}:{}",
                settings.http.host,
                app.port()
            );
            app.run_until_stopped(shutdown).await
        }
        ServiceName::Joint => run_service!(govhall_joint),
        ServiceName::Gateway => unreachable!("handled above"),
    }
}

async fn migrate(service: Option<ServiceName>, settings: &Settings) -> anyhow::Result<()> {
    let all = [
        ServiceName::Intake,
        ServiceName::Deadline,
        ServiceName::Approval,
        ServiceName::Joint,
        ServiceName::Gateway,
    ];
    let chosen: Vec<ServiceName> = match service {
        Some(s) => vec![s],
        None => all.to_vec(),
    };
    // A distributed deployment names its databases one by one. Once any is named, a missing
    // one is a mistake, not a request for standalone's SQLite file under the data folder
    // (that would "succeed" and leave the real database unmigrated). The gateway's is
    // optional there: without it `serve gateway` runs with API keys off.
    let named: Vec<&str> = all
        .iter()
        .map(|s| s.as_str())
        .filter(|s| settings.database_url(s).is_ok())
        .collect();
    for service in chosen {
        let name = service.as_str();
        let url = if named.is_empty() {
            settings.standalone_database_url(name)?
        } else if named.contains(&name) {
            settings.database_url(name)?
        } else if service == ServiceName::Gateway {
            println!("skipped gateway (GOVHALL_DATABASE__GATEWAY not set: API keys off)");
            continue;
        } else {
            bail!(
                "GOVHALL_DATABASE__{} is required: {} name their databases, so this is a \
                 distributed deployment (unset them all to migrate standalone's SQLite files \
                 under the data folder)",
                name.to_uppercase(),
                named
                    .iter()
                    .map(|n| format!("GOVHALL_DATABASE__{}", n.to_uppercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        let db = govhall_runtime::connect_database(&url).await?;
        match service {
            ServiceName::Intake => govhall_intake::startup::migrate(&db).await?,
            ServiceName::Deadline => govhall_deadline::startup::migrate(&db).await?,
            ServiceName::Approval => govhall_approval::startup::migrate(&db).await?,
            ServiceName::Joint => govhall_joint::startup::migrate(&db).await?,
            ServiceName::Gateway => govhall_gateway::migrate(&db).await?,
        }
        println!("migrated {}", service.as_str());
        db.close().await?;
    }
    Ok(())
}

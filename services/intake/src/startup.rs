//! Composition root of the intake service.

use std::sync::Arc;

use govhall_bus::outbox::{Relay, RelayHandle};
use govhall_runtime::{ServiceHost, ServiceSettings, SharedDeps, connect_database};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

use crate::{SERVICE, consumers::IntakeConsumer, migrations::Migrator, routes};

/// What every handler gets.
pub struct AppState {
    /// The intake database.
    pub db: DatabaseConnection,
    /// Wakes the outbox relay after a commit.
    pub relay: RelayHandle,
}

/// The OpenAPI description of the intake service.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::matters::list::list_matters,
        routes::cases::submit::submit_case,
        routes::cases::list::list_my_cases,
        routes::cases::get::get_case,
        routes::cases::accept::accept_case,
    ),
    tags((name = "cases", description = "办件: applications and their life cycle"), (name = "matters", description = "事项: the catalog"))
)]
pub struct ApiDoc;

/// The running intake service.
pub struct Application {
    host: ServiceHost,
}

impl Application {
    /// Connects, migrates (when configured) and binds.
    pub async fn build(settings: ServiceSettings, deps: SharedDeps) -> anyhow::Result<Self> {
        let db = connect_database(&settings.database_url).await?;
        if settings.auto_migrate {
            migrate(&db).await?;
        }
        let relay = Relay::new(db.clone(), deps.bus.clone());
        let state = actix_web::web::Data::new(AppState {
            db: db.clone(),
            relay: relay.handle(),
        });
        let handler = Arc::new(IntakeConsumer {
            db: db.clone(),
            relay: relay.handle(),
        });
        let host = ServiceHost::bind(
            SERVICE,
            &settings,
            db,
            deps,
            relay,
            Some(handler),
            move |cfg| {
                cfg.app_data(state.clone()).configure(routes::configure);
            },
        )?;
        Ok(Self { host })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.host.port()
    }

    /// Runs until `shutdown`.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        self.host.run_until_stopped(shutdown).await
    }
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

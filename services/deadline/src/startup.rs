//! Composition root of the deadline service.

use std::sync::Arc;

use govhall_runtime::{ServiceHost, ServiceSettings, SharedDeps};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

use crate::{SERVICE, consumers::DeadlineConsumer, migrations::Migrator, routes};

/// What every handler gets: the database and the relay's wake-up handle.
pub type AppState = govhall_runtime::AppState;

/// The OpenAPI description of the deadline service.
#[derive(OpenApi)]
#[openapi(
    paths(routes::clocks::list_clocks, routes::calendar::calendar_due, routes::calendar::calendar_working_days),
    tags(
        (name = "clocks", description = "限时办理: time-limit clocks"),
        (name = "calendar", description = "工作日: the official working-day calendar, public")
    )
)]
pub struct ApiDoc;

/// The running deadline service.
pub struct Application {
    host: ServiceHost,
}

impl Application {
    /// Connects, migrates (when configured) and binds.
    pub async fn build(settings: ServiceSettings, deps: SharedDeps) -> anyhow::Result<Self> {
        let calendars = Arc::new(govhall_calendar::Calendars::national_defaults()?);
        let for_consumer = calendars.clone();
        let consumer = move |state: &AppState| -> Arc<dyn govhall_bus::Handler> {
            Arc::new(DeadlineConsumer {
                db: state.db.clone(),
                relay: state.relay.clone(),
                calendars: for_consumer,
            })
        };
        let calendars = actix_web::web::Data::from(calendars);
        let routes = move |cfg: &mut actix_web::web::ServiceConfig| {
            cfg.app_data(calendars.clone()).configure(routes::configure);
        };
        let host =
            ServiceHost::build::<Migrator>(SERVICE, &settings, deps, consumer, routes).await?;
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

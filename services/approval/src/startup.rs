//! Composition root of the approval service.

use std::sync::Arc;

use govhall_runtime::{ServiceHost, ServiceSettings, SharedDeps};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

use crate::{SERVICE, consumers::ApprovalConsumer, migrations::Migrator, routes};

/// What every handler gets: the database and the relay's wake-up handle.
pub type AppState = govhall_runtime::AppState;

/// The OpenAPI description of the approval service.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::tasks::list::list_tasks,
        routes::tasks::opinion::record_opinion,
        routes::tasks::assign::claim_task,
        routes::tasks::assign::release_task,
        routes::tasks::assign::assign_task,
        routes::tasks::steps::send_back_task,
        routes::tasks::supplement::request_supplement_in_review,
        routes::reviews::get_review,
        routes::reviews::add_department,
        routes::reviews::remove_department,
        routes::reviews::resume_review,
        routes::reviews::return_to_window,
    ),
    tags(
        (name = "tasks", description = "并联审批: review tasks and opinions"),
        (name = "reviews", description = "并联审批: a review's make-up (加签 / 减签) and its log")
    )
)]
pub struct ApiDoc;

/// The running approval service.
pub struct Application {
    host: ServiceHost,
    flusher: crate::supplements::Flusher,
}

impl Application {
    /// Connects, migrates (when configured) and binds.
    pub async fn build(settings: ServiceSettings, deps: SharedDeps) -> anyhow::Result<Self> {
        Self::build_with_window(settings, deps, crate::supplements::DEFAULT_WINDOW).await
    }

    /// As [`Application::build`], merging supplement requests within `window` (tests shorten it).
    pub async fn build_with_window(
        settings: ServiceSettings,
        deps: SharedDeps,
        window: std::time::Duration,
    ) -> anyhow::Result<Self> {
        let consumer = |state: &AppState| -> Arc<dyn govhall_bus::Handler> {
            Arc::new(ApprovalConsumer {
                db: state.db.clone(),
                relay: state.relay.clone(),
            })
        };
        let window = actix_web::web::Data::new(routes::tasks::supplement::SupplementWindow(window));
        let routes = move |cfg: &mut actix_web::web::ServiceConfig| {
            cfg.app_data(window.clone()).configure(routes::configure);
        };
        let host =
            ServiceHost::build::<Migrator>(SERVICE, &settings, deps, consumer, routes).await?;
        let (db, relay) = host.state();
        let flusher = crate::supplements::Flusher {
            db,
            relay,
            poll: std::time::Duration::from_millis(500),
        };
        Ok(Self { host, flusher })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.host.port()
    }

    /// Runs until `shutdown`.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let flusher = tokio::spawn(self.flusher.run(shutdown.clone()));
        let result = self.host.run_until_stopped(shutdown).await;
        let _ = flusher.await;
        result
    }
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

//! Composition root of the deadline service.

use std::{sync::Arc, time::Duration};

use govhall_runtime::{
    ServiceHost, ServiceSettings, SharedDeps,
    clock::{Clock, SystemClock},
};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

use crate::calendars::CalendarProbe;
use crate::{
    SERVICE, calendars::CalendarCell, consumers::DeadlineConsumer, migrations::Migrator, routes,
    scheduler::Scheduler,
};

/// What every handler gets: the database and the relay's wake-up handle.
pub type AppState = govhall_runtime::AppState;

/// The OpenAPI description of the deadline service.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::clocks::list::list_clocks,
        routes::clocks::get::get_clock,
        routes::clocks::pause::pause_clock,
        routes::clocks::resume::resume_clock,
        routes::clocks::extend::extend_clock,
        routes::calendar::calendar_due,
        routes::calendar::calendar_working_days,
        routes::calendar_admin::list_calendar_years,
        routes::calendar_admin::put_calendar_year,
        routes::calendar_admin::change_calendar_day,
        routes::supervision::list_supervised_clocks,
        routes::supervision::supervision_summary,
    ),
    tags(
        (name = "clocks", description = "限时办理: time-limit clocks"),
        (name = "calendar", description = "工作日: the official working-day calendar, public"),
        (name = "supervision", description = "电子监察: clocks by status and the figures of a period")
    )
)]
pub struct ApiDoc;

/// The running deadline service.
pub struct Application {
    host: ServiceHost,
    scheduler: Scheduler,
    calendars: Arc<CalendarCell>,
    reporter: CalendarProbe,
}

impl Application {
    /// Connects, migrates (when configured) and binds, on the system clock.
    pub async fn build(settings: ServiceSettings, deps: SharedDeps) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, deps, Arc::new(SystemClock)).await
    }

    /// Like [`Application::build`], with the time taken from `clock` (tests move it).
    pub async fn build_with_clock(
        settings: ServiceSettings,
        deps: SharedDeps,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let calendars = CalendarCell::shipped()?;
        let probe = CalendarProbe {
            cell: calendars.clone(),
            clock: clock.clone(),
        };
        let reporter = CalendarProbe {
            cell: calendars.clone(),
            clock: clock.clone(),
        };
        let probes: Vec<Arc<dyn govhall_web::health::Probe>> = vec![Arc::new(probe)];
        let for_consumer = calendars.clone();
        let consumer = move |state: &AppState| -> Arc<dyn govhall_bus::Handler> {
            Arc::new(DeadlineConsumer {
                db: state.db.clone(),
                relay: state.relay.clone(),
                calendars: for_consumer,
            })
        };
        let (cals, now) = (
            actix_web::web::Data::from(calendars.clone()),
            actix_web::web::Data::new(clock.clone()),
        );
        let routes = move |cfg: &mut actix_web::web::ServiceConfig| {
            cfg.app_data(cals.clone())
                .app_data(now.clone())
                .configure(routes::configure);
        };
        let host = ServiceHost::build_with_probes::<Migrator>(
            SERVICE, &settings, deps, consumer, probes, routes,
        )
        .await?;
        let (db, relay) = host.state();
        // Before anything is served: the stored calendars replace the shipped ones.
        calendars.load(&db).await?;
        let scheduler = Scheduler {
            db,
            calendars: calendars.clone(),
            clock,
            relay,
            poll: Duration::from_millis(250),
            workers: if settings.database_url.starts_with("postgres") {
                4
            } else {
                1
            },
        };
        Ok(Self {
            host,
            scheduler,
            calendars,
            reporter,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.host.port()
    }

    /// Runs the service and its scheduler until `shutdown`.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let db = self.scheduler.db.clone();
        let scheduler = tokio::spawn(self.scheduler.run(shutdown.clone()));
        let follower = tokio::spawn(self.calendars.follow(
            db,
            Duration::from_secs(5),
            shutdown.clone(),
        ));
        let reporter = tokio::spawn(
            self.reporter
                .keep_reporting(Duration::from_secs(5), shutdown.clone()),
        );
        let result = self.host.run_until_stopped(shutdown).await;
        let _ = scheduler.await;
        let _ = follower.await;
        let _ = reporter.await;
        result
    }
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

//! Composition root of the joint-handling service.

use std::sync::Arc;

use chrono::Offset;

use govhall_runtime::{
    ServiceHost, ServiceSettings, SharedDeps,
    clock::{Clock, SystemClock},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait,
};
use sea_orm_migration::MigratorTrait;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::{
    SERVICE,
    consumers::JointConsumer,
    domain::division::Level,
    migrations::Migrator,
    routes,
    store::{division_changes, divisions},
};

/// What every handler gets: the database and the relay's wake-up handle.
pub type AppState = govhall_runtime::AppState;

/// What joint handlers need beyond the database.
pub struct Joint {
    /// "Now" (tests move it).
    pub clock: Arc<dyn Clock>,
}

impl Joint {
    /// The current time, in China Standard Time.
    pub fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix());
        self.clock.now().with_timezone(&cst)
    }
}

/// The OpenAPI description of the joint-handling service.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::get::get_route,
        routes::transfers::list_transfers,
        routes::transfers::get_transfer,
        routes::transfers::receive_transfer,
        routes::transfers::send_back_transfer,
        routes::transfers::resend_transfer,
        routes::divisions::list_divisions,
        routes::divisions::get_division,
        routes::divisions::put_division,
        routes::divisions::retire_division,
        routes::divisions::division_changes,
    ),
    tags(
        (name = "routes", description = "跨层级联办: routes of cases across levels"),
        (name = "transfers", description = "报送、签收、退回: hand-overs between levels"),
        (name = "divisions", description = "行政区划: the administrative division tree"),
    )
)]
pub struct ApiDoc;

/// The running joint-handling service.
pub struct Application {
    host: ServiceHost,
}

impl Application {
    /// Connects, migrates (when configured), seeds an empty division tree and binds.
    pub async fn build(settings: ServiceSettings, deps: SharedDeps) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, deps, Arc::new(SystemClock)).await
    }

    /// As [`Application::build`], with the clock handlers read "now" from (tests move it).
    pub async fn build_with_clock(
        settings: ServiceSettings,
        deps: SharedDeps,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let joint = actix_web::web::Data::new(Joint {
            clock: clock.clone(),
        });
        let consumer_clock = clock.clone();
        let consumer = move |state: &AppState| -> Arc<dyn govhall_bus::Handler> {
            Arc::new(JointConsumer {
                db: state.db.clone(),
                relay: state.relay.clone(),
                clock: consumer_clock.clone(),
            })
        };
        let routes = move |cfg: &mut actix_web::web::ServiceConfig| {
            cfg.app_data(joint.clone()).configure(routes::configure);
        };
        let host =
            ServiceHost::build::<Migrator>(SERVICE, &settings, deps, consumer, routes).await?;
        let (db, _) = host.state();
        if settings.auto_migrate {
            seed_divisions(&db, clock.as_ref()).await?;
        }
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

/// Applies pending migrations and seeds an empty division tree.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    seed_divisions(db, &SystemClock).await
}

#[derive(Deserialize)]
struct SeedFile {
    source: String,
    active: Vec<SeedDivision>,
    retired: Vec<SeedDivision>,
}

#[derive(Deserialize)]
struct SeedDivision {
    code: String,
    name: String,
    parent_code: Option<String>,
    #[serde(default)]
    successor_code: Option<String>,
}

/// The shipped division tree (`data/divisions.json`).
const SEED: &str = include_str!("../data/divisions.json");

/// Loads the shipped division tree when the table is empty; a tree that has any division is
/// left alone (it is changed through the admin API).
pub async fn seed_divisions(db: &DatabaseConnection, clock: &dyn Clock) -> anyhow::Result<()> {
    if divisions::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let seed: SeedFile = serde_json::from_str(SEED)?;
    let now = clock.now().fixed_offset();
    let txn = govhall_bus::begin_write(db).await?;
    if divisions::Entity::find().count(&txn).await? > 0 {
        return Ok(());
    }
    let rows = seed
        .active
        .iter()
        .map(|d| (d, "active"))
        .chain(seed.retired.iter().map(|d| (d, "retired")));
    for (d, state) in rows {
        let level = Level::of(&d.code)
            .ok_or_else(|| anyhow::anyhow!("seed division {} has a malformed code", d.code))?;
        let row = divisions::ActiveModel {
            code: Set(d.code.clone()),
            name: Set(d.name.clone()),
            level: Set(level.as_str().into()),
            parent_code: Set(d.parent_code.clone()),
            state: Set(state.into()),
            successor_code: Set(d.successor_code.clone()),
            version: Set(1),
            updated_by: Set("seed".into()),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        division_changes::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(row.code.clone()),
            action: Set("seeded".into()),
            before: Set(None),
            after: Set(crate::routes::divisions::DivisionOut::from(row).json()),
            actor: Set("seed".into()),
            reason: Set(seed.source.clone()),
            changed_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    match txn.commit().await {
        Ok(()) => {}
        // Another replica seeding at the same moment got there first.
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) => {}
        Err(e) => return Err(e.into()),
    }
    tracing::info!("seed divisions loaded");
    Ok(())
}

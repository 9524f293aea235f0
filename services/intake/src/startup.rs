//! Composition root of the intake service.

use std::sync::Arc;

use govhall_runtime::{
    ServiceHost, ServiceSettings, SharedDeps,
    clock::{Clock, SystemClock},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait,
};
use sea_orm_migration::MigratorTrait;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::{
    SERVICE, consumers::IntakeConsumer, domain::seed, files::Files, migrations::Migrator, routes,
    routes::support::Intake, store::matters,
};

/// What every handler gets: the database and the relay's wake-up handle.
pub type AppState = govhall_runtime::AppState;

/// The OpenAPI description of the intake service.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::matters::public::list_matters,
        routes::matters::public::get_matter,
        routes::matters::public::get_matter_version,
        routes::matters::admin::create_matter,
        routes::matters::admin::update_matter,
        routes::matters::admin::publish_matter,
        routes::matters::admin::retire_matter,
        routes::matters::admin::list_matter_versions,
        routes::drafts::create_draft,
        routes::drafts::list_drafts,
        routes::drafts::get_draft,
        routes::drafts::update_draft,
        routes::drafts::delete_draft,
        routes::drafts::submit_draft,
        routes::cases::submit::submit_case,
        routes::cases::views::list_my_cases,
        routes::cases::views::get_case,
        routes::cases::views::get_acceptance_receipt,
        routes::cases::views::lookup_case,
        routes::cases::views::reset_query_password,
        routes::cases::views::list_pre_review_queue,
        routes::cases::views::search_cases,
        routes::cases::prereview::accept_case,
        routes::cases::prereview::reject_case,
        routes::cases::prereview::request_supplement,
        routes::cases::prereview::supplement_case,
        routes::cases::prereview::fulfil_commitment,
        routes::cases::prereview::decide_on_the_spot,
        routes::cases::lifecycle::suspend_case,
        routes::cases::lifecycle::resume_case,
        routes::cases::lifecycle::deliver_result,
        routes::cases::lifecycle::confirm_delivery,
        routes::cases::lifecycle::withdraw_case,
        routes::cases::lifecycle::terminate_case,
        routes::cases::lifecycle::resubmit_to_review,
        routes::ratings::rate_case,
        routes::ratings::rating_stats,
        routes::ratings::list_rectifications,
        routes::ratings::close_rectification,
        routes::materials::upload_material,
        routes::materials::list_materials,
        routes::materials::download_material,
    ),
    tags(
        (name = "cases", description = "办件: applications and their life cycle"),
        (name = "pre-review", description = "窗口预审: acceptance, refusal, one-time supplement notices, 容缺, 即办件"),
        (name = "drafts", description = "草稿: applications saved before submission"),
        (name = "materials", description = "申请材料: files for the required materials"),
        (name = "ratings", description = "好差评: ratings, statistics and rectifications"),
        (name = "matters", description = "事项: the catalog (public) and its administration")
    )
)]
pub struct ApiDoc;

/// The running intake service.
pub struct Application {
    host: ServiceHost,
}

impl Application {
    /// Connects, migrates (when configured), seeds an empty catalog and binds.
    pub async fn build(settings: ServiceSettings, deps: SharedDeps) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, deps, Arc::new(SystemClock)).await
    }

    /// As [`Application::build`], with the clock handlers read "now" from (tests move it).
    pub async fn build_with_clock(
        settings: ServiceSettings,
        deps: SharedDeps,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let files = Files::open(
            settings
                .files_url
                .as_deref()
                .unwrap_or("file://./data/files"),
        )?;
        let intake = actix_web::web::Data::new(Intake {
            clock: clock.clone(),
            files,
        });
        let consumer_clock = clock.clone();
        let consumer = move |state: &AppState| -> Arc<dyn govhall_bus::Handler> {
            Arc::new(IntakeConsumer {
                db: state.db.clone(),
                relay: state.relay.clone(),
                clock: consumer_clock.clone(),
            })
        };
        let routes = move |cfg: &mut actix_web::web::ServiceConfig| {
            cfg.app_data(intake.clone()).configure(routes::configure);
        };
        let host =
            ServiceHost::build::<Migrator>(SERVICE, &settings, deps, consumer, routes).await?;
        let (db, _) = host.state();
        if settings.auto_migrate {
            seed_catalog(&db, clock.as_ref()).await?;
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

/// Applies pending migrations and seeds an empty catalog.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    seed_catalog(db, &SystemClock).await
}

/// Publishes the seed catalog (`data/catalog.json`) as version 1 of each matter when the
/// catalog is empty; a catalog that has any matter is left alone.
pub async fn seed_catalog(db: &DatabaseConnection, clock: &dyn Clock) -> anyhow::Result<()> {
    if matters::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let now = clock.now().fixed_offset();
    for spec in seed::catalog()? {
        let inserted = matters::ActiveModel {
            id: Set(Uuid::now_v7()),
            implementation_code: Set(spec.implementation_code.clone()),
            version: Set(1),
            state: Set("published".into()),
            name: Set(spec.name.clone()),
            division_code: Set(spec.division_code.clone()),
            department_code: Set(spec.department.code.clone()),
            item_type: Set(spec.item_type.as_str().into()),
            case_type: Set(spec.case_type.as_str().into()),
            spec: Set(serde_json::to_value(&spec)?),
            row_version: Set(1),
            created_by: Set("seed".into()),
            created_at: Set(now),
            updated_at: Set(now),
            published_at: Set(Some(now)),
            retired_at: Set(None),
        }
        .insert(db)
        .await;
        match inserted {
            Ok(_) => {}
            // Another replica seeding at the same moment got there first.
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) => {}
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!("seed catalog published");
    Ok(())
}

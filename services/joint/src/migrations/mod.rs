//! Schema of the joint-handling database.

mod chains;

use sea_orm_migration::{prelude::*, schema::*};

/// The joint-handling migrator.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(govhall_bus::migration::CreateOutboxAndInbox),
            Box::new(CreateRoutes),
            Box::new(chains::CreateDivisions),
            Box::new(chains::CreateTransfers),
        ]
    }
}

#[derive(DeriveIden)]
pub(crate) enum CaseRoutes {
    Table,
    CaseId,
    DivisionCode,
    Stages,
    State,
    PlannedAt,
}

struct CreateRoutes;

impl MigrationName for CreateRoutes {
    fn name(&self) -> &str {
        "m0002_case_routes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateRoutes {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaseRoutes::Table)
                    .if_not_exists()
                    .col(uuid(CaseRoutes::CaseId).primary_key())
                    .col(string(CaseRoutes::DivisionCode))
                    .col(json(CaseRoutes::Stages))
                    .col(string(CaseRoutes::State))
                    .col(timestamp_with_time_zone(CaseRoutes::PlannedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CaseRoutes::Table).to_owned())
            .await
    }
}

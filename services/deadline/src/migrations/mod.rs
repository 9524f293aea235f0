//! Schema of the deadline database.

use sea_orm_migration::{prelude::*, schema::*};

/// The deadline migrator.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(govhall_bus::migration::CreateOutboxAndInbox),
            Box::new(CreateClocks),
        ]
    }
}

#[derive(DeriveIden)]
enum Clocks {
    Table,
    Id,
    CaseId,
    Kind,
    TaskId,
    LimitValue,
    LimitUnit,
    State,
    StartedAt,
    DueAt,
    StoppedAt,
    Overdue,
    Version,
}

struct CreateClocks;

impl MigrationName for CreateClocks {
    fn name(&self) -> &str {
        "m0002_clocks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateClocks {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Clocks::Table)
                    .if_not_exists()
                    .col(uuid(Clocks::Id).primary_key())
                    .col(uuid(Clocks::CaseId))
                    .col(string(Clocks::Kind))
                    .col(uuid_null(Clocks::TaskId))
                    .col(integer(Clocks::LimitValue))
                    .col(string(Clocks::LimitUnit))
                    .col(string(Clocks::State))
                    .col(timestamp_with_time_zone(Clocks::StartedAt))
                    .col(timestamp_with_time_zone(Clocks::DueAt))
                    .col(timestamp_with_time_zone_null(Clocks::StoppedAt))
                    .col(boolean(Clocks::Overdue))
                    .col(integer(Clocks::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("clocks_by_case")
                    .table(Clocks::Table)
                    .col(Clocks::CaseId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Clocks::Table).to_owned())
            .await
    }
}

//! Schema of the intake database.

mod m0003_single_window;
mod m0004_cross_region;
mod m0005_case_reviewers;

use sea_orm_migration::{prelude::*, schema::*};

/// The intake migrator.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(govhall_bus::migration::CreateOutboxAndInbox),
            Box::new(CreateCases),
            Box::new(m0003_single_window::Migration),
            Box::new(m0004_cross_region::Migration),
            Box::new(m0005_case_reviewers::Migration),
        ]
    }
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    CaseNumber,
    MatterCode,
    MatterVersion,
    DivisionCode,
    Channel,
    ApplicantKind,
    ApplicantName,
    ApplicantIdNumber,
    SubmittedBy,
    State,
    Outcome,
    Plan,
    DueAt,
    Version,
    SubmittedAt,
    AcceptedAt,
    DecidedAt,
    CompletedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Subject,
    Key,
    RequestHash,
    CaseId,
    CreatedAt,
}

struct CreateCases;

impl MigrationName for CreateCases {
    fn name(&self) -> &str {
        "m0002_cases"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCases {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .if_not_exists()
                    .col(uuid(Cases::Id).primary_key())
                    .col(string(Cases::CaseNumber).unique_key())
                    .col(string(Cases::MatterCode))
                    .col(integer(Cases::MatterVersion))
                    .col(string(Cases::DivisionCode))
                    .col(string(Cases::Channel))
                    .col(string(Cases::ApplicantKind))
                    .col(string(Cases::ApplicantName))
                    .col(string(Cases::ApplicantIdNumber))
                    .col(string(Cases::SubmittedBy))
                    .col(string(Cases::State))
                    .col(string_null(Cases::Outcome))
                    .col(json_null(Cases::Plan))
                    .col(timestamp_with_time_zone_null(Cases::DueAt))
                    .col(integer(Cases::Version))
                    .col(timestamp_with_time_zone(Cases::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Cases::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Cases::DecidedAt))
                    .col(timestamp_with_time_zone_null(Cases::CompletedAt))
                    .col(timestamp_with_time_zone(Cases::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cases_by_submitter")
                    .table(Cases::Table)
                    .col(Cases::SubmittedBy)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
                    .col(string(IdempotencyKeys::Subject))
                    .col(string(IdempotencyKeys::Key))
                    .col(string(IdempotencyKeys::RequestHash))
                    .col(uuid(IdempotencyKeys::CaseId))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::Subject)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Cases::Table).to_owned())
            .await
    }
}

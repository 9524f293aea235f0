//! The division tree, and routes that move stage by stage through transfers.

use sea_orm_migration::{prelude::*, schema::*};

use super::CaseRoutes;

#[derive(DeriveIden)]
enum Divisions {
    Table,
    Code,
    Name,
    Level,
    ParentCode,
    State,
    SuccessorCode,
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DivisionChanges {
    Table,
    Id,
    Code,
    Action,
    Before,
    After,
    Actor,
    Reason,
    ChangedAt,
}

/// `divisions` (GB/T 2260 codes, with retired ones kept) and their audit log.
pub struct CreateDivisions;

impl MigrationName for CreateDivisions {
    fn name(&self) -> &str {
        "m0003_divisions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateDivisions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Divisions::Table)
                    .if_not_exists()
                    .col(string_len(Divisions::Code, 12).primary_key())
                    .col(string(Divisions::Name))
                    .col(string_len(Divisions::Level, 16))
                    .col(string_len_null(Divisions::ParentCode, 12))
                    .col(string_len(Divisions::State, 16))
                    .col(string_len_null(Divisions::SuccessorCode, 12))
                    .col(integer(Divisions::Version))
                    .col(string(Divisions::UpdatedBy))
                    .col(timestamp_with_time_zone(Divisions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_divisions_parent")
                    .table(Divisions::Table)
                    .col(Divisions::ParentCode)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DivisionChanges::Table)
                    .if_not_exists()
                    .col(uuid(DivisionChanges::Id).primary_key())
                    .col(string_len(DivisionChanges::Code, 12))
                    .col(string_len(DivisionChanges::Action, 16))
                    .col(json_null(DivisionChanges::Before))
                    .col(json(DivisionChanges::After))
                    .col(string(DivisionChanges::Actor))
                    .col(string(DivisionChanges::Reason))
                    .col(timestamp_with_time_zone(DivisionChanges::ChangedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DivisionChanges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Divisions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Transfers {
    Table,
    Id,
    CaseId,
    FromDivision,
    ToDivision,
    FromStage,
    ToStage,
    Departments,
    JoinRule,
    TimeLimit,
    Package,
    State,
    Late,
    DueAt,
    SentBy,
    SentAt,
    ReceivedBy,
    ReceivedAt,
    FinishedBy,
    FinishedAt,
    Reason,
    Outcome,
    ResentFrom,
    IdempotencyKey,
    Version,
}

#[derive(DeriveIden)]
enum Extra {
    StageIndex,
    Plan,
    Summary,
    Opinions,
    Overdue,
    Version,
}

/// `transfers` (one per hand-over between levels) and the route's position in its chain.
pub struct CreateTransfers;

impl MigrationName for CreateTransfers {
    fn name(&self) -> &str {
        "m0004_transfers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTransfers {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Transfers::Table)
                    .if_not_exists()
                    .col(uuid(Transfers::Id).primary_key())
                    .col(uuid(Transfers::CaseId))
                    .col(string_len(Transfers::FromDivision, 12))
                    .col(string_len(Transfers::ToDivision, 12))
                    .col(integer(Transfers::FromStage))
                    .col(integer(Transfers::ToStage))
                    .col(json(Transfers::Departments))
                    .col(string_len(Transfers::JoinRule, 16))
                    .col(json(Transfers::TimeLimit))
                    .col(json(Transfers::Package))
                    .col(string_len(Transfers::State, 16))
                    .col(boolean(Transfers::Late))
                    .col(timestamp_with_time_zone_null(Transfers::DueAt))
                    .col(string(Transfers::SentBy))
                    .col(timestamp_with_time_zone(Transfers::SentAt))
                    .col(string_null(Transfers::ReceivedBy))
                    .col(timestamp_with_time_zone_null(Transfers::ReceivedAt))
                    .col(string_null(Transfers::FinishedBy))
                    .col(timestamp_with_time_zone_null(Transfers::FinishedAt))
                    .col(text_null(Transfers::Reason))
                    .col(string_len_null(Transfers::Outcome, 16))
                    .col(uuid_null(Transfers::ResentFrom))
                    .col(string_len_null(Transfers::IdempotencyKey, 128))
                    .col(integer(Transfers::Version))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_transfers_case", Transfers::CaseId),
            ("ix_transfers_to", Transfers::ToDivision),
            ("ix_transfers_from", Transfers::FromDivision),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Transfers::Table)
                        .col(column)
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        // One resend per sent-back transfer.
        manager
            .create_index(
                Index::create()
                    .name("ux_transfers_resent_from")
                    .table(Transfers::Table)
                    .col(Transfers::ResentFrom)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per statement.
        let columns = [
            ColumnDef::new(Extra::StageIndex)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Extra::Plan).json().null().to_owned(),
            ColumnDef::new(Extra::Summary).json().null().to_owned(),
            ColumnDef::new(Extra::Opinions).json().null().to_owned(),
            ColumnDef::new(Extra::Overdue)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Extra::Version)
                .integer()
                .not_null()
                .default(1)
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(CaseRoutes::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Transfers::Table).to_owned())
            .await
    }
}

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
            Box::new(CreateCalendars),
            Box::new(CreateStopMarks),
            Box::new(CreateRecomputes),
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
    ReviewId,
    DivisionCode,
    DepartmentCode,
    MatterCode,
    LimitValue,
    LimitUnit,
    State,
    StartedAt,
    DueAt,
    CountingFrom,
    CountingValue,
    CountingUnit,
    PausedAt,
    PauseReason,
    RemainingValue,
    RemainingUnit,
    Extended,
    ExtendedBy,
    LadderWarningDays,
    LadderYellowDays,
    LadderStep,
    NextFireAt,
    StoppedAt,
    Overdue,
    Version,
}

#[derive(DeriveIden)]
enum ClockEvents {
    Table,
    Id,
    ClockId,
    CaseId,
    Operation,
    Actor,
    Reason,
    LegalBasis,
    Details,
    At,
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
                    .col(uuid_null(Clocks::ReviewId))
                    .col(string(Clocks::DivisionCode))
                    .col(string_null(Clocks::DepartmentCode))
                    .col(string_null(Clocks::MatterCode))
                    .col(integer(Clocks::LimitValue))
                    .col(string(Clocks::LimitUnit))
                    .col(string(Clocks::State))
                    .col(timestamp_with_time_zone(Clocks::StartedAt))
                    .col(timestamp_with_time_zone(Clocks::DueAt))
                    .col(timestamp_with_time_zone(Clocks::CountingFrom))
                    .col(big_integer(Clocks::CountingValue))
                    .col(string(Clocks::CountingUnit))
                    .col(timestamp_with_time_zone_null(Clocks::PausedAt))
                    .col(string_null(Clocks::PauseReason))
                    .col(big_integer_null(Clocks::RemainingValue))
                    .col(string_null(Clocks::RemainingUnit))
                    .col(boolean(Clocks::Extended))
                    .col(integer(Clocks::ExtendedBy))
                    .col(integer(Clocks::LadderWarningDays))
                    .col(integer(Clocks::LadderYellowDays))
                    .col(integer(Clocks::LadderStep))
                    .col(timestamp_with_time_zone_null(Clocks::NextFireAt))
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
            .await?;
        // Supervision filters by division (a prefix) and state.
        manager
            .create_index(
                Index::create()
                    .name("clocks_by_division_state")
                    .table(Clocks::Table)
                    .col(Clocks::DivisionCode)
                    .col(Clocks::State)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // The scheduler looks for clocks whose next step is due.
        manager
            .create_index(
                Index::create()
                    .name("clocks_next_fire")
                    .table(Clocks::Table)
                    .col(Clocks::NextFireAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // Every operation on a clock, with actor, reason and legal basis (audit).
        manager
            .create_table(
                Table::create()
                    .table(ClockEvents::Table)
                    .if_not_exists()
                    .col(uuid(ClockEvents::Id).primary_key())
                    .col(uuid(ClockEvents::ClockId))
                    .col(uuid(ClockEvents::CaseId))
                    .col(string(ClockEvents::Operation))
                    .col(string(ClockEvents::Actor))
                    .col(string_null(ClockEvents::Reason))
                    .col(string_null(ClockEvents::LegalBasis))
                    .col(json_null(ClockEvents::Details))
                    .col(timestamp_with_time_zone(ClockEvents::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("clock_events_by_clock")
                    .table(ClockEvents::Table)
                    .col(ClockEvents::ClockId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClockEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Clocks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CalendarYears {
    Table,
    Scope,
    Year,
    Data,
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CalendarChanges {
    Table,
    Id,
    Scope,
    Year,
    Version,
    Actor,
    Reason,
    Data,
    At,
}

/// Calendars as data: one row per (scope, year), scope `000000` for the nation or a
/// division code for its overlay, with every change kept for audit.
struct CreateCalendars;

impl MigrationName for CreateCalendars {
    fn name(&self) -> &str {
        "m0003_calendars"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCalendars {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarYears::Table)
                    .if_not_exists()
                    .col(string(CalendarYears::Scope))
                    .col(integer(CalendarYears::Year))
                    .col(json(CalendarYears::Data))
                    .col(integer(CalendarYears::Version))
                    .col(string(CalendarYears::UpdatedBy))
                    .col(timestamp_with_time_zone(CalendarYears::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(CalendarYears::Scope)
                            .col(CalendarYears::Year),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarChanges::Table)
                    .if_not_exists()
                    .col(uuid(CalendarChanges::Id).primary_key())
                    .col(string(CalendarChanges::Scope))
                    .col(integer(CalendarChanges::Year))
                    .col(integer(CalendarChanges::Version))
                    .col(string(CalendarChanges::Actor))
                    .col(string_null(CalendarChanges::Reason))
                    .col(json(CalendarChanges::Data))
                    .col(timestamp_with_time_zone(CalendarChanges::At))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarChanges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CalendarYears::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StopMarks {
    Table,
    CaseId,
    Scope,
    At,
}

/// What was stopped, even before it started: with competing consumers a stop can be handled
/// before its start (another replica, a redelivery), and the late start must not run on.
struct CreateStopMarks;

impl MigrationName for CreateStopMarks {
    fn name(&self) -> &str {
        "m0004_stop_marks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateStopMarks {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StopMarks::Table)
                    .if_not_exists()
                    .col(uuid(StopMarks::CaseId))
                    .col(string(StopMarks::Scope))
                    .col(timestamp_with_time_zone(StopMarks::At))
                    .primary_key(Index::create().col(StopMarks::CaseId).col(StopMarks::Scope))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StopMarks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CalendarRecomputes {
    Table,
    Id,
    Scope,
    Actor,
    Reason,
    AfterId,
    Moved,
    Done,
    CreatedAt,
    UpdatedAt,
}

struct CreateRecomputes;

impl MigrationName for CreateRecomputes {
    fn name(&self) -> &str {
        "m0005_calendar_recomputes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateRecomputes {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarRecomputes::Table)
                    .if_not_exists()
                    .col(uuid(CalendarRecomputes::Id).primary_key())
                    .col(string(CalendarRecomputes::Scope))
                    .col(string(CalendarRecomputes::Actor))
                    .col(string_null(CalendarRecomputes::Reason))
                    .col(uuid_null(CalendarRecomputes::AfterId))
                    .col(big_integer(CalendarRecomputes::Moved))
                    .col(boolean(CalendarRecomputes::Done))
                    .col(timestamp_with_time_zone(CalendarRecomputes::CreatedAt))
                    .col(timestamp_with_time_zone(CalendarRecomputes::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarRecomputes::Table).to_owned())
            .await
    }
}

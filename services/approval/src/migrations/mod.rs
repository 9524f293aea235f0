//! Schema of the approval database.

use sea_orm_migration::{prelude::*, schema::*};

/// The approval migrator.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(govhall_bus::migration::CreateOutboxAndInbox),
            Box::new(CreateReviews),
            Box::new(AddDeemedAndReferred),
            Box::new(AddAssignmentAndLog),
            Box::new(AddSteps),
            Box::new(CreateSupplements),
            Box::new(ReviewsPerStage),
        ]
    }
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    CaseId,
    DivisionCode,
    JoinRule,
    State,
    Outcome,
    Plan,
    Version,
    OpenedAt,
    ConcludedAt,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    ReviewId,
    CaseId,
    DepartmentCode,
    DepartmentName,
    Lead,
    State,
    Outcome,
    Comment,
    Reviewer,
    OpenedAt,
    RecordedAt,
    Version,
}

struct CreateReviews;

impl MigrationName for CreateReviews {
    fn name(&self) -> &str {
        "m0002_reviews_tasks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateReviews {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .if_not_exists()
                    .col(uuid(Reviews::Id).primary_key())
                    .col(uuid(Reviews::CaseId).unique_key())
                    .col(string(Reviews::DivisionCode))
                    .col(string(Reviews::JoinRule))
                    .col(string(Reviews::State))
                    .col(string_null(Reviews::Outcome))
                    .col(json(Reviews::Plan))
                    .col(integer(Reviews::Version))
                    .col(timestamp_with_time_zone(Reviews::OpenedAt))
                    .col(timestamp_with_time_zone_null(Reviews::ConcludedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .if_not_exists()
                    .col(uuid(Tasks::Id).primary_key())
                    .col(uuid(Tasks::ReviewId))
                    .col(uuid(Tasks::CaseId))
                    .col(string(Tasks::DepartmentCode))
                    .col(string(Tasks::DepartmentName))
                    .col(boolean(Tasks::Lead))
                    .col(string(Tasks::State))
                    .col(string_null(Tasks::Outcome))
                    .col(string_null(Tasks::Comment))
                    .col(string_null(Tasks::Reviewer))
                    .col(timestamp_with_time_zone(Tasks::OpenedAt))
                    .col(timestamp_with_time_zone_null(Tasks::RecordedAt))
                    .col(integer(Tasks::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("tasks_by_department")
                    .table(Tasks::Table)
                    .col(Tasks::DepartmentCode)
                    .col(Tasks::State)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("tasks_by_review")
                    .table(Tasks::Table)
                    .col(Tasks::ReviewId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Tasks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Reviews::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TaskFlags {
    Deemed,
    Referred,
}

/// A task's opinion may be deemed (视为同意) or referred upward.
struct AddDeemedAndReferred;

impl MigrationName for AddDeemedAndReferred {
    fn name(&self) -> &str {
        "m0003_task_deemed_referred"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddDeemedAndReferred {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [TaskFlags::Deemed, TaskFlags::Referred] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tasks::Table)
                        .add_column(boolean(column).default(false))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [TaskFlags::Deemed, TaskFlags::Referred] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tasks::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TaskAssignment {
    Assignee,
    DueAt,
}

#[derive(DeriveIden)]
enum ReviewLog {
    Table,
    Id,
    ReviewId,
    At,
    Actor,
    Action,
    Details,
}

/// Tasks get an assignee and the due time the deadline service counted; every change of a
/// review's make-up (加签 / 减签, assignments) is logged with actor and reason.
struct AddAssignmentAndLog;

impl MigrationName for AddAssignmentAndLog {
    fn name(&self) -> &str {
        "m0004_assignment_and_log"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddAssignmentAndLog {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(string_null(TaskAssignment::Assignee))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(timestamp_with_time_zone_null(TaskAssignment::DueAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewLog::Table)
                    .if_not_exists()
                    .col(uuid(ReviewLog::Id).primary_key())
                    .col(uuid(ReviewLog::ReviewId))
                    .col(timestamp_with_time_zone(ReviewLog::At))
                    .col(string(ReviewLog::Actor))
                    .col(string(ReviewLog::Action))
                    .col(json_null(ReviewLog::Details))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReviewLog::Table).to_owned())
            .await?;
        for column in [TaskAssignment::Assignee, TaskAssignment::DueAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tasks::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TaskSteps {
    StepIndex,
    Steps,
}

/// A department's review may run in sequential steps (初审 → 复审 → 审批).
struct AddSteps;

impl MigrationName for AddSteps {
    fn name(&self) -> &str {
        "m0005_task_steps"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddSteps {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(integer(TaskSteps::StepIndex).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(json_null(TaskSteps::Steps))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [TaskSteps::StepIndex, TaskSteps::Steps] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tasks::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SupplementBatches {
    Table,
    Id,
    ReviewId,
    CaseId,
    DivisionCode,
    FlushAt,
    State,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SupplementRequests {
    Table,
    Id,
    BatchId,
    TaskId,
    DepartmentCode,
    Items,
    CreatedAt,
}

/// Supplement requests of a review's departments, collected for a short window and sent as
/// one.
struct CreateSupplements;

impl MigrationName for CreateSupplements {
    fn name(&self) -> &str {
        "m0006_supplements"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateSupplements {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SupplementBatches::Table)
                    .if_not_exists()
                    .col(uuid(SupplementBatches::Id).primary_key())
                    .col(uuid(SupplementBatches::ReviewId))
                    .col(uuid(SupplementBatches::CaseId))
                    .col(string(SupplementBatches::DivisionCode))
                    .col(timestamp_with_time_zone(SupplementBatches::FlushAt))
                    .col(string(SupplementBatches::State))
                    .col(timestamp_with_time_zone(SupplementBatches::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SupplementRequests::Table)
                    .if_not_exists()
                    .col(uuid(SupplementRequests::Id).primary_key())
                    .col(uuid(SupplementRequests::BatchId))
                    .col(uuid(SupplementRequests::TaskId))
                    .col(string(SupplementRequests::DepartmentCode))
                    .col(json(SupplementRequests::Items))
                    .col(timestamp_with_time_zone(SupplementRequests::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SupplementRequests::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SupplementBatches::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ReviewsV2 {
    #[sea_orm(iden = "reviews_v2")]
    Table,
    Source,
}

/// A case may be reviewed more than once: at acceptance, and at each level of a cross-level
/// chain. The table is rebuilt without the unique case id (SQLite cannot drop a column
/// constraint), keeping every row, and each review records what opened it.
struct ReviewsPerStage;

impl MigrationName for ReviewsPerStage {
    fn name(&self) -> &str {
        "m0007_reviews_per_stage"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ReviewsPerStage {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let create = Table::create()
            .table(ReviewsV2::Table)
            .col(uuid(Reviews::Id).primary_key())
            .col(uuid(Reviews::CaseId))
            .col(string(Reviews::DivisionCode))
            .col(string(Reviews::JoinRule))
            .col(string(Reviews::State))
            .col(string_null(Reviews::Outcome))
            .col(json(Reviews::Plan))
            .col(integer(Reviews::Version))
            .col(timestamp_with_time_zone(Reviews::OpenedAt))
            .col(timestamp_with_time_zone_null(Reviews::ConcludedAt))
            .col(string(ReviewsV2::Source).default("acceptance"))
            .to_owned();
        let copy = "INSERT INTO reviews_v2 (id, case_id, division_code, join_rule, state, outcome, plan, version, opened_at, concluded_at, source) \
                    SELECT id, case_id, division_code, join_rule, state, outcome, plan, version, opened_at, concluded_at, 'acceptance' FROM reviews";
        if manager.get_database_backend() == sea_orm::DbBackend::Sqlite {
            // One script on one connection: SQLite cannot drop a column constraint, and a
            // pooled connection that has not seen the drop would refuse the rename.
            let script = format!(
                "{}; {copy}; DROP TABLE reviews; ALTER TABLE reviews_v2 RENAME TO reviews; \
                 CREATE INDEX reviews_by_case ON reviews (case_id);",
                create.to_string(SqliteQueryBuilder)
            );
            manager.get_connection().execute_unprepared(&script).await?;
            return Ok(());
        }
        manager.create_table(create).await?;
        manager.get_connection().execute_unprepared(copy).await?;
        manager
            .drop_table(Table::drop().table(Reviews::Table).to_owned())
            .await?;
        manager
            .rename_table(
                Table::rename()
                    .table(ReviewsV2::Table, Reviews::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("reviews_by_case")
                    .table(Reviews::Table)
                    .col(Reviews::CaseId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Going back would need one review per case again, which data may no longer allow.
        Err(DbErr::Migration(
            "m0007_reviews_per_stage cannot be reverted".into(),
        ))
    }
}

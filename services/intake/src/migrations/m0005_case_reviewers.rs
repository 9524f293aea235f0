//! The departments reviewing a case as the approval service opened their tasks
//! (`approval.task.opened`): the plan's, and co-departments added during review (加签).

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `case_reviewers`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_case_reviewers"
    }
}

#[derive(DeriveIden)]
enum CaseReviewers {
    Table,
    CaseId,
    DivisionCode,
    DepartmentCode,
    OpenedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The key leads with the case: the one lookup is "may this department read this case".
        manager
            .create_table(
                Table::create()
                    .table(CaseReviewers::Table)
                    .if_not_exists()
                    .col(uuid(CaseReviewers::CaseId))
                    .col(string(CaseReviewers::DivisionCode))
                    .col(string(CaseReviewers::DepartmentCode))
                    .col(timestamp_with_time_zone(CaseReviewers::OpenedAt))
                    .primary_key(
                        Index::create()
                            .col(CaseReviewers::CaseId)
                            .col(CaseReviewers::DivisionCode)
                            .col(CaseReviewers::DepartmentCode),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CaseReviewers::Table).to_owned())
            .await
    }
}

//! The `case_reviewers` table: each department a review task was opened for, at its
//! division, per case — what intake learns from `approval.task.opened`, so that a
//! co-department added during review (加签) reads the case like the plan's departments.

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, PaginatorTrait, entity::prelude::*};
use uuid::Uuid;

/// A department reviewing a case.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "case_reviewers")]
pub struct Model {
    /// Case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: Uuid,
    /// Division of the review (a department code names one body only with it).
    #[sea_orm(primary_key, auto_increment = false)]
    pub division_code: String,
    /// Department code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_code: String,
    /// When its first task for the case was opened.
    pub opened_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Records that the department reviews the case; a second task (another review, a message
/// delivered again under a new id) changes nothing: the first row stays.
#[tracing::instrument(skip_all, fields(case.id = %case_id, department.code = department))]
pub async fn record(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    division: &str,
    department: &str,
    opened_at: DateTime<FixedOffset>,
) -> Result<(), DbErr> {
    let row = ActiveModel {
        case_id: sea_orm::ActiveValue::Set(case_id),
        division_code: sea_orm::ActiveValue::Set(division.to_owned()),
        department_code: sea_orm::ActiveValue::Set(department.to_owned()),
        opened_at: sea_orm::ActiveValue::Set(opened_at),
    };
    Entity::insert(row)
        .on_conflict_do_nothing_on([Column::CaseId, Column::DivisionCode, Column::DepartmentCode])
        .exec(db)
        .await?;
    Ok(())
}

/// Does the department, at its division, review the case?
pub async fn includes(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    division: &str,
    department: &str,
) -> Result<bool, DbErr> {
    Ok(Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .filter(Column::DivisionCode.eq(division))
        .filter(Column::DepartmentCode.eq(department))
        .count(db)
        .await?
        > 0)
}

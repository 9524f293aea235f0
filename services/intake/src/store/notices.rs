//! The `notices` table: written notices issued to applicants — acceptance receipts (受理
//!通知书), refusals (不予受理通知书), supplement notices (一次性告知书), terminations.

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, QueryOrder, entity::prelude::*};
use uuid::Uuid;

/// A stored notice.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    /// Notice id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// `acceptance`, `rejection`, `supplement` or `termination`.
    pub kind: String,
    /// Code printed on the notice to check it is genuine (验证码).
    pub verification_code: String,
    /// Content.
    pub body: Json,
    /// Who issued it (a subject, or `system`).
    pub issued_by: String,
    /// When.
    pub issued_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The notices of a case, newest first.
pub async fn of_case(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .order_by_desc(Column::IssuedAt)
        .all(db)
        .await
}

/// The latest notice of `kind` for a case.
pub async fn latest(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    kind: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .filter(Column::Kind.eq(kind))
        .order_by_desc(Column::IssuedAt)
        .one(db)
        .await
}

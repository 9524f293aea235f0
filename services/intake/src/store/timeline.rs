//! The `case_events` table: the timeline of a case, one row per thing that happened to it.

use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, QueryOrder, entity::prelude::*,
};
use uuid::Uuid;

/// A timeline entry.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "case_events")]
pub struct Model {
    /// Entry id (UUIDv7, so ids sort by time).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// When it happened.
    pub at: DateTime<FixedOffset>,
    /// What happened (`submitted`, `accepted`, `clock_warned`, …).
    pub kind: String,
    /// Who: a subject, or `system`.
    pub actor: String,
    /// One line for the applicant, in Chinese.
    pub summary: String,
    /// Details.
    pub details: Option<Json>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Appends an entry.
pub async fn record(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    at: DateTime<FixedOffset>,
    kind: &str,
    actor: &str,
    summary: impl Into<String>,
    details: Option<serde_json::Value>,
) -> Result<(), DbErr> {
    ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        at: Set(at),
        kind: Set(kind.into()),
        actor: Set(actor.into()),
        summary: Set(summary.into()),
        details: Set(details),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The timeline of a case, in order.
pub async fn of_case(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .order_by_asc(Column::At)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

//! The `clock_events` table: every operation on a clock, with actor, reason and legal basis.

use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, QueryOrder, entity::prelude::*,
};
use uuid::Uuid;

/// One recorded operation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "clock_events")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Clock.
    pub clock_id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// `started`, `paused`, `resumed`, `extended`, `warned`, `overdue`, `stopped`.
    pub operation: String,
    /// Who: a principal subject, or `system` for the scheduler and events.
    pub actor: String,
    /// Why, in words.
    pub reason: Option<String>,
    /// Legal basis cited.
    pub legal_basis: Option<String>,
    /// Operation details (new due time, extension, level).
    pub details: Option<Json>,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The operation.
    pub operation: &'a str,
    /// Who.
    pub actor: &'a str,
    /// Why.
    pub reason: Option<String>,
    /// Legal basis.
    pub legal_basis: Option<String>,
    /// Details.
    pub details: Option<serde_json::Value>,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// Records an operation on `clock`.
pub async fn record(
    db: &impl ConnectionTrait,
    clock_id: Uuid,
    case_id: Uuid,
    entry: Entry<'_>,
) -> Result<(), DbErr> {
    ActiveModel {
        id: Set(Uuid::now_v7()),
        clock_id: Set(clock_id),
        case_id: Set(case_id),
        operation: Set(entry.operation.to_owned()),
        actor: Set(entry.actor.to_owned()),
        reason: Set(entry.reason),
        legal_basis: Set(entry.legal_basis),
        details: Set(entry.details),
        at: Set(super::clocks::utc(entry.at)),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The history of a clock, oldest first.
pub async fn of_clock(db: &impl ConnectionTrait, clock_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::ClockId.eq(clock_id))
        .order_by_asc(Column::At)
        .all(db)
        .await
}

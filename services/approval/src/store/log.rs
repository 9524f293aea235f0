//! The `review_log` table: who changed a review's make-up or a task's assignment, when, why.

use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, QueryOrder, entity::prelude::*,
};
use uuid::Uuid;

/// A log entry.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "review_log")]
pub struct Model {
    /// Entry id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Review.
    pub review_id: Uuid,
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Who.
    pub actor: String,
    /// `department_added`, `department_removed`, `claimed`, `released`, `assigned`.
    pub action: String,
    /// Department, task, reason, assignee.
    pub details: Option<Json>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Appends an entry.
pub async fn record(
    db: &impl ConnectionTrait,
    review_id: Uuid,
    at: DateTime<FixedOffset>,
    actor: &str,
    action: &str,
    details: serde_json::Value,
) -> Result<(), DbErr> {
    ActiveModel {
        id: Set(Uuid::now_v7()),
        review_id: Set(review_id),
        at: Set(at),
        actor: Set(actor.into()),
        action: Set(action.into()),
        details: Set(Some(details)),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The log of a review, in order.
pub async fn of_review(db: &impl ConnectionTrait, review_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::ReviewId.eq(review_id))
        .order_by_asc(Column::At)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

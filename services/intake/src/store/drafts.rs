//! The `drafts` table: applications saved but not yet submitted (草稿).

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, QueryOrder, entity::prelude::*};
use uuid::Uuid;

/// A stored draft.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "drafts")]
pub struct Model {
    /// Draft id; the case it becomes keeps it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Subject of its owner.
    pub owner: String,
    /// The matter version it was started under.
    pub matter_id: Uuid,
    /// The application so far (`routes::drafts::DraftBody`).
    pub body: Json,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<FixedOffset>,
    /// Last change.
    pub updated_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A draft of `owner`, if it exists.
pub async fn find_owned(
    db: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::Owner.eq(owner))
        .one(db)
        .await
}

/// The drafts of `owner`, newest first.
pub async fn of_owner(db: &impl ConnectionTrait, owner: &str) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::Owner.eq(owner))
        .order_by_desc(Column::UpdatedAt)
        .all(db)
        .await
}

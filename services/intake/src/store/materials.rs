//! The `materials` table: uploaded files, each for one required material of a draft or case.

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, QueryOrder, entity::prelude::*};
use uuid::Uuid;

/// A stored material file.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "materials")]
pub struct Model {
    /// File id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The draft or case it belongs to (a draft's id becomes its case's id).
    pub owner_id: Uuid,
    /// Code of the required material it supplies.
    pub material_code: String,
    /// File name as uploaded.
    pub file_name: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Key in the object store.
    pub storage_key: String,
    /// Subject who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The files of a draft or case, oldest first.
pub async fn of_owner(db: &impl ConnectionTrait, owner: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::OwnerId.eq(owner))
        .order_by_asc(Column::UploadedAt)
        .all(db)
        .await
}

//! The `idempotency` table: one stored outcome per (subject, scope, Idempotency-Key).

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, entity::prelude::*};
use uuid::Uuid;

/// A used idempotency key.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency")]
pub struct Model {
    /// Principal subject that used the key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    /// What the key created (`case`, `draft`, `matter`, `rating`, …).
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    /// The key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Hash of the request, to refuse a reused key with another body.
    pub request_hash: String,
    /// What the first request created.
    pub resource_id: Uuid,
    /// When.
    pub created_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Finds an earlier use of a key.
pub async fn find(
    db: &impl ConnectionTrait,
    subject: &str,
    scope: &str,
    key: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id((subject.to_owned(), scope.to_owned(), key.to_owned()))
        .one(db)
        .await
}

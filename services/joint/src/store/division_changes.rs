//! The `division_changes` table: who changed which division, how and why.

use chrono::{DateTime, FixedOffset};
use sea_orm::entity::prelude::*;
use uuid::Uuid;

/// One change.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "division_changes")]
pub struct Model {
    /// Change id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Division code.
    pub code: String,
    /// `created`, `updated`, `retired`, `seeded`.
    pub action: String,
    /// The row before.
    pub before: Option<Json>,
    /// The row after.
    pub after: Json,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// When.
    pub changed_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `case_routes` table: the levels a case passes through.

use chrono::{DateTime, FixedOffset};
use sea_orm::entity::prelude::*;
use uuid::Uuid;

/// A stored route.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "case_routes")]
pub struct Model {
    /// Case id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: Uuid,
    /// Accepting division.
    pub division_code: String,
    /// Division codes of the stages, in order (JSON array).
    pub stages: Json,
    /// `planned`, `completed`.
    pub state: String,
    /// When planned.
    pub planned_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

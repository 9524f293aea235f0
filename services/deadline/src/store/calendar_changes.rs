//! The `calendar_changes` table: every version of every calendar year, with who and why.

use chrono::{DateTime, FixedOffset};
use sea_orm::entity::prelude::*;
use uuid::Uuid;

/// One recorded change.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_changes")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `000000` or a division code.
    pub scope: String,
    /// The year.
    pub year: i32,
    /// The version this change produced.
    pub version: i32,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
    /// The year's data as changed.
    pub data: Json,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `calendar_recomputes` table: the durable progress of moving running clocks after a
//! calendar change, batch by batch, so a restart resumes where it stopped.

use chrono::{DateTime, FixedOffset};
use sea_orm::entity::prelude::*;
use uuid::Uuid;

/// One recompute job.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_recomputes")]
pub struct Model {
    /// Job id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Calendar scope changed (`000000` or a division code).
    pub scope: String,
    /// Who changed the calendar.
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
    /// The last clock id handled (clocks are taken in id order).
    pub after_id: Option<Uuid>,
    /// Clocks whose due date moved so far.
    pub moved: i64,
    /// Every running clock of the scope has been looked at.
    pub done: bool,
    /// When the change was made.
    pub created_at: DateTime<FixedOffset>,
    /// Last progress.
    pub updated_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

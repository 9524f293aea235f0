//! The `case_routes` table: the levels a case passes through and where it is now.

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
    /// `planned` (one level), `in_review` (a level reviews it), `transferring` (sent, not yet
    /// signed for), `sent_back` (the lower level must resend), `decided`, `completed`,
    /// `cancelled`.
    pub state: String,
    /// When planned.
    pub planned_at: DateTime<FixedOffset>,
    /// Index of the stage that holds the case.
    pub stage_index: i32,
    /// The stages of the handling plan (`Vec<StagePlan>`), for a cross-level chain.
    pub plan: Option<Json>,
    /// The case in brief (`CaseSummary`), carried in every transfer's package.
    pub summary: Option<Json>,
    /// Opinions of the stages so far (`Vec<StageOpinion>`).
    pub opinions: Option<Json>,
    /// A clock of the current stage went overdue: its upward submission will be late.
    pub overdue: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

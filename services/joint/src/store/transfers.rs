//! The `transfers` table: one row per hand-over of a case between levels (报送).

use chrono::{DateTime, FixedOffset};
use sea_orm::entity::prelude::*;
use uuid::Uuid;

/// A stored transfer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "transfers")]
pub struct Model {
    /// Transfer id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Sending division.
    pub from_division: String,
    /// Receiving division.
    pub to_division: String,
    /// Stage index it leaves.
    pub from_stage: i32,
    /// Stage index it goes to.
    pub to_stage: i32,
    /// Departments that review the receiving stage (`Vec<DepartmentPlan>`).
    pub departments: Json,
    /// Their join rule (`all`, `any`, `lead_decides`).
    pub join_rule: String,
    /// Time the receiving stage has (`TimeLimit`).
    pub time_limit: Json,
    /// What was sent: the case summary, material references with digests, opinions so far.
    pub package: Json,
    /// `sent`, `received`, `forwarded` (reviewed and sent on), `returned` (with the result),
    /// `sent_back` (退回), `resent` (a new transfer replaced it), `cancelled`.
    pub state: String,
    /// Sent after the sending stage's time ran out (a supervision item).
    pub late: bool,
    /// Due time of the receiving stage's clock (from the deadline service).
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Who sent it (`system` when the review's conclusion sent it on).
    pub sent_by: String,
    /// When.
    pub sent_at: DateTime<FixedOffset>,
    /// Who signed for it.
    pub received_by: Option<String>,
    /// When.
    pub received_at: Option<DateTime<FixedOffset>>,
    /// Who returned, forwarded or sent it back.
    pub finished_by: Option<String>,
    /// When.
    pub finished_at: Option<DateTime<FixedOffset>>,
    /// Reason of a send-back, or the note of a resend.
    pub reason: Option<String>,
    /// Result of the receiving stage's review (`approved`, `denied`).
    pub outcome: Option<String>,
    /// The sent-back transfer this one resends.
    pub resent_from: Option<Uuid>,
    /// Idempotency key of the resend that created it.
    pub idempotency_key: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Transfers of a case, oldest first.
pub async fn of_case(db: &impl ConnectionTrait, case_id: Uuid) -> Result<Vec<Model>, DbErr> {
    use sea_orm::QueryOrder;
    Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .order_by_asc(Column::SentAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

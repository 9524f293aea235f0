//! Events produced by the joint-handling service (跨层级联办).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Outcome, TimeLimit,
    intake::{DepartmentPlan, JoinRule, StagePlan},
};
use crate::{Event, routing};

/// How a case will be routed across levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoutePlanned {
    /// Case id.
    pub case_id: Uuid,
    /// Division codes of the stages, in order; one entry for a single-level case.
    pub stages: Vec<String>,
}
impl Event for RoutePlanned {
    const TYPE: &'static str = routing::JOINT_ROUTE_PLANNED;
    const VERSION: u16 = 1;
}

/// The deciding level of a cross-level chain returned its result to the accepting window
/// (联办结果返回); the accepting level's own review was only the initial one (初审).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResultReturned {
    /// Case id.
    pub case_id: Uuid,
    /// Division that decided.
    pub decided_by_division: String,
    /// Outcome.
    pub outcome: Outcome,
    /// The opinions of every stage, in order, in words.
    pub opinions: Vec<String>,
    /// When the result was returned.
    pub returned_at: DateTime<FixedOffset>,
}
impl Event for ResultReturned {
    const TYPE: &'static str = routing::JOINT_RESULT_RETURNED;
    const VERSION: u16 = 1;
}

/// A case was sent to the next level of its chain (报送): that level's stage clock starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageSent {
    /// Case id.
    pub case_id: Uuid,
    /// The transfer (one per hand-over).
    pub transfer_id: Uuid,
    /// Division that sent it.
    pub from_division: String,
    /// Division that now handles it.
    pub to_division: String,
    /// Department that handles the stage there.
    pub department_code: String,
    /// Time the stage has (e.g. 20 working days for an initial review, 行政许可法 art. 43).
    pub time_limit: TimeLimit,
    /// When it was sent.
    pub sent_at: DateTime<FixedOffset>,
    /// What the receiving side needs to take the transfer in when it runs its own
    /// deployment (the message reached it through a shovel).
    #[serde(default)]
    pub handover: Option<Handover>,
}

/// The route and package a transfer carries to another deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Handover {
    /// Division of the window that accepted the case (the result goes back there).
    pub accepting_division: String,
    /// Stage index the case leaves.
    pub from_stage: u32,
    /// Stage index it goes to.
    pub to_stage: u32,
    /// The whole chain.
    pub stages: Vec<StagePlan>,
    /// The package: case summary, materials by reference with SHA-256, opinions so far, note.
    pub package: serde_json::Value,
}
impl Event for StageSent {
    const TYPE: &'static str = routing::JOINT_STAGE_SENT;
    const VERSION: u16 = 1;
}

/// A level finished its stage and handed the case back or on (返回 / 退回): its clock stops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageReturned {
    /// Case id.
    pub case_id: Uuid,
    /// The transfer it answers.
    pub transfer_id: Uuid,
    /// Sent back to the lower level with a reason (退回), rather than returned with a result.
    #[serde(default)]
    pub sent_back: bool,
    /// Why it was sent back (shown to the lower level).
    #[serde(default)]
    pub reason: Option<String>,
    /// When.
    pub returned_at: DateTime<FixedOffset>,
}
impl Event for StageReturned {
    const TYPE: &'static str = routing::JOINT_STAGE_RETURNED;
    const VERSION: u16 = 1;
}

/// The receiving level signed for a transfer (签收): its departments review the stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageReceived {
    /// Case id.
    pub case_id: Uuid,
    /// The transfer signed for.
    pub transfer_id: Uuid,
    /// Division that received it.
    pub division: String,
    /// Departments that review the stage.
    pub departments: Vec<DepartmentPlan>,
    /// How their opinions join.
    pub join_rule: JoinRule,
    /// Time the stage has.
    pub time_limit: TimeLimit,
    /// When it was signed for.
    pub received_at: DateTime<FixedOffset>,
}
impl Event for StageReceived {
    const TYPE: &'static str = routing::JOINT_STAGE_RECEIVED;
    const VERSION: u16 = 1;
}

//! Events produced by the intake service (一窗受理).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Outcome, TimeLimit};
use crate::{Event, routing};

/// A case was submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseSubmitted {
    /// Case id.
    pub case_id: Uuid,
    /// Human-readable case number (办件编号).
    pub case_number: String,
    /// Matter implementation code.
    pub matter_code: String,
    /// Division code of the accepting window.
    pub division_code: String,
    /// Channel the application came through.
    pub channel: String,
    /// When it was submitted.
    pub submitted_at: DateTime<FixedOffset>,
}
impl Event for CaseSubmitted {
    const TYPE: &'static str = routing::INTAKE_CASE_SUBMITTED;
    const VERSION: u16 = 1;
}

/// Join rule of a parallel review (并联审批).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JoinRule {
    /// Every department must agree (会签).
    All,
    /// Any one department suffices (或签).
    Any,
    /// The lead decides after collecting every opinion.
    LeadDecides,
}

/// One department in a handling plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DepartmentPlan {
    /// Department code.
    pub department_code: String,
    /// Department name.
    pub name: String,
    /// Lead department (牵头部门)?
    pub lead: bool,
    /// Time limit for this department's review.
    pub time_limit: TimeLimit,
    /// Sequential steps inside the department (初审 → 复审 → 审批); empty: one step.
    #[serde(default)]
    pub steps: Vec<ReviewStep>,
}

/// One step of a department's review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReviewStep {
    /// Name (初审, 复审, 审批 …).
    pub name: String,
    /// Who acts at this step: `reviewer` or `leader`.
    pub role: String,
}

/// Shape of a handling plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// One department.
    #[default]
    Single,
    /// Departments in parallel with a lead and a join rule (并联审批).
    Parallel,
    /// A chain of stages across levels (跨层级联办).
    CrossLevel,
    /// Accepted at a window of another region (跨域通办): `stages` are the accepting
    /// division (no review) and the handling one, whose departments review it.
    CrossRegion,
}

/// One stage of a cross-level chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StagePlan {
    /// Level (`province`, `city`, `county`, `town`, …).
    pub level: String,
    /// Division that handles the stage.
    pub division_code: String,
    /// Department code.
    pub department_code: String,
    /// Department name.
    pub name: String,
    /// Time limit of the stage.
    pub time_limit: TimeLimit,
    /// Departments that review the stage in parallel (并联), when more than the one above;
    /// empty: `department_code` alone reviews it.
    #[serde(default)]
    pub departments: Vec<DepartmentPlan>,
    /// Join rule of a stage reviewed by several departments.
    #[serde(default)]
    pub join_rule: Option<JoinRule>,
}

impl StagePlan {
    /// The departments that review this stage and how their opinions join.
    pub fn review(&self) -> (Vec<DepartmentPlan>, JoinRule) {
        if self.departments.is_empty() {
            (
                vec![DepartmentPlan {
                    department_code: self.department_code.clone(),
                    name: self.name.clone(),
                    lead: true,
                    time_limit: self.time_limit,
                    steps: Vec::new(),
                }],
                JoinRule::All,
            )
        } else {
            (
                self.departments.clone(),
                self.join_rule.unwrap_or(JoinRule::LeadDecides),
            )
        }
    }
}

/// How a case is handled once accepted; carried so no consumer calls back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HandlingPlan {
    /// Version of the matter the case was submitted under.
    pub matter_version: u32,
    /// Shape of the plan.
    #[serde(default)]
    pub kind: PlanKind,
    /// Stages of a cross-level plan, first to last (empty otherwise).
    #[serde(default)]
    pub stages: Vec<StagePlan>,
    /// Reviewing departments.
    pub departments: Vec<DepartmentPlan>,
    /// Join rule.
    pub join_rule: JoinRule,
    /// The committed processing time limit (承诺时限).
    pub time_limit: TimeLimit,
    /// The statutory limit (法定时限), tracked beside the committed one.
    #[serde(default)]
    pub statutory_limit: Option<TimeLimit>,
    /// Working days left at each warning step, when the matter sets its own.
    #[serde(default)]
    pub warning_ladder: Option<WarningLadder>,
}

/// Working days left at the warning (预警) and at the yellow card (黄牌).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WarningLadder {
    /// Working days left at the warning.
    pub warning_days: u32,
    /// Working days left at the yellow card.
    pub yellow_days: u32,
}

/// A clerk accepted a case (受理).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseAccepted {
    /// Case id.
    pub case_id: Uuid,
    /// Case number.
    pub case_number: String,
    /// When it was accepted (for a deemed acceptance: when the materials were received).
    pub accepted_at: DateTime<FixedOffset>,
    /// The handling plan.
    pub plan: HandlingPlan,
    /// Deemed accepted because the acceptance time limit ran out (视为受理).
    #[serde(default)]
    pub deemed: bool,
    /// Accepted with materials missing against the applicant's commitment (容缺受理).
    #[serde(default)]
    pub commitment: Option<Commitment>,
    /// What a level that receives the case in a transfer needs to know about it (no
    /// personal data beyond a masked name).
    #[serde(default)]
    pub summary: Option<CaseSummary>,
}

/// A case in brief, for the package sent to another level (报送材料清单).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseSummary {
    /// Matter implementation code.
    pub matter_code: String,
    /// Matter name.
    pub matter_name: String,
    /// `natural_person` or `legal_person`.
    pub applicant_kind: String,
    /// The applicant's name, masked (张*三, 南京某某有限公司 masked to its first and last
    /// characters).
    pub applicant_masked: String,
    /// The materials received, by reference.
    pub materials: Vec<MaterialRef>,
}

/// A material by reference: the receiving level fetches it and checks its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MaterialRef {
    /// Material name in the matter's list.
    pub name: String,
    /// Stored file id (`GET /api/v1/materials/{id}`).
    pub file_id: Uuid,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
}

/// The applicant's commitment to supply missing materials (容缺承诺).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Commitment {
    /// Names of the missing materials.
    pub missing_materials: Vec<String>,
    /// Time allowed to supply them, counted from acceptance.
    pub limit: TimeLimit,
}
impl Event for CaseAccepted {
    const TYPE: &'static str = routing::INTAKE_CASE_ACCEPTED;
    const VERSION: u16 = 1;
}

/// A decision was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseDecided {
    /// Case id.
    pub case_id: Uuid,
    /// Outcome.
    pub outcome: Outcome,
    /// When.
    pub decided_at: DateTime<FixedOffset>,
}
impl Event for CaseDecided {
    const TYPE: &'static str = routing::INTAKE_CASE_DECIDED;
    const VERSION: u16 = 1;
}

/// The case was completed (办结).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseCompleted {
    /// Case id.
    pub case_id: Uuid,
    /// When.
    pub completed_at: DateTime<FixedOffset>,
}
impl Event for CaseCompleted {
    const TYPE: &'static str = routing::INTAKE_CASE_COMPLETED;
    const VERSION: u16 = 1;
}

/// The applicant was told, once, everything to supplement (一次性告知).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseSupplementRequested {
    /// Case id.
    pub case_id: Uuid,
    /// What is missing or faulty, in words, every item at once.
    pub items: Vec<String>,
    /// When.
    pub requested_at: DateTime<FixedOffset>,
}
impl Event for CaseSupplementRequested {
    const TYPE: &'static str = routing::INTAKE_CASE_SUPPLEMENT_REQUESTED;
    const VERSION: u16 = 1;
}

/// The applicant supplemented what was asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseSupplemented {
    /// Case id.
    pub case_id: Uuid,
    /// It fulfils a 容缺 commitment made at acceptance (not a pre-review supplement notice).
    #[serde(default)]
    pub commitment: bool,
    /// When.
    pub supplemented_at: DateTime<FixedOffset>,
}
impl Event for CaseSupplemented {
    const TYPE: &'static str = routing::INTAKE_CASE_SUPPLEMENTED;
    const VERSION: u16 = 1;
}

/// The case was not accepted (不予受理), with reason and legal basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseRejected {
    /// Case id.
    pub case_id: Uuid,
    /// Why.
    pub reason: String,
    /// Legal basis.
    pub legal_basis: String,
    /// When.
    pub rejected_at: DateTime<FixedOffset>,
}
impl Event for CaseRejected {
    const TYPE: &'static str = routing::INTAKE_CASE_REJECTED;
    const VERSION: u16 = 1;
}

/// The applicant withdrew the case (撤回).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseWithdrawn {
    /// Case id.
    pub case_id: Uuid,
    /// When.
    pub withdrawn_at: DateTime<FixedOffset>,
}
impl Event for CaseWithdrawn {
    const TYPE: &'static str = routing::INTAKE_CASE_WITHDRAWN;
    const VERSION: u16 = 1;
}

/// The case was terminated (终止), e.g. a 容缺 commitment was not kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseTerminated {
    /// Case id.
    pub case_id: Uuid,
    /// Why, as told to the applicant.
    pub reason: String,
    /// When.
    pub terminated_at: DateTime<FixedOffset>,
}
impl Event for CaseTerminated {
    const TYPE: &'static str = routing::INTAKE_CASE_TERMINATED;
    const VERSION: u16 = 1;
}

/// A special procedure (特别程序) suspended the case; its time does not count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseSuspended {
    /// Case id.
    pub case_id: Uuid,
    /// Procedure (GB/T 39046 wording: `hearing`, `testing`, `appraisal`, `expert_review`,
    /// `public_notice`, `auction`, `other`).
    pub procedure: String,
    /// Legal basis quoted for the suspension.
    pub legal_basis: String,
    /// When.
    pub suspended_at: DateTime<FixedOffset>,
}
impl Event for CaseSuspended {
    const TYPE: &'static str = routing::INTAKE_CASE_SUSPENDED;
    const VERSION: u16 = 1;
}

/// The special procedure ended; the case's clocks count again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseResumed {
    /// Case id.
    pub case_id: Uuid,
    /// When.
    pub resumed_at: DateTime<FixedOffset>,
}
impl Event for CaseResumed {
    const TYPE: &'static str = routing::INTAKE_CASE_RESUMED;
    const VERSION: u16 = 1;
}

/// The applicant rated the service (好差评); a bad rating (1–2) opens a rectification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseRated {
    /// Case id.
    pub case_id: Uuid,
    /// Rating id.
    pub rating_id: Uuid,
    /// Score 1–5.
    pub score: u8,
    /// Matter implementation code.
    pub matter_code: String,
    /// Department responsible for the matter.
    pub department_code: String,
    /// Time the department has to rectify a bad rating (整改时限), when the rating is bad.
    #[serde(default)]
    pub rectification_limit: Option<TimeLimit>,
    /// When.
    pub rated_at: DateTime<FixedOffset>,
}
impl Event for CaseRated {
    const TYPE: &'static str = routing::INTAKE_CASE_RATED;
    const VERSION: u16 = 1;
}

/// The department closed the rectification of a bad rating (差评整改完成).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RectificationClosed {
    /// Case id.
    pub case_id: Uuid,
    /// The bad rating.
    pub rating_id: Uuid,
    /// When.
    pub closed_at: DateTime<FixedOffset>,
}
impl Event for RectificationClosed {
    const TYPE: &'static str = routing::INTAKE_RECTIFICATION_CLOSED;
    const VERSION: u16 = 1;
}

/// The window sent a case it had back from review to review again (重新报送).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseResubmitted {
    /// Case id.
    pub case_id: Uuid,
    /// What the window did about the reason it was returned.
    pub note: String,
    /// When.
    pub resubmitted_at: DateTime<FixedOffset>,
}
impl Event for CaseResubmitted {
    const TYPE: &'static str = routing::INTAKE_CASE_RESUBMITTED;
    const VERSION: u16 = 1;
}

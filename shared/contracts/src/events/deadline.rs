//! Events produced by the deadline service (限时办理).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::TimeLimit;
use crate::{Event, routing};

/// What a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Acceptance: from receipt to the acceptance decision.
    Acceptance,
    /// Processing: from acceptance to the decision (承诺时限).
    Processing,
    /// The statutory limit of the same processing (法定时限), tracked beside it.
    Statutory,
    /// One department's review task.
    Task,
    /// The time an applicant has to supply materials missing at a 容缺 acceptance.
    Commitment,
    /// The time a department has to rectify a bad rating (差评整改).
    Rectification,
    /// One level's stage of a cross-level chain (层级环节).
    Stage,
}

/// A clock started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockStarted {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// The limit it runs against.
    pub limit: TimeLimit,
    /// When it started.
    pub started_at: DateTime<FixedOffset>,
    /// When it falls due.
    pub due_at: DateTime<FixedOffset>,
    /// The review task or rating the clock belongs to, if any.
    #[serde(default)]
    pub task_id: Option<Uuid>,
}
impl Event for ClockStarted {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_STARTED;
    const VERSION: u16 = 1;
}

/// A clock stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockStopped {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// When it stopped.
    pub stopped_at: DateTime<FixedOffset>,
    /// Was it stopped after its due time?
    pub overdue: bool,
}
impl Event for ClockStopped {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_STOPPED;
    const VERSION: u16 = 1;
}

/// Why a clock is paused: periods the law does not count (行政许可法 art. 45).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// Waiting for the applicant's supplement (补正).
    Supplement,
    /// Hearing (听证).
    Hearing,
    /// Inspection, testing or quarantine (检验、检测、检疫).
    Testing,
    /// Appraisal (鉴定).
    Appraisal,
    /// Expert review (专家评审).
    ExpertReview,
    /// Public notice (公示、公告).
    PublicNotice,
    /// Another period the law does not count (legal basis required).
    Other,
}

/// A clock was paused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockPaused {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// Why.
    pub reason: PauseReason,
    /// When.
    pub paused_at: DateTime<FixedOffset>,
    /// The review task or rating the clock belongs to, if any.
    #[serde(default)]
    pub task_id: Option<Uuid>,
}
impl Event for ClockPaused {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_PAUSED;
    const VERSION: u16 = 1;
}

/// A paused clock runs again, with the time it had left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockResumed {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// When.
    pub resumed_at: DateTime<FixedOffset>,
    /// The new due time.
    pub due_at: DateTime<FixedOffset>,
    /// The review task or rating the clock belongs to, if any.
    #[serde(default)]
    pub task_id: Option<Uuid>,
}
impl Event for ClockResumed {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_RESUMED;
    const VERSION: u16 = 1;
}

/// A clock was extended (once per clock).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockExtended {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// By how much.
    pub by: TimeLimit,
    /// Who approved it.
    pub approver: String,
    /// The new due time.
    pub due_at: DateTime<FixedOffset>,
    /// The review task or rating the clock belongs to, if any.
    #[serde(default)]
    pub task_id: Option<Uuid>,
}
impl Event for ClockExtended {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_EXTENDED;
    const VERSION: u16 = 1;
}

/// Warning steps before the due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    /// A few working days left (预警, default 3).
    Warning,
    /// One working day left (黄牌).
    Yellow,
}

/// A clock reached a warning step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockWarned {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// Department, for task clocks.
    pub department_code: Option<String>,
    /// Step.
    pub level: WarningLevel,
    /// The due time.
    pub due_at: DateTime<FixedOffset>,
}
impl Event for ClockWarned {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_WARNED;
    const VERSION: u16 = 1;
}

/// A clock is overdue (红牌).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockOverdue {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// Department, for task clocks (reported even when the case as a whole is on time).
    pub department_code: Option<String>,
    /// The due time that passed.
    pub due_at: DateTime<FixedOffset>,
    /// The review task or rating the clock belongs to, if any.
    #[serde(default)]
    pub task_id: Option<Uuid>,
}
impl Event for ClockOverdue {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_OVERDUE;
    const VERSION: u16 = 1;
}

/// A calendar change moved a running clock's due time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockDueChanged {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// The due time before.
    pub previous_due_at: DateTime<FixedOffset>,
    /// The due time now.
    pub due_at: DateTime<FixedOffset>,
    /// The review task or rating the clock belongs to, if any.
    #[serde(default)]
    pub task_id: Option<Uuid>,
}
impl Event for ClockDueChanged {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_DUE_CHANGED;
    const VERSION: u16 = 1;
}

/// An acceptance or commitment clock ran out: intake deems an unanswered application
/// accepted (行政许可法 art. 32), or ends a case whose 容缺 commitment was not kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockExpired {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// The due time that passed.
    pub due_at: DateTime<FixedOffset>,
}
impl Event for ClockExpired {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_EXPIRED;
    const VERSION: u16 = 1;
}

/// A clock was cancelled (the case was withdrawn).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockCancelled {
    /// Clock id.
    pub clock_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Kind.
    pub kind: ClockKind,
    /// When.
    pub cancelled_at: DateTime<FixedOffset>,
}
impl Event for ClockCancelled {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_CANCELLED;
    const VERSION: u16 = 1;
}

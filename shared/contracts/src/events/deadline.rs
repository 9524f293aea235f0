//! Events produced by the deadline service (限时办理).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::TimeLimit;
use crate::{Event, routing};

/// What a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Acceptance: from receipt to the acceptance decision.
    Acceptance,
    /// Processing: from acceptance to the decision (承诺时限).
    Processing,
    /// One department's review task.
    Task,
}

/// A clock started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}
impl Event for ClockStarted {
    const TYPE: &'static str = routing::DEADLINE_CLOCK_STARTED;
    const VERSION: u16 = 1;
}

/// A clock stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

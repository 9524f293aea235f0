//! Events produced by the joint-handling service (跨层级联办).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Outcome;
use crate::{Event, routing};

/// How a case will be routed across levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

//! Events produced by the joint-handling service (跨层级联办).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

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

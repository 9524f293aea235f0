//! Event payloads, one module per producing service.

pub mod approval;
pub mod deadline;
pub mod intake;
pub mod joint;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Unit of a time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    /// Official working days (工作日).
    WorkingDays,
    /// Natural (calendar) days (自然日).
    NaturalDays,
    /// Calendar months.
    Months,
    /// Hours, for instant matters (即办件).
    Hours,
}

/// A time limit: an amount and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimeLimit {
    /// Amount of `unit`s.
    pub value: u32,
    /// Unit.
    pub unit: LimitUnit,
}

/// Outcome of a review or a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Approved (准予许可).
    Approved,
    /// Denied (不予许可).
    Denied,
}

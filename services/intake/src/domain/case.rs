//! The life cycle of a case (办件).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a case is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Submitted, waiting for the acceptance decision (待受理).
    Submitted,
    /// Accepted (已受理), under review.
    Accepted,
    /// A decision was recorded (已决定).
    Decided,
    /// Completed, result delivered (已办结).
    Completed,
}

impl CaseState {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Decided => "decided",
            Self::Completed => "completed",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "submitted" => Self::Submitted,
            "accepted" => Self::Accepted,
            "decided" => Self::Decided,
            "completed" => Self::Completed,
            _ => return None,
        })
    }

    /// Can a clerk accept a case in this state?
    pub fn can_accept(self) -> bool {
        self == Self::Submitted
    }

    /// Can a decision be recorded in this state?
    pub fn can_decide(self) -> bool {
        self == Self::Accepted
    }
}

/// Channel an application came through (GB/T 39046 channel codes, simplified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At a physical hall's window (窗口).
    Window,
    /// Online, on a computer (PC 端).
    Pc,
    /// Online, on a phone (移动端).
    Mobile,
    /// Self-service terminal (自助终端).
    SelfService,
    /// An integrator's system (API).
    Api,
}

impl Channel {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Window => "window",
            Self::Pc => "pc",
            Self::Mobile => "mobile",
            Self::SelfService => "self_service",
            Self::Api => "api",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_stored_form() {
        for s in [
            CaseState::Submitted,
            CaseState::Accepted,
            CaseState::Decided,
            CaseState::Completed,
        ] {
            assert_eq!(CaseState::parse(s.as_str()), Some(s));
        }
        assert_eq!(CaseState::parse("nope"), None);
    }

    #[test]
    fn only_a_submitted_case_can_be_accepted() {
        assert!(CaseState::Submitted.can_accept());
        assert!(!CaseState::Accepted.can_accept());
        assert!(!CaseState::Completed.can_accept());
    }
}

//! The life cycle of a case (办件): an explicit state machine.
//!
//! ```text
//! submitted ──request_supplement──▶ supplement_requested ──supplement──▶ submitted
//! submitted ──accept | deem_accept──▶ in_review ──suspend──▶ suspended ──resume──▶ in_review
//! submitted ──reject──▶ rejected
//! in_review | suspended ──decide──▶ decided ──deliver(courier)──▶ delivering ──complete──▶ completed
//!                                   decided ──deliver(pickup | electronic)──▶ completed
//! submitted … suspended ──withdraw──▶ withdrawn      submitted … suspended ──terminate──▶ terminated
//! ```
//!
//! Drafts are not cases: they live apart until submitted.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::codes::Channel;

/// Where a case is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Received, awaiting pre-review at the window (待受理).
    Submitted,
    /// A one-time supplement notice was sent; awaiting the applicant (待补正).
    SupplementRequested,
    /// Accepted, under review (审查中).
    InReview,
    /// Under review, waiting for the supplement the departments asked for (审查补正中).
    ReviewSupplementRequested,
    /// Returned by the reviewing departments to the window (退回窗口).
    ReturnedToWindow,
    /// Suspended by a special procedure (特别程序中).
    Suspended,
    /// Decided, result not yet delivered (已决定).
    Decided,
    /// Result sent by courier, not yet received (送达中).
    Delivering,
    /// Result delivered (已办结).
    Completed,
    /// Not accepted (不予受理).
    Rejected,
    /// Withdrawn by the applicant (已撤回).
    Withdrawn,
    /// Terminated (已终止).
    Terminated,
}

/// Something that happens to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A clerk sends the one-time supplement notice (一次性告知).
    RequestSupplement,
    /// The reviewing departments ask for a supplement (merged into one notice).
    RequestReviewSupplement,
    /// The lead department returns the case to the window (退回窗口).
    ReturnToWindow,
    /// The window sends a returned case to review again (重新报送).
    Resubmit,
    /// The applicant supplements.
    Supplement,
    /// A clerk accepts (受理), possibly with materials missing (容缺).
    Accept,
    /// The acceptance time limit ran out: accepted by law (视为受理).
    DeemAccept,
    /// A clerk refuses to accept (不予受理).
    Reject,
    /// A clerk accepts and decides an instant matter on the spot (即办件).
    DecideOnTheSpot,
    /// A special procedure begins.
    Suspend,
    /// The special procedure ends.
    Resume,
    /// The review concluded (approved or denied).
    Decide,
    /// The result was handed over at the window or issued electronically.
    DeliverNow,
    /// The result was sent by courier.
    Dispatch,
    /// The courier delivered it.
    Complete,
    /// The applicant withdraws (撤回).
    Withdraw,
    /// The case is terminated (终止).
    Terminate,
    /// Materials missing at a 容缺 acceptance were supplied.
    FulfilCommitment,
}

/// An action the case's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action:?} a case that is {state:?}")]
pub struct IllegalTransition {
    /// The case's state.
    pub state: CaseState,
    /// The refused action.
    pub action: Action,
}

impl CaseState {
    /// Every state.
    pub const ALL: &'static [Self] = &[
        Self::Submitted,
        Self::SupplementRequested,
        Self::InReview,
        Self::ReviewSupplementRequested,
        Self::ReturnedToWindow,
        Self::Suspended,
        Self::Decided,
        Self::Delivering,
        Self::Completed,
        Self::Rejected,
        Self::Withdrawn,
        Self::Terminated,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::SupplementRequested => "supplement_requested",
            Self::InReview => "in_review",
            Self::ReviewSupplementRequested => "review_supplement_requested",
            Self::ReturnedToWindow => "returned_to_window",
            Self::Suspended => "suspended",
            Self::Decided => "decided",
            Self::Delivering => "delivering",
            Self::Completed => "completed",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::Terminated => "terminated",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|st| st.as_str() == s)
    }

    /// Chinese label for display.
    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "待受理",
            Self::SupplementRequested => "待补正",
            Self::InReview => "审查中",
            Self::ReviewSupplementRequested => "审查补正中",
            Self::ReturnedToWindow => "退回窗口",
            Self::Suspended => "特别程序中",
            Self::Decided => "已决定",
            Self::Delivering => "送达中",
            Self::Completed => "已办结",
            Self::Rejected => "不予受理",
            Self::Withdrawn => "已撤回",
            Self::Terminated => "已终止",
        }
    }

    /// The case has ended; nothing but a rating may follow.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Rejected | Self::Withdrawn | Self::Terminated
        )
    }

    /// May the applicant rate the service now? (Once a case has ended, except a
    /// withdrawal, which the applicant chose.)
    pub fn can_be_rated(self) -> bool {
        matches!(self, Self::Completed | Self::Rejected | Self::Terminated)
    }

    /// The state after `action`, or why it is refused.
    pub fn apply(self, action: Action) -> Result<Self, IllegalTransition> {
        use Action as A;
        use CaseState as S;
        let next = match (self, action) {
            (S::Submitted, A::RequestSupplement) => S::SupplementRequested,
            (S::SupplementRequested, A::Supplement) => S::Submitted,
            (S::InReview, A::RequestReviewSupplement) => S::ReviewSupplementRequested,
            (S::ReviewSupplementRequested, A::Supplement) => S::InReview,
            (S::InReview, A::ReturnToWindow) => S::ReturnedToWindow,
            (S::ReturnedToWindow, A::Resubmit) => S::InReview,
            (S::Submitted, A::Accept | A::DeemAccept) => S::InReview,
            (S::Submitted, A::Reject) => S::Rejected,
            (S::Submitted, A::DecideOnTheSpot) => S::Decided,
            (S::InReview, A::Suspend) => S::Suspended,
            (S::Suspended, A::Resume) => S::InReview,
            (S::InReview | S::Suspended, A::Decide) => S::Decided,
            (S::InReview | S::ReviewSupplementRequested | S::Suspended, A::FulfilCommitment) => {
                self
            }
            (S::Decided, A::DeliverNow) => S::Completed,
            (S::Decided, A::Dispatch) => S::Delivering,
            (S::Delivering, A::Complete) => S::Completed,
            (
                S::Submitted
                | S::SupplementRequested
                | S::InReview
                | S::ReviewSupplementRequested
                | S::ReturnedToWindow
                | S::Suspended,
                A::Withdraw | A::Terminate,
            ) => {
                if action == A::Withdraw {
                    S::Withdrawn
                } else {
                    S::Terminated
                }
            }
            _ => {
                return Err(IllegalTransition {
                    state: self,
                    action,
                });
            }
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: &[Action] = &[
        Action::RequestSupplement,
        Action::RequestReviewSupplement,
        Action::ReturnToWindow,
        Action::Resubmit,
        Action::Supplement,
        Action::Accept,
        Action::DeemAccept,
        Action::Reject,
        Action::DecideOnTheSpot,
        Action::Suspend,
        Action::Resume,
        Action::Decide,
        Action::DeliverNow,
        Action::Dispatch,
        Action::Complete,
        Action::Withdraw,
        Action::Terminate,
        Action::FulfilCommitment,
    ];

    #[test]
    fn states_round_trip_through_their_stored_form() {
        for s in CaseState::ALL {
            assert_eq!(CaseState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(CaseState::parse("nope"), None);
    }

    #[test]
    fn a_final_state_allows_no_action_at_all() {
        for s in CaseState::ALL.iter().filter(|s| s.is_final()) {
            for a in ACTIONS {
                assert!(s.apply(*a).is_err(), "{s:?} allowed {a:?}");
            }
        }
    }

    #[test]
    fn the_happy_path_runs_from_submission_to_completion() {
        let mut s = CaseState::Submitted;
        for a in [
            Action::RequestSupplement,
            Action::Supplement,
            Action::Accept,
            Action::Suspend,
            Action::Resume,
            Action::Decide,
            Action::Dispatch,
            Action::Complete,
        ] {
            s = s.apply(a).unwrap_or(s);
        }
        assert_eq!(s, CaseState::Completed);
        assert!(s.can_be_rated());
    }

    #[test]
    fn a_decided_case_can_no_longer_be_withdrawn_and_a_submitted_one_cannot_be_decided() {
        assert_eq!(
            CaseState::Decided.apply(Action::Withdraw),
            Err(IllegalTransition {
                state: CaseState::Decided,
                action: Action::Withdraw
            })
        );
        assert!(CaseState::Submitted.apply(Action::Decide).is_err());
        assert!(
            CaseState::SupplementRequested
                .apply(Action::Accept)
                .is_err()
        );
        assert!(!CaseState::Withdrawn.can_be_rated());
    }
}

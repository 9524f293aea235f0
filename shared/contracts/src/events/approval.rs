//! Events produced by the approval service (并联审批).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Outcome, TimeLimit};
use crate::{Event, routing};

/// A review task was opened for one department.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaskOpened {
    /// Task id.
    pub task_id: Uuid,
    /// Review id.
    pub review_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Department code.
    pub department_code: String,
    /// Division of the review, where the department sits: a department code names one body
    /// only together with its division (a city's review at a county's case, a co-department
    /// added by 加签). Absent in messages of producers before it was added; the envelope's
    /// `division_code`, which the approval service sets to the review's division, stands in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division_code: Option<String>,
    /// Lead department?
    pub lead: bool,
    /// Time limit of the task.
    pub time_limit: TimeLimit,
    /// When.
    pub opened_at: DateTime<FixedOffset>,
}
impl Event for TaskOpened {
    const TYPE: &'static str = routing::APPROVAL_TASK_OPENED;
    const VERSION: u16 = 1;
}

/// A department's task was closed: its opinion was recorded (`outcome` set), or the review
/// concluded without it (`outcome` empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaskClosed {
    /// Task id.
    pub task_id: Uuid,
    /// Review id.
    pub review_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Department code.
    pub department_code: String,
    /// The department's verdict, if it gave one.
    pub outcome: Option<Outcome>,
    /// When.
    pub closed_at: DateTime<FixedOffset>,
}
impl Event for TaskClosed {
    const TYPE: &'static str = routing::APPROVAL_TASK_CLOSED;
    const VERSION: u16 = 1;
}

/// One recorded opinion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OpinionRecord {
    /// Task id.
    pub task_id: Uuid,
    /// Department code.
    pub department_code: String,
    /// Verdict.
    pub outcome: Outcome,
    /// Text of the opinion.
    pub comment: String,
    /// Reviewer subject (`system` for a deemed opinion).
    pub reviewer: String,
    /// When.
    pub recorded_at: DateTime<FixedOffset>,
    /// Deemed, not given: no answer in time, or a refusal without a reason (视为同意).
    #[serde(default)]
    pub deemed: bool,
    /// Agreed but referred the matter upward (同意但提请上级研究).
    #[serde(default)]
    pub referred: bool,
}

/// A review concluded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewConcluded {
    /// Review id.
    pub review_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Outcome.
    pub outcome: Outcome,
    /// Every opinion.
    pub opinions: Vec<OpinionRecord>,
    /// When.
    pub concluded_at: DateTime<FixedOffset>,
}
impl Event for ReviewConcluded {
    const TYPE: &'static str = routing::APPROVAL_REVIEW_CONCLUDED;
    const VERSION: u16 = 1;
}

/// The lead department suspended the review for a special procedure (特别程序).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewSuspended {
    /// Review id.
    pub review_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Procedure (`hearing`, `testing`, `appraisal`, `expert_review`, `public_notice`,
    /// `auction`, `other`).
    pub procedure: String,
    /// Legal basis.
    pub legal_basis: String,
    /// The lead's opinion.
    pub comment: String,
    /// When.
    pub suspended_at: DateTime<FixedOffset>,
}
impl Event for ReviewSuspended {
    const TYPE: &'static str = routing::APPROVAL_REVIEW_SUSPENDED;
    const VERSION: u16 = 1;
}

/// The lead department resumed a suspended review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewResumed {
    /// Review id.
    pub review_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// When.
    pub resumed_at: DateTime<FixedOffset>,
}
impl Event for ReviewResumed {
    const TYPE: &'static str = routing::APPROVAL_REVIEW_RESUMED;
    const VERSION: u16 = 1;
}

/// What one department asks the applicant to supplement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DepartmentSupplement {
    /// Department code.
    pub department_code: String,
    /// What is missing or faulty, in words.
    pub items: Vec<String>,
}

/// Supplement requests of the departments of a review, merged into one (一次性告知): intake
/// sends the applicant one notice; the askers review again after the supplement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SupplementRequested {
    /// Review id.
    pub review_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Every department's requests.
    pub requests: Vec<DepartmentSupplement>,
    /// When the merged request was sent.
    pub requested_at: DateTime<FixedOffset>,
}
impl Event for SupplementRequested {
    const TYPE: &'static str = routing::APPROVAL_SUPPLEMENT_REQUESTED;
    const VERSION: u16 = 1;
}

/// The lead department returned the case to the accepting window (退回窗口), with a reason;
/// the review ends without a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewReturned {
    /// Review id.
    pub review_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Why.
    pub reason: String,
    /// When.
    pub returned_at: DateTime<FixedOffset>,
}
impl Event for ReviewReturned {
    const TYPE: &'static str = routing::APPROVAL_REVIEW_RETURNED;
    const VERSION: u16 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_opened_without_its_division_still_decodes_and_one_with_it_round_trips() {
        let old = serde_json::json!({
            "task_id": Uuid::nil(), "review_id": Uuid::nil(), "case_id": Uuid::nil(),
            "department_code": "320102-ZJJ", "lead": false,
            "time_limit": {"value": 7, "unit": "working_days"},
            "opened_at": "2026-11-02T11:00:00+08:00",
        });
        let mut opened: TaskOpened = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(opened.division_code, None);
        assert_eq!(serde_json::to_value(&opened).unwrap(), old, "nothing added");
        opened.division_code = Some("320102".into());
        let wire = serde_json::to_value(&opened).unwrap();
        assert_eq!(wire["division_code"], "320102");
        assert_eq!(serde_json::from_value::<TaskOpened>(wire).unwrap(), opened);
    }
}

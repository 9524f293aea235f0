//! Routing keys on the `events` topic exchange. Each equals the message type of its event.

/// A case was submitted (online, at the counter or through the API).
pub const INTAKE_CASE_SUBMITTED: &str = "intake.case.submitted";
/// A clerk accepted a case (受理); carries the handling plan.
pub const INTAKE_CASE_ACCEPTED: &str = "intake.case.accepted";
/// A decision was recorded for a case.
pub const INTAKE_CASE_DECIDED: &str = "intake.case.decided";
/// A case was completed (result delivered, 办结).
pub const INTAKE_CASE_COMPLETED: &str = "intake.case.completed";
/// A deadline clock started.
pub const DEADLINE_CLOCK_STARTED: &str = "deadline.clock.started";
/// A deadline clock stopped.
pub const DEADLINE_CLOCK_STOPPED: &str = "deadline.clock.stopped";
/// A review task was opened for a department.
pub const APPROVAL_TASK_OPENED: &str = "approval.task.opened";
/// A review concluded (approved or denied).
pub const APPROVAL_REVIEW_CONCLUDED: &str = "approval.review.concluded";
/// Joint handling decided how a case is routed across levels.
pub const JOINT_ROUTE_PLANNED: &str = "joint.route.planned";

/// Every routing key a govhall service publishes.
pub const ALL: &[&str] = &[
    INTAKE_CASE_SUBMITTED,
    INTAKE_CASE_ACCEPTED,
    INTAKE_CASE_DECIDED,
    INTAKE_CASE_COMPLETED,
    DEADLINE_CLOCK_STARTED,
    DEADLINE_CLOCK_STOPPED,
    APPROVAL_TASK_OPENED,
    APPROVAL_REVIEW_CONCLUDED,
    JOINT_ROUTE_PLANNED,
];

//! Routing keys on the `events` topic exchange. Each equals the message type of its event.

/// A case was submitted (online, at the counter or through the API).
pub const INTAKE_CASE_SUBMITTED: &str = "intake.case.submitted";
/// A clerk accepted a case (受理); carries the handling plan.
pub const INTAKE_CASE_ACCEPTED: &str = "intake.case.accepted";
/// The applicant was told, once, everything to supplement (一次性告知).
pub const INTAKE_CASE_SUPPLEMENT_REQUESTED: &str = "intake.case.supplement_requested";
/// The applicant supplemented what was asked.
pub const INTAKE_CASE_SUPPLEMENTED: &str = "intake.case.supplemented";
/// The case was not accepted (不予受理).
pub const INTAKE_CASE_REJECTED: &str = "intake.case.rejected";
/// The applicant withdrew the case (撤回).
pub const INTAKE_CASE_WITHDRAWN: &str = "intake.case.withdrawn";
/// A decision was recorded for a case.
pub const INTAKE_CASE_DECIDED: &str = "intake.case.decided";
/// A case was completed (result delivered, 办结).
pub const INTAKE_CASE_COMPLETED: &str = "intake.case.completed";
/// The case was terminated (终止).
pub const INTAKE_CASE_TERMINATED: &str = "intake.case.terminated";
/// A special procedure suspended the case (特别程序).
pub const INTAKE_CASE_SUSPENDED: &str = "intake.case.suspended";
/// The special procedure ended.
pub const INTAKE_CASE_RESUMED: &str = "intake.case.resumed";
/// The applicant rated the service (好差评).
pub const INTAKE_CASE_RATED: &str = "intake.case.rated";
/// The window sent a returned case to review again.
pub const INTAKE_CASE_RESUBMITTED: &str = "intake.case.resubmitted";
/// A department closed the rectification of a bad rating.
pub const INTAKE_RECTIFICATION_CLOSED: &str = "intake.rectification.closed";
/// A deadline clock started.
pub const DEADLINE_CLOCK_STARTED: &str = "deadline.clock.started";
/// A deadline clock stopped.
pub const DEADLINE_CLOCK_STOPPED: &str = "deadline.clock.stopped";
/// A deadline clock was paused (time not counted by law).
pub const DEADLINE_CLOCK_PAUSED: &str = "deadline.clock.paused";
/// A paused deadline clock runs again.
pub const DEADLINE_CLOCK_RESUMED: &str = "deadline.clock.resumed";
/// A deadline clock was extended (once, with approval).
pub const DEADLINE_CLOCK_EXTENDED: &str = "deadline.clock.extended";
/// A deadline clock reached a warning step (warning, yellow card).
pub const DEADLINE_CLOCK_WARNED: &str = "deadline.clock.warned";
/// A calendar change moved a running clock's due time.
pub const DEADLINE_CLOCK_DUE_CHANGED: &str = "deadline.clock.due_changed";
/// An acceptance or commitment clock ran out (intake deems the case accepted, or ends it).
pub const DEADLINE_CLOCK_EXPIRED: &str = "deadline.clock.expired";
/// A deadline clock was cancelled (the case was withdrawn).
pub const DEADLINE_CLOCK_CANCELLED: &str = "deadline.clock.cancelled";
/// A deadline clock is overdue (red card).
pub const DEADLINE_CLOCK_OVERDUE: &str = "deadline.clock.overdue";
/// Every deadline clock event (a topic pattern).
pub const DEADLINE_CLOCK_ANY: &str = "deadline.clock.*";
/// A review task was opened for a department.
pub const APPROVAL_TASK_OPENED: &str = "approval.task.opened";
/// A department's review task was closed (its opinion recorded, or cancelled).
pub const APPROVAL_TASK_CLOSED: &str = "approval.task.closed";
/// A review concluded (approved or denied).
pub const APPROVAL_REVIEW_CONCLUDED: &str = "approval.review.concluded";
/// The departments of a review ask the applicant to supplement (merged into one request).
pub const APPROVAL_SUPPLEMENT_REQUESTED: &str = "approval.supplement.requested";
/// The lead department returned a case to the accepting window.
pub const APPROVAL_REVIEW_RETURNED: &str = "approval.review.returned";
/// The lead department suspended a review for a special procedure.
pub const APPROVAL_REVIEW_SUSPENDED: &str = "approval.review.suspended";
/// The lead department resumed a suspended review.
pub const APPROVAL_REVIEW_RESUMED: &str = "approval.review.resumed";
/// Joint handling decided how a case is routed across levels.
pub const JOINT_ROUTE_PLANNED: &str = "joint.route.planned";
/// A case was sent to the next level of its chain (a stage clock starts).
pub const JOINT_STAGE_SENT: &str = "joint.stage.sent";
/// The receiving level signed for a transfer (its review opens).
pub const JOINT_STAGE_RECEIVED: &str = "joint.stage.received";
/// A level finished its stage and handed the case back or on (its stage clock stops).
pub const JOINT_STAGE_RETURNED: &str = "joint.stage.returned";
/// The deciding level of a cross-level chain returned its result to the accepting window.
pub const JOINT_RESULT_RETURNED: &str = "joint.result.returned";
/// A hand-over to the next level, with or without its address (a topic pattern).
pub const JOINT_STAGE_SENT_ANY: &str = "joint.stage.sent.#";
/// A stage handed back or sent back, with or without its address (a topic pattern).
pub const JOINT_STAGE_RETURNED_ANY: &str = "joint.stage.returned.#";
/// A result returned to the accepting window, with or without its address (a topic pattern).
pub const JOINT_RESULT_RETURNED_ANY: &str = "joint.result.returned.#";

/// Every routing key a govhall service publishes.
pub const ALL: &[&str] = &[
    INTAKE_CASE_SUBMITTED,
    INTAKE_CASE_ACCEPTED,
    INTAKE_CASE_SUPPLEMENT_REQUESTED,
    INTAKE_CASE_SUPPLEMENTED,
    INTAKE_CASE_REJECTED,
    INTAKE_CASE_WITHDRAWN,
    INTAKE_CASE_DECIDED,
    INTAKE_CASE_COMPLETED,
    INTAKE_CASE_TERMINATED,
    INTAKE_CASE_SUSPENDED,
    INTAKE_CASE_RESUMED,
    INTAKE_CASE_RATED,
    INTAKE_RECTIFICATION_CLOSED,
    INTAKE_CASE_RESUBMITTED,
    DEADLINE_CLOCK_STARTED,
    DEADLINE_CLOCK_STOPPED,
    DEADLINE_CLOCK_PAUSED,
    DEADLINE_CLOCK_RESUMED,
    DEADLINE_CLOCK_EXTENDED,
    DEADLINE_CLOCK_WARNED,
    DEADLINE_CLOCK_OVERDUE,
    DEADLINE_CLOCK_DUE_CHANGED,
    DEADLINE_CLOCK_EXPIRED,
    DEADLINE_CLOCK_CANCELLED,
    APPROVAL_TASK_OPENED,
    APPROVAL_TASK_CLOSED,
    APPROVAL_REVIEW_CONCLUDED,
    APPROVAL_REVIEW_SUSPENDED,
    APPROVAL_REVIEW_RESUMED,
    APPROVAL_SUPPLEMENT_REQUESTED,
    APPROVAL_REVIEW_RETURNED,
    JOINT_ROUTE_PLANNED,
    JOINT_RESULT_RETURNED,
    JOINT_STAGE_SENT,
    JOINT_STAGE_RECEIVED,
    JOINT_STAGE_RETURNED,
];

//! Who consumes what: one queue per consuming service, bound to routing-key patterns.
//!
//! Every service declares this whole table at start (it is idempotent), so a message
//! published before its consumer ever ran still waits in the consumer's queue.

use crate::routing as rk;

/// Names of the services that own a queue.
pub mod service {
    /// 一窗受理.
    pub const INTAKE: &str = "intake";
    /// 限时办理.
    pub const DEADLINE: &str = "deadline";
    /// 并联审批.
    pub const APPROVAL: &str = "approval";
    /// 跨层级联办.
    pub const JOINT: &str = "joint";
}

/// One consuming service and the routing keys (topic patterns) bound to its queue.
#[derive(Debug, Clone, Copy)]
pub struct Subscription {
    /// Consuming service; its queue is `<prefix><service>`.
    pub service: &'static str,
    /// Topic patterns bound to the queue.
    pub patterns: &'static [&'static str],
}

/// The subscription table of the whole system.
pub const SUBSCRIPTIONS: &[Subscription] = &[
    Subscription {
        service: service::INTAKE,
        patterns: &[
            // Who reviews a case, co-departments added by 加签 included, may read it here.
            rk::APPROVAL_TASK_OPENED,
            rk::APPROVAL_REVIEW_CONCLUDED,
            rk::APPROVAL_REVIEW_SUSPENDED,
            rk::APPROVAL_REVIEW_RESUMED,
            rk::APPROVAL_SUPPLEMENT_REQUESTED,
            rk::APPROVAL_REVIEW_RETURNED,
            rk::DEADLINE_CLOCK_ANY,
            rk::JOINT_ROUTE_PLANNED,
            rk::JOINT_RESULT_RETURNED_ANY,
        ],
    },
    Subscription {
        service: service::DEADLINE,
        patterns: &[
            rk::INTAKE_CASE_SUBMITTED,
            rk::INTAKE_CASE_ACCEPTED,
            rk::INTAKE_CASE_SUPPLEMENT_REQUESTED,
            rk::INTAKE_CASE_SUPPLEMENTED,
            rk::INTAKE_CASE_REJECTED,
            rk::INTAKE_CASE_WITHDRAWN,
            rk::INTAKE_CASE_DECIDED,
            rk::INTAKE_CASE_COMPLETED,
            rk::INTAKE_CASE_TERMINATED,
            rk::INTAKE_CASE_SUSPENDED,
            rk::INTAKE_CASE_RESUMED,
            rk::INTAKE_CASE_RATED,
            rk::INTAKE_RECTIFICATION_CLOSED,
            rk::JOINT_STAGE_SENT_ANY,
            rk::JOINT_STAGE_RETURNED_ANY,
            rk::APPROVAL_TASK_OPENED,
            rk::APPROVAL_TASK_CLOSED,
            rk::APPROVAL_REVIEW_CONCLUDED,
        ],
    },
    Subscription {
        service: service::APPROVAL,
        patterns: &[
            rk::INTAKE_CASE_ACCEPTED,
            rk::INTAKE_CASE_DECIDED,
            rk::INTAKE_CASE_WITHDRAWN,
            rk::INTAKE_CASE_TERMINATED,
            rk::INTAKE_CASE_SUPPLEMENTED,
            rk::DEADLINE_CLOCK_OVERDUE,
            rk::DEADLINE_CLOCK_STARTED,
            rk::DEADLINE_CLOCK_PAUSED,
            rk::DEADLINE_CLOCK_RESUMED,
            rk::DEADLINE_CLOCK_EXTENDED,
            rk::DEADLINE_CLOCK_DUE_CHANGED,
            rk::JOINT_STAGE_RECEIVED,
            rk::JOINT_STAGE_RETURNED_ANY,
            rk::INTAKE_CASE_RESUBMITTED,
        ],
    },
    Subscription {
        service: service::JOINT,
        patterns: &[
            rk::INTAKE_CASE_ACCEPTED,
            rk::INTAKE_CASE_COMPLETED,
            rk::INTAKE_CASE_WITHDRAWN,
            rk::INTAKE_CASE_TERMINATED,
            rk::APPROVAL_REVIEW_CONCLUDED,
            rk::DEADLINE_CLOCK_ANY,
            // Hand-overs from another deployment (a shovel forwards what is addressed here).
            rk::JOINT_STAGE_SENT_ANY,
            rk::JOINT_STAGE_RETURNED_ANY,
        ],
    },
];

/// Does a topic pattern (`*` one word, `#` zero or more words) match a routing key?
pub fn topic_matches(pattern: &str, key: &str) -> bool {
    fn go(p: &[&str], k: &[&str]) -> bool {
        match (p.first(), k.first()) {
            (None, None) => true,
            (Some(&"#"), _) => go(&p[1..], k) || (!k.is_empty() && go(p, &k[1..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &k[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &k[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = key.split('.').collect();
    go(&p, &k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_routing_key_reaches_at_least_one_queue() {
        for key in rk::ALL {
            let bound = SUBSCRIPTIONS
                .iter()
                .any(|s| s.patterns.iter().any(|p| topic_matches(p, key)));
            assert!(bound, "{key} is published but bound to no queue");
        }
    }

    #[test]
    fn addressed_hand_overs_reach_the_same_queues_as_unaddressed_ones() {
        for (pattern, key) in [
            (rk::JOINT_STAGE_SENT_ANY, "joint.stage.sent.320200"),
            (rk::JOINT_STAGE_SENT_ANY, rk::JOINT_STAGE_SENT),
            (rk::JOINT_STAGE_RETURNED_ANY, "joint.stage.returned.320282"),
            (
                rk::JOINT_RESULT_RETURNED_ANY,
                "joint.result.returned.320282",
            ),
        ] {
            assert!(topic_matches(pattern, key), "{pattern} ~ {key}");
        }
        assert!(!topic_matches(
            rk::JOINT_STAGE_SENT_ANY,
            "joint.stage.received"
        ));
    }

    #[test]
    fn topic_patterns_match_like_rabbitmq() {
        assert!(topic_matches("intake.case.*", "intake.case.accepted"));
        assert!(!topic_matches("intake.case.*", "intake.case.accepted.x"));
        assert!(topic_matches("intake.#", "intake.case.accepted.x"));
        assert!(topic_matches("#", "a"));
        assert!(topic_matches("a.#.b", "a.b"));
        assert!(!topic_matches("a.b", "a.c"));
    }
}

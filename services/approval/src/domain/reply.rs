//! What a department's reply means (会签意见): the lead department approves or denies with an
//! opinion; a co-department (协办部门) agrees, disagrees with a reason, or agrees but refers
//! the matter upward. A co-department's refusal without a reason, or a reply outside that
//! set, counts as agreement and is recorded as deemed (视为同意).

use govhall_contracts::events::Outcome;

/// A reply as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The verdict it counts as.
    pub outcome: Outcome,
    /// Deemed rather than given.
    pub deemed: bool,
    /// Agreed, but referred upward.
    pub referred: bool,
}

/// Why a lead department's reply is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// The lead must approve or deny.
    #[error("the lead department approves or denies")]
    LeadVerdict,
    /// The lead's opinion needs its reasons.
    #[error("the lead department's opinion needs its reasons")]
    LeadComment,
}

/// Interprets `reply` (`agree`, `disagree`, `agree_refer`, `approve`, `deny`; `approved` and
/// `denied` as their older names) with `comment`, from the lead or a co-department.
pub fn interpret(lead: bool, reply: &str, comment: &str) -> Result<Recorded, ReplyError> {
    let reasoned = !comment.trim().is_empty();
    let given = |outcome, referred| Recorded {
        outcome,
        deemed: false,
        referred,
    };
    if lead {
        if !reasoned {
            return Err(ReplyError::LeadComment);
        }
        return match reply {
            "approve" | "approved" | "agree" => Ok(given(Outcome::Approved, false)),
            "agree_refer" => Ok(given(Outcome::Approved, true)),
            "deny" | "denied" | "disagree" => Ok(given(Outcome::Denied, false)),
            _ => Err(ReplyError::LeadVerdict),
        };
    }
    Ok(match reply {
        "agree" | "approve" | "approved" => given(Outcome::Approved, false),
        "agree_refer" => given(Outcome::Approved, true),
        "disagree" | "deny" | "denied" if reasoned => given(Outcome::Denied, false),
        // No reason, or no recognisable answer: agreement, recorded as deemed.
        _ => Recorded {
            outcome: Outcome::Approved,
            deemed: true,
            referred: false,
        },
    })
}

/// A co-department that did not answer within its countersign time: deemed to agree.
pub fn deemed_by_timeout() -> Recorded {
    Recorded {
        outcome: Outcome::Approved,
        deemed: true,
        referred: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_co_department_refusal_without_a_reason_counts_as_deemed_agreement() {
        assert_eq!(interpret(false, "disagree", "  "), Ok(deemed_by_timeout()));
        assert_eq!(interpret(false, "whatever", "x"), Ok(deemed_by_timeout()));
        assert_eq!(
            interpret(false, "disagree", "选址不符合规划"),
            Ok(Recorded {
                outcome: Outcome::Denied,
                deemed: false,
                referred: false
            })
        );
        assert_eq!(
            interpret(false, "agree_refer", ""),
            Ok(Recorded {
                outcome: Outcome::Approved,
                deemed: false,
                referred: true
            })
        );
    }

    #[test]
    fn the_lead_must_approve_or_deny_with_reasons() {
        assert_eq!(interpret(true, "approve", ""), Err(ReplyError::LeadComment));
        assert_eq!(interpret(true, "maybe", "x"), Err(ReplyError::LeadVerdict));
        assert_eq!(
            interpret(true, "approved", "符合条件").map(|r| r.outcome),
            Ok(Outcome::Approved)
        );
        assert_eq!(
            interpret(true, "deny", "不符合条件").map(|r| r.outcome),
            Ok(Outcome::Denied)
        );
    }
}

//! Join rules: when is a parallel review concluded, and how?

use govhall_contracts::events::{Outcome, intake::JoinRule};

/// One department's standing in a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Lead department?
    pub lead: bool,
    /// Its verdict, once given.
    pub verdict: Option<Outcome>,
}

/// The outcome of the review under `rule`, or `None` while it is still open.
pub fn evaluate(rule: JoinRule, standings: &[Standing]) -> Option<Outcome> {
    let all_given = standings.iter().all(|s| s.verdict.is_some());
    let any = |o: Outcome| standings.iter().any(|s| s.verdict == Some(o));
    match rule {
        // 会签: one refusal decides; otherwise every department must agree.
        JoinRule::All if any(Outcome::Denied) => Some(Outcome::Denied),
        JoinRule::All => all_given.then_some(Outcome::Approved),
        // 或签: one approval decides; otherwise every department must have refused.
        JoinRule::Any if any(Outcome::Approved) => Some(Outcome::Approved),
        JoinRule::Any => all_given.then_some(Outcome::Denied),
        // The lead decides once every opinion is in.
        JoinRule::LeadDecides if all_given => {
            standings.iter().find(|s| s.lead).and_then(|s| s.verdict)
        }
        JoinRule::LeadDecides => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::{Approved, Denied};

    fn s(lead: bool, verdict: Option<Outcome>) -> Standing {
        Standing { lead, verdict }
    }

    #[test]
    fn all_must_agree_waits_for_every_department_and_one_refusal_decides() {
        assert_eq!(
            evaluate(JoinRule::All, &[s(true, Some(Approved)), s(false, None)]),
            None
        );
        assert_eq!(
            evaluate(
                JoinRule::All,
                &[s(true, Some(Approved)), s(false, Some(Approved))]
            ),
            Some(Approved)
        );
        assert_eq!(
            evaluate(JoinRule::All, &[s(true, None), s(false, Some(Denied))]),
            Some(Denied)
        );
    }

    #[test]
    fn any_one_suffices_to_approve() {
        assert_eq!(
            evaluate(JoinRule::Any, &[s(true, None), s(false, Some(Approved))]),
            Some(Approved)
        );
        assert_eq!(
            evaluate(JoinRule::Any, &[s(true, Some(Denied)), s(false, None)]),
            None
        );
        assert_eq!(
            evaluate(
                JoinRule::Any,
                &[s(true, Some(Denied)), s(false, Some(Denied))]
            ),
            Some(Denied)
        );
    }

    #[test]
    fn the_lead_decides_after_collecting_every_opinion() {
        assert_eq!(
            evaluate(
                JoinRule::LeadDecides,
                &[s(true, Some(Approved)), s(false, None)]
            ),
            None
        );
        assert_eq!(
            evaluate(
                JoinRule::LeadDecides,
                &[s(true, Some(Approved)), s(false, Some(Denied))]
            ),
            Some(Approved)
        );
    }

    #[test]
    fn a_single_department_review_concludes_with_its_verdict() {
        assert_eq!(
            evaluate(JoinRule::All, &[s(true, Some(Denied))]),
            Some(Denied)
        );
        assert_eq!(
            evaluate(JoinRule::All, &[s(true, Some(Approved))]),
            Some(Approved)
        );
    }
}

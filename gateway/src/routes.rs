//! The routing table: which path prefix goes to which upstream. Who may call what is in
//! [`crate::access`].

use crate::error::GatewayError;

/// A service behind the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upstream {
    Intake,
    Deadline,
    Approval,
    Joint,
}

impl Upstream {
    /// Every upstream, for readiness.
    pub(crate) const ALL: [Upstream; 4] = [
        Upstream::Intake,
        Upstream::Deadline,
        Upstream::Approval,
        Upstream::Joint,
    ];

    /// Short name for logs and the readiness report.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Upstream::Intake => "intake",
            Upstream::Deadline => "deadline",
            Upstream::Approval => "approval",
            Upstream::Joint => "joint",
        }
    }
}

/// One row of the routing table.
#[derive(Debug)]
pub(crate) struct RouteRule {
    /// Path prefix, matched on whole segments (`/api/v1/matters` does not match `/api/v1/mattersx`).
    pub prefix: &'static str,
    /// Where requests under the prefix go.
    pub upstream: Upstream,
}

const fn rule(prefix: &'static str, upstream: Upstream) -> RouteRule {
    RouteRule { prefix, upstream }
}

/// The routing table.
pub(crate) const ROUTES: &[RouteRule] = &[
    rule("/api/v1/matters", Upstream::Intake),
    rule("/api/v1/cases", Upstream::Intake),
    rule("/api/v1/drafts", Upstream::Intake),
    rule("/api/v1/admin/matters", Upstream::Intake),
    rule("/api/v1/lookup", Upstream::Intake),
    rule("/api/v1/queue", Upstream::Intake),
    rule("/api/v1/case-search", Upstream::Intake),
    rule("/api/v1/uploads", Upstream::Intake),
    rule("/api/v1/materials", Upstream::Intake),
    rule("/api/v1/ratings", Upstream::Intake),
    rule("/api/v1/rectifications", Upstream::Intake),
    rule("/api/v1/clocks", Upstream::Deadline),
    rule("/api/v1/calendar", Upstream::Deadline),
    rule("/api/v1/supervision", Upstream::Deadline),
    rule("/api/v1/reviews", Upstream::Approval),
    rule("/api/v1/tasks", Upstream::Approval),
    rule("/api/v1/divisions", Upstream::Joint),
    rule("/api/v1/admin/divisions", Upstream::Joint),
    rule("/api/v1/transfers", Upstream::Joint),
    rule("/api/v1/routes", Upstream::Joint),
];

/// The rule whose prefix covers `path`.
pub(crate) fn resolve(path: &str) -> Option<&'static RouteRule> {
    ROUTES.iter().find(|rule| {
        path.strip_prefix(rule.prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Refuses `.`/`..` segments (also percent-encoded): an upstream or a proxy in between that
/// normalises them would otherwise serve a route other than the one authorized here.
pub(crate) fn check_path(path: &str) -> Result<(), GatewayError> {
    let dot_segment = path.split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    });
    if dot_segment || path.to_ascii_lowercase().contains("%2f") {
        Err(GatewayError::BadPath)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn prefixes_match_whole_segments_only() {
        assert_eq!(
            resolve("/api/v1/matters").unwrap().upstream,
            Upstream::Intake
        );
        assert_eq!(
            resolve("/api/v1/matters/42/materials").unwrap().upstream,
            Upstream::Intake
        );
        assert_eq!(
            resolve("/api/v1/calendar/2026").unwrap().upstream,
            Upstream::Deadline
        );
        assert_eq!(
            resolve("/api/v1/tasks").unwrap().upstream,
            Upstream::Approval
        );
        assert_eq!(
            resolve("/api/v1/routes/x").unwrap().upstream,
            Upstream::Joint
        );
        assert!(resolve("/api/v1/mattersx").is_none());
        assert!(resolve("/api/v1/unknown").is_none());
        assert!(resolve("/api/v2/matters").is_none());
    }

    #[test]
    fn dot_segments_and_encoded_slashes_are_refused() {
        for bad in [
            "/api/v1/matters/../reviews",
            "/api/v1/matters/%2E%2e/x",
            "/api/v1/matters/./x",
            "/api/v1/matters/a%2fb",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        assert!(check_path("/api/v1/matters/a.b/..c").is_ok());
    }
}

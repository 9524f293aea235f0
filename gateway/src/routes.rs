//! The routing table: which path prefix goes to which upstream, and what anonymous
//! callers may do there. The one place to edit when a service gains a resource.

use actix_web::http::Method;

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
    /// Anonymous callers may read (`GET`/`HEAD`) under this prefix.
    pub anonymous_read: bool,
}

const fn rule(prefix: &'static str, upstream: Upstream, anonymous_read: bool) -> RouteRule {
    RouteRule {
        prefix,
        upstream,
        anonymous_read,
    }
}

/// The routing table.
pub(crate) const ROUTES: &[RouteRule] = &[
    // The public service catalogue (办事指南) and the holiday calendar are readable without login.
    rule("/api/v1/matters", Upstream::Intake, true),
    rule("/api/v1/cases", Upstream::Intake, false),
    rule("/api/v1/drafts", Upstream::Intake, false),
    rule("/api/v1/admin/matters", Upstream::Intake, false),
    // Following a case by number and query password needs no login (the password is a header).
    rule("/api/v1/lookup", Upstream::Intake, true),
    rule("/api/v1/queue", Upstream::Intake, false),
    rule("/api/v1/case-search", Upstream::Intake, false),
    rule("/api/v1/uploads", Upstream::Intake, false),
    rule("/api/v1/materials", Upstream::Intake, false),
    // Rating statistics are published (好差评 results are public); rating itself is a POST.
    rule("/api/v1/ratings", Upstream::Intake, true),
    rule("/api/v1/rectifications", Upstream::Intake, false),
    rule("/api/v1/clocks", Upstream::Deadline, false),
    rule("/api/v1/calendar", Upstream::Deadline, true),
    rule("/api/v1/supervision", Upstream::Deadline, false),
    rule("/api/v1/reviews", Upstream::Approval, false),
    rule("/api/v1/tasks", Upstream::Approval, false),
    // The division tree is reference data (行政区划), readable without login.
    rule("/api/v1/divisions", Upstream::Joint, true),
    rule("/api/v1/admin/divisions", Upstream::Joint, false),
    rule("/api/v1/transfers", Upstream::Joint, false),
    rule("/api/v1/routes", Upstream::Joint, false),
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

/// Anonymous callers may only read under prefixes marked `anonymous_read`.
pub(crate) fn allows_anonymous(rule: &RouteRule, method: &Method) -> bool {
    rule.anonymous_read && (method == Method::GET || method == Method::HEAD)
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

    #[test]
    fn anonymous_callers_may_only_read_public_prefixes() {
        let matters = resolve("/api/v1/matters").unwrap();
        let cases = resolve("/api/v1/cases").unwrap();
        assert!(allows_anonymous(matters, &Method::GET));
        assert!(!allows_anonymous(matters, &Method::POST));
        assert!(!allows_anonymous(cases, &Method::GET));
    }
}

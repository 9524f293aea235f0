//! Who may call what: the role × route matrix the gateway enforces before anything reaches a
//! service.
//!
//! Every operation the services publish has exactly one row here (a test compares the table
//! with the merged OpenAPI document, which also documents each row as the operation's
//! `security`). A path under a known prefix that matches no row is a 404, a known path with
//! another method a 405. Services still decide object by object (a case belongs to its
//! applicant; staff see their division and department).
//!
//! - Staff pass a row only through one of the roles it lists; a staff token without roles,
//!   or a citizen token that claims a role, passes no staff row.
//! - Integrators (systems calling on behalf of applicants) pass a row that lists them only
//!   with the scope `<resource>:read` (GET/HEAD) or `<resource>:write` (anything else), where
//!   `<resource>` is the first path segment after `/api/v1/` (`cases:write`, `uploads:write`…).

use actix_web::http::Method;
use govhall_web::{PrincipalKind, Role};

use crate::auth::Caller;

/// A set of callers, as a bit set over [`Who`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience(u16);

/// One kind of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Who {
    /// No credentials at all.
    Anonymous = 1,
    /// A natural person (自然人).
    Citizen = 1 << 1,
    /// A company or organisation (法人).
    LegalPerson = 1 << 2,
    /// A system acting for applicants, within its scopes.
    Integrator = 1 << 3,
    /// Staff: counter clerk (窗口人员).
    WindowClerk = 1 << 4,
    /// Staff: department reviewer (审核人员).
    Reviewer = 1 << 5,
    /// Staff: leader who signs off (审批领导).
    Leader = 1 << 6,
    /// Staff: supervisor (电子监察).
    Supervisor = 1 << 7,
    /// Staff: administrator.
    Admin = 1 << 8,
}

impl Who {
    /// Every kind of caller, in a stable order.
    pub const ALL: [Who; 9] = [
        Who::Anonymous,
        Who::Citizen,
        Who::LegalPerson,
        Who::Integrator,
        Who::WindowClerk,
        Who::Reviewer,
        Who::Leader,
        Who::Supervisor,
        Who::Admin,
    ];

    /// The name used in the OpenAPI `security` requirements.
    pub fn name(self) -> &'static str {
        match self {
            Who::Anonymous => "anonymous",
            Who::Citizen => "citizen",
            Who::LegalPerson => "legal_person",
            Who::Integrator => "integrator",
            Who::WindowClerk => "window_clerk",
            Who::Reviewer => "reviewer",
            Who::Leader => "leader",
            Who::Supervisor => "supervisor",
            Who::Admin => "admin",
        }
    }

    fn of_role(role: Role) -> Who {
        match role {
            Role::WindowClerk => Who::WindowClerk,
            Role::Reviewer => Who::Reviewer,
            Role::Leader => Who::Leader,
            Role::Supervisor => Who::Supervisor,
            Role::Admin => Who::Admin,
        }
    }
}

impl Audience {
    const fn of(list: &[Who]) -> Audience {
        let mut bits = 0;
        let mut i = 0;
        while i < list.len() {
            bits |= list[i] as u16;
            i += 1;
        }
        Audience(bits)
    }

    const fn or(self, other: Audience) -> Audience {
        Audience(self.0 | other.0)
    }

    /// Does the set hold `who`?
    pub fn contains(self, who: Who) -> bool {
        self.0 & who as u16 != 0
    }

    /// The members, in [`Who::ALL`] order.
    pub fn members(self) -> impl Iterator<Item = Who> {
        Who::ALL.into_iter().filter(move |w| self.contains(*w))
    }
}

use Who::*;

const ANYONE: Audience = Audience::of(&[
    Anonymous,
    Citizen,
    LegalPerson,
    Integrator,
    WindowClerk,
    Reviewer,
    Leader,
    Supervisor,
    Admin,
]);
const APPLICANTS: Audience = Audience::of(&[Citizen, LegalPerson, Integrator]);
const STAFF: Audience = Audience::of(&[WindowClerk, Reviewer, Leader, Supervisor, Admin]);
const SIGNED_IN: Audience = APPLICANTS.or(STAFF);
const CLERK: Audience = Audience::of(&[WindowClerk]);
const APPLICANTS_OR_CLERK: Audience = APPLICANTS.or(CLERK);
/// Those who handle a case after acceptance (suspend, resume, terminate).
const HANDLERS: Audience = Audience::of(&[WindowClerk, Reviewer, Leader]);
const REVIEWERS: Audience = Audience::of(&[Reviewer, Leader]);
const LEADER: Audience = Audience::of(&[Leader]);
const OVERSIGHT: Audience = Audience::of(&[Leader, Supervisor]);
const ADMIN: Audience = Audience::of(&[Admin]);

/// Largest request body of an ordinary operation (JSON), 2 MiB.
pub const DEFAULT_BODY_LIMIT: u64 = 2 * 1024 * 1024;
/// Largest upload: a 20 MiB material file plus its multipart framing.
pub const UPLOAD_BODY_LIMIT: u64 = 21 * 1024 * 1024;

/// One operation and who may call it.
#[derive(Debug)]
pub struct AccessRule {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// OpenAPI path template (`/api/v1/cases/{id}`).
    pub path: &'static str,
    /// Who may call it.
    pub audience: Audience,
    /// Largest request body the gateway forwards, in bytes.
    pub body_limit: u64,
}

const fn rule(method: &'static str, path: &'static str, audience: Audience) -> AccessRule {
    AccessRule {
        method,
        path,
        audience,
        body_limit: DEFAULT_BODY_LIMIT,
    }
}

const fn upload(method: &'static str, path: &'static str, audience: Audience) -> AccessRule {
    AccessRule {
        body_limit: UPLOAD_BODY_LIMIT,
        ..rule(method, path, audience)
    }
}

/// The matrix: one row per operation.
pub const ACCESS: &[AccessRule] = &[
    // Reference data and published results: open to everyone (办事指南, 行政区划, 节假日, 好差评).
    rule("GET", "/api/v1/matters", ANYONE),
    rule("GET", "/api/v1/matters/{code}", ANYONE),
    rule("GET", "/api/v1/matters/versions/{id}", ANYONE),
    rule("GET", "/api/v1/divisions", ANYONE),
    rule("GET", "/api/v1/divisions/{code}", ANYONE),
    rule("GET", "/api/v1/calendar/due", ANYONE),
    rule("GET", "/api/v1/calendar/working-days", ANYONE),
    rule("GET", "/api/v1/calendar/years", ANYONE),
    rule("GET", "/api/v1/ratings/stats", ANYONE),
    // Following a case with its number and query password.
    rule("GET", "/api/v1/lookup/{case_number}", ANYONE),
    // Administration.
    rule("GET", "/api/v1/admin/matters", ADMIN),
    rule("POST", "/api/v1/admin/matters", ADMIN),
    rule("PUT", "/api/v1/admin/matters/{id}", ADMIN),
    rule("POST", "/api/v1/admin/matters/{id}/publication", ADMIN),
    rule("POST", "/api/v1/admin/matters/{id}/retirement", ADMIN),
    rule("PUT", "/api/v1/admin/divisions/{code}", ADMIN),
    rule("GET", "/api/v1/admin/divisions/{code}/changes", ADMIN),
    rule("POST", "/api/v1/admin/divisions/{code}/retirement", ADMIN),
    rule("POST", "/api/v1/calendar/days", ADMIN),
    rule("GET", "/api/v1/admin/api-keys", ADMIN),
    rule("POST", "/api/v1/admin/api-keys", ADMIN),
    rule("GET", "/api/v1/admin/api-keys/{id}", ADMIN),
    rule("POST", "/api/v1/admin/api-keys/{id}/revocation", ADMIN),
    rule("PUT", "/api/v1/calendar/years/{year}", ADMIN),
    // Applications.
    rule("GET", "/api/v1/drafts", APPLICANTS),
    rule("POST", "/api/v1/drafts", APPLICANTS),
    rule("GET", "/api/v1/drafts/{id}", APPLICANTS),
    rule("PUT", "/api/v1/drafts/{id}", APPLICANTS),
    rule("DELETE", "/api/v1/drafts/{id}", APPLICANTS),
    rule("POST", "/api/v1/drafts/{id}/submission", APPLICANTS),
    rule("GET", "/api/v1/cases", APPLICANTS_OR_CLERK),
    rule("POST", "/api/v1/cases", APPLICANTS_OR_CLERK),
    rule("GET", "/api/v1/cases/{id}", SIGNED_IN),
    rule("GET", "/api/v1/cases/{id}/receipt", SIGNED_IN),
    rule("POST", "/api/v1/cases/{id}/supplement", APPLICANTS_OR_CLERK),
    rule("POST", "/api/v1/cases/{id}/withdrawal", APPLICANTS_OR_CLERK),
    rule(
        "POST",
        "/api/v1/cases/{id}/query-password",
        APPLICANTS_OR_CLERK,
    ),
    rule(
        "POST",
        "/api/v1/cases/{id}/delivery-confirmation",
        APPLICANTS_OR_CLERK,
    ),
    rule("POST", "/api/v1/cases/{id}/rating", APPLICANTS),
    rule("GET", "/api/v1/uploads/{id}", SIGNED_IN),
    upload("POST", "/api/v1/uploads/{id}", APPLICANTS_OR_CLERK),
    rule("GET", "/api/v1/materials/{id}", SIGNED_IN),
    // The window (一窗受理).
    rule("GET", "/api/v1/queue", CLERK),
    rule("POST", "/api/v1/cases/{id}/acceptance", CLERK),
    rule("POST", "/api/v1/cases/{id}/rejection", CLERK),
    rule("POST", "/api/v1/cases/{id}/supplement-notice", CLERK),
    rule("POST", "/api/v1/cases/{id}/commitment-fulfilment", CLERK),
    rule("POST", "/api/v1/cases/{id}/instant-decision", CLERK),
    rule("POST", "/api/v1/cases/{id}/review-resubmission", CLERK),
    rule("POST", "/api/v1/cases/{id}/delivery", CLERK),
    // Handling after acceptance.
    rule("GET", "/api/v1/case-search", STAFF),
    rule("POST", "/api/v1/cases/{id}/suspension", HANDLERS),
    rule("POST", "/api/v1/cases/{id}/resumption", HANDLERS),
    rule("POST", "/api/v1/cases/{id}/termination", HANDLERS),
    rule("GET", "/api/v1/rectifications", STAFF),
    rule("POST", "/api/v1/rectifications/{id}/closure", HANDLERS),
    // Time limits (限时办理).
    rule("GET", "/api/v1/clocks", STAFF),
    rule("GET", "/api/v1/clocks/{id}", STAFF),
    rule("POST", "/api/v1/clocks/{id}/pause", HANDLERS),
    rule("POST", "/api/v1/clocks/{id}/resume", HANDLERS),
    rule("POST", "/api/v1/clocks/{id}/extension", LEADER),
    rule("GET", "/api/v1/supervision/clocks", OVERSIGHT),
    rule("GET", "/api/v1/supervision/summary", OVERSIGHT),
    // Parallel review (并联审批).
    rule("GET", "/api/v1/reviews/{id}", STAFF),
    rule("POST", "/api/v1/reviews/{id}/departments", REVIEWERS),
    rule(
        "POST",
        "/api/v1/reviews/{id}/departments/{code}/removal",
        REVIEWERS,
    ),
    rule("POST", "/api/v1/reviews/{id}/resumption", REVIEWERS),
    rule("POST", "/api/v1/reviews/{id}/return-to-window", REVIEWERS),
    rule("GET", "/api/v1/tasks", REVIEWERS),
    rule("POST", "/api/v1/tasks/{id}/claim", REVIEWERS),
    rule("POST", "/api/v1/tasks/{id}/release", REVIEWERS),
    rule("POST", "/api/v1/tasks/{id}/assignment", LEADER),
    rule("POST", "/api/v1/tasks/{id}/opinion", REVIEWERS),
    rule("POST", "/api/v1/tasks/{id}/send-back", REVIEWERS),
    rule("POST", "/api/v1/tasks/{id}/supplement-request", REVIEWERS),
    // Joint handling across levels (跨层级联办).
    rule("GET", "/api/v1/routes/{case_id}", STAFF),
    rule("GET", "/api/v1/transfers", STAFF),
    rule("GET", "/api/v1/transfers/{id}", STAFF),
    rule("POST", "/api/v1/transfers/{id}/receipt", HANDLERS),
    rule("POST", "/api/v1/transfers/{id}/resending", HANDLERS),
    rule("POST", "/api/v1/transfers/{id}/send-back", REVIEWERS),
];

/// What the matrix says about one request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Go ahead, with a body of at most this many bytes.
    Allowed(u64),
    /// No operation has this path.
    NoSuchPath,
    /// The path exists, with these methods only.
    MethodNotAllowed(Vec<&'static str>),
    /// Anonymous caller on an operation that needs a login.
    LoginRequired,
    /// Signed in, but not among the operation's callers.
    Forbidden(Audience),
    /// An integrator without the scope the operation needs.
    MissingScope(String),
}

/// Does a template match the path, and how specific is the match (literal segments)?
fn matches(template: &str, path: &str) -> Option<usize> {
    let mut literal = 0;
    let mut wanted = template.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(literal),
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') => {
                if g.is_empty() {
                    return None;
                }
            }
            (Some(w), Some(g)) if w == g => literal += 1,
            _ => return None,
        }
    }
}

/// The rows whose template matches `path` most specifically.
fn rows_for(path: &str) -> Vec<&'static AccessRule> {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let scored: Vec<(usize, &AccessRule)> = ACCESS
        .iter()
        .filter_map(|rule| matches(rule.path, path).map(|score| (score, rule)))
        .collect();
    let best = scored.iter().map(|(score, _)| *score).max();
    scored
        .into_iter()
        .filter(|(score, _)| Some(*score) == best)
        .map(|(_, rule)| rule)
        .collect()
}

/// The scope an integrator needs for `method` on `path`.
pub fn scope_for(method: &str, path: &str) -> String {
    let resource = path
        .strip_prefix("/api/v1/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("");
    let access = if method == "GET" || method == "HEAD" {
        "read"
    } else {
        "write"
    };
    format!("{resource}:{access}")
}

/// The scopes integrators can be granted: one per resource and access they can reach.
pub fn integrator_scopes() -> std::collections::BTreeSet<String> {
    ACCESS
        .iter()
        .filter(|rule| rule.audience.contains(Integrator) && !rule.audience.contains(Anonymous))
        .map(|rule| scope_for(rule.method, rule.path))
        .collect()
}

/// Decides one request.
pub(crate) fn check(method: &Method, path: &str, caller: Option<&Caller>) -> Verdict {
    let rows = rows_for(path);
    if rows.is_empty() {
        return Verdict::NoSuchPath;
    }
    // HEAD is answered like GET.
    let wanted = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    let Some(row) = rows.iter().find(|row| row.method == wanted) else {
        let mut allowed: Vec<&'static str> = rows.iter().map(|row| row.method).collect();
        if allowed.contains(&"GET") {
            allowed.push("HEAD");
        }
        return Verdict::MethodNotAllowed(allowed);
    };
    let audience = row.audience;
    if audience.contains(Anonymous) {
        return Verdict::Allowed(row.body_limit);
    }
    let Some(caller) = caller else {
        return Verdict::LoginRequired;
    };
    let principal = &caller.principal;
    let admitted = match principal.kind {
        PrincipalKind::Citizen => audience.contains(Citizen),
        PrincipalKind::LegalPerson => audience.contains(LegalPerson),
        PrincipalKind::Integrator => audience.contains(Integrator),
        PrincipalKind::Staff => principal
            .roles
            .iter()
            .any(|role| audience.contains(Who::of_role(*role))),
    };
    if !admitted {
        return Verdict::Forbidden(audience);
    }
    if principal.kind == PrincipalKind::Integrator {
        let scope = scope_for(row.method, row.path);
        let granted = caller
            .scopes
            .as_ref()
            .is_some_and(|scopes| scopes.contains(&scope));
        if !granted {
            return Verdict::MissingScope(scope);
        }
    }
    Verdict::Allowed(row.body_limit)
}

/// The callers of an audience, named as in the OpenAPI document.
pub(crate) fn describe(audience: Audience) -> String {
    audience
        .members()
        .map(Who::name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use govhall_web::Principal;

    use super::*;

    fn staff(roles: Vec<Role>) -> Caller {
        Caller {
            principal: Principal {
                sub: "s".into(),
                kind: PrincipalKind::Staff,
                roles,
                division: Some("320102".into()),
                department: None,
            },
            scopes: None,
            rate_per_minute: None,
        }
    }

    fn of_kind(kind: PrincipalKind, scopes: Option<Vec<String>>) -> Caller {
        Caller {
            principal: Principal {
                sub: "p".into(),
                kind,
                roles: vec![Role::Admin],
                division: None,
                department: None,
            },
            scopes,
            rate_per_minute: None,
        }
    }

    #[test]
    fn every_row_is_unique_and_well_formed() {
        for (i, a) in ACCESS.iter().enumerate() {
            assert!(a.path.starts_with("/api/v1/"), "{}", a.path);
            assert!(
                ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&a.method),
                "{}",
                a.method
            );
            for b in &ACCESS[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let rows = rows_for("/api/v1/matters/versions/42");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].path, "/api/v1/matters/versions/{id}");
        assert_eq!(
            rows_for("/api/v1/matters/versions")[0].path,
            "/api/v1/matters/{code}"
        );
        assert!(rows_for("/api/v1/cases/1/nonsense").is_empty());
        assert!(rows_for("/api/v1/cases//acceptance").is_empty());
    }

    #[test]
    fn unknown_methods_list_the_allowed_ones() {
        assert_eq!(
            check(&Method::PATCH, "/api/v1/drafts/1", None),
            Verdict::MethodNotAllowed(vec!["GET", "PUT", "DELETE", "HEAD"])
        );
        assert_eq!(
            check(&Method::GET, "/api/v1/nothing", None),
            Verdict::NoSuchPath
        );
    }

    #[test]
    fn staff_pass_only_through_a_listed_role() {
        let path = "/api/v1/cases/1/acceptance";
        assert_eq!(
            check(&Method::POST, path, Some(&staff(vec![Role::WindowClerk]))),
            Verdict::Allowed(DEFAULT_BODY_LIMIT)
        );
        assert!(matches!(
            check(&Method::POST, path, Some(&staff(vec![Role::Reviewer]))),
            Verdict::Forbidden(_)
        ));
        assert!(matches!(
            check(&Method::GET, "/api/v1/clocks", Some(&staff(vec![]))),
            Verdict::Forbidden(_)
        ));
        assert_eq!(check(&Method::POST, path, None), Verdict::LoginRequired);
    }

    #[test]
    fn a_citizen_claiming_a_staff_role_gains_nothing() {
        let citizen = of_kind(PrincipalKind::Citizen, None);
        assert!(matches!(
            check(&Method::GET, "/api/v1/admin/matters", Some(&citizen)),
            Verdict::Forbidden(_)
        ));
        assert_eq!(
            check(&Method::GET, "/api/v1/cases/1", Some(&citizen)),
            Verdict::Allowed(DEFAULT_BODY_LIMIT)
        );
    }

    #[test]
    fn integrators_need_the_resource_scope() {
        let none = of_kind(PrincipalKind::Integrator, Some(vec![]));
        let write = of_kind(
            PrincipalKind::Integrator,
            Some(vec!["cases:write".into(), "cases:read".into()]),
        );
        assert_eq!(
            check(&Method::POST, "/api/v1/cases", Some(&none)),
            Verdict::MissingScope("cases:write".into())
        );
        assert_eq!(
            check(&Method::POST, "/api/v1/cases", Some(&write)),
            Verdict::Allowed(DEFAULT_BODY_LIMIT)
        );
        assert_eq!(
            check(&Method::GET, "/api/v1/cases/7", Some(&write)),
            Verdict::Allowed(DEFAULT_BODY_LIMIT)
        );
        assert_eq!(
            check(&Method::POST, "/api/v1/uploads/7", Some(&write)),
            Verdict::MissingScope("uploads:write".into())
        );
        // Public operations need no scope.
        assert_eq!(
            check(&Method::GET, "/api/v1/matters", Some(&none)),
            Verdict::Allowed(DEFAULT_BODY_LIMIT)
        );
    }
}

//! Isolation, object by object: for every operation that takes an id (`{id}`, `{case_id}`,
//! `{code}`, `{year}`, `{case_number}`), a real object is set up and the operation is called by
//! everyone who must not reach it — another citizen, another legal person and another
//! integrator where applicants may call it; staff of other divisions (a Suzhou district, a
//! sibling Nanjing district, the city of Suzhou; for Zhenjiang's objects Yangzhou and Taizhou,
//! whose codes start alike) holding each role the gateway admits for it, reviewers and leaders
//! claiming the object's own department code; staff of the object's division in another
//! department. None may succeed: the answer is 404 where the object's existence is not
//! revealed, or 403 where the service deliberately says "not yours" (matters, divisions and
//! calendars, public knowledge anyway; the wrong side of a transfer). Afterwards the rightful
//! owner reads the object and finds it as it was.
//!
//! The operations come from the committed `openapi/openapi.json` (a drift test keeps it equal
//! to what the gateway serves): a new operation with an id fails
//! [`every_operation_that_takes_an_id_has_a_row`] until it has a row in [`TABLE`], and a row
//! never exercised fails the run.

mod administration;
mod applications;
mod joint;
mod probe;
mod review;
mod support;
mod zhenjiang;

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{Api, Proc, Tokens, spawn, standalone_env, temp_dir, without_rate_limits};
use probe::Probe;

/// Reference data anyone may read without logging in: nothing to isolate.
const EXEMPT: &[(&str, &str)] = &[
    // The published catalog (办事指南) and its versions.
    ("GET", "/api/v1/matters/{code}"),
    ("GET", "/api/v1/matters/versions/{id}"),
    // Administrative divisions (行政区划).
    ("GET", "/api/v1/divisions/{code}"),
];

/// Every other operation that takes an id, with what an outsider gets.
const TABLE: &[(&str, &str, u16)] = &[
    // Drafts, cases, materials: the applicant's, and the accepting division's staff.
    ("GET", "/api/v1/drafts/{id}", 404),
    ("PUT", "/api/v1/drafts/{id}", 404),
    ("DELETE", "/api/v1/drafts/{id}", 404),
    ("POST", "/api/v1/drafts/{id}/submission", 404),
    ("GET", "/api/v1/uploads/{id}", 404),
    ("POST", "/api/v1/uploads/{id}", 404),
    ("GET", "/api/v1/materials/{id}", 404),
    ("GET", "/api/v1/cases/{id}", 404),
    ("GET", "/api/v1/cases/{id}/receipt", 404),
    ("GET", "/api/v1/lookup/{case_number}", 404),
    ("POST", "/api/v1/cases/{id}/acceptance", 404),
    ("POST", "/api/v1/cases/{id}/rejection", 404),
    ("POST", "/api/v1/cases/{id}/supplement-notice", 404),
    ("POST", "/api/v1/cases/{id}/supplement", 404),
    ("POST", "/api/v1/cases/{id}/instant-decision", 404),
    ("POST", "/api/v1/cases/{id}/commitment-fulfilment", 404),
    ("POST", "/api/v1/cases/{id}/withdrawal", 404),
    ("POST", "/api/v1/cases/{id}/query-password", 404),
    ("POST", "/api/v1/cases/{id}/suspension", 404),
    ("POST", "/api/v1/cases/{id}/resumption", 404),
    ("POST", "/api/v1/cases/{id}/termination", 404),
    ("POST", "/api/v1/cases/{id}/review-resubmission", 404),
    ("POST", "/api/v1/cases/{id}/delivery", 404),
    ("POST", "/api/v1/cases/{id}/delivery-confirmation", 404),
    ("POST", "/api/v1/cases/{id}/rating", 404),
    ("POST", "/api/v1/rectifications/{id}/closure", 404),
    // Time limits.
    ("GET", "/api/v1/clocks/{id}", 404),
    ("POST", "/api/v1/clocks/{id}/pause", 404),
    ("POST", "/api/v1/clocks/{id}/resume", 404),
    ("POST", "/api/v1/clocks/{id}/extension", 404),
    // Reviews and their tasks: the review's division, the task's department.
    ("GET", "/api/v1/reviews/{id}", 404),
    ("POST", "/api/v1/reviews/{id}/departments", 404),
    (
        "POST",
        "/api/v1/reviews/{id}/departments/{code}/removal",
        404,
    ),
    ("POST", "/api/v1/reviews/{id}/resumption", 404),
    ("POST", "/api/v1/reviews/{id}/return-to-window", 404),
    ("POST", "/api/v1/tasks/{id}/claim", 404),
    ("POST", "/api/v1/tasks/{id}/release", 404),
    ("POST", "/api/v1/tasks/{id}/assignment", 404),
    ("POST", "/api/v1/tasks/{id}/opinion", 404),
    ("POST", "/api/v1/tasks/{id}/send-back", 404),
    ("POST", "/api/v1/tasks/{id}/supplement-request", 404),
    // Joint handling: the divisions on the route.
    ("GET", "/api/v1/routes/{case_id}", 404),
    ("GET", "/api/v1/transfers/{id}", 404),
    ("POST", "/api/v1/transfers/{id}/receipt", 404),
    ("POST", "/api/v1/transfers/{id}/send-back", 404),
    ("POST", "/api/v1/transfers/{id}/resending", 404),
    // Administration: public objects, so "not yours" is said openly.
    ("PUT", "/api/v1/admin/matters/{id}", 403),
    ("POST", "/api/v1/admin/matters/{id}/publication", 403),
    ("POST", "/api/v1/admin/matters/{id}/retirement", 403),
    ("PUT", "/api/v1/admin/divisions/{code}", 403),
    ("GET", "/api/v1/admin/divisions/{code}/changes", 403),
    ("POST", "/api/v1/admin/divisions/{code}/retirement", 403),
    ("PUT", "/api/v1/calendar/years/{year}", 403),
    // API keys, issued by the gateway: the issuing administrator's division and those above.
    ("GET", "/api/v1/admin/api-keys/{id}", 404),
    ("POST", "/api/v1/admin/api-keys/{id}/revocation", 404),
];

/// An operation of the committed OpenAPI document and the callers it admits (`citizen`,
/// `window_clerk`…; empty when it is public).
pub struct Operation {
    key: String,
    callers: Vec<String>,
}

/// Every operation of `openapi/openapi.json` whose path has a parameter.
pub fn operations_with_ids() -> Vec<Operation> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    let spec: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let callers = op["security"]
                .as_array()
                .and_then(|s| s.iter().find_map(|r| r["bearer"].as_array()))
                .map(|a| a.iter().map(|c| c.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            out.push(Operation {
                key: format!("{} {path}", method.to_uppercase()),
                callers,
            });
        }
    }
    out
}

/// `METHOD /path/{template}`: how operations are named here.
pub fn key(method: &str, path: &str) -> String {
    format!("{method} {path}")
}

#[test]
fn every_operation_that_takes_an_id_has_a_row() {
    let listed: BTreeSet<String> = TABLE
        .iter()
        .map(|(m, p, _)| key(m, p))
        .chain(EXEMPT.iter().map(|(m, p)| key(m, p)))
        .collect();
    let published: BTreeSet<String> = operations_with_ids().into_iter().map(|o| o.key).collect();
    let missing: Vec<_> = published.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "operations with an id but no isolation case: {missing:?}"
    );
    let gone: Vec<_> = listed.difference(&published).collect();
    assert!(
        gone.is_empty(),
        "rows for operations that no longer exist: {gone:?}"
    );
    assert_eq!(TABLE.len() + EXEMPT.len(), listed.len(), "a row twice");
}

/// Sets up every kind of object as its owner would and probes it at the states where its
/// operations apply; prints how many refused calls that took, and how long.
async fn probe_every_operation(api: &Api, tokens: &Tokens, backend: &str) {
    let started = std::time::Instant::now();
    let probe = Probe::new(api, tokens);
    let a = tokens.citizen("citizen-a");
    administration::matters(&probe).await;
    administration::divisions(&probe).await;
    administration::calendars(&probe).await;
    administration::api_keys(&probe).await;
    applications::draft(&probe, &a).await;
    let accepted = applications::xuanwu_case(&probe, &a).await;
    review::in_review(&probe, &a, accepted).await;
    zhenjiang::case_through_rating(&probe, &a).await;
    joint::county_case_sent_up(&probe).await;
    let calls = probe.finish();
    eprintln!(
        "isolation on {backend}: {calls} refused calls in {:.1?}",
        started.elapsed()
    );
}

#[actix_web::test]
async fn no_operation_that_takes_an_id_reaches_another_applicants_or_divisions_object_in_standalone_mode()
 {
    let dir = temp_dir();
    let tokens = Tokens::new(&dir);
    let mut env = standalone_env(&dir, &tokens);
    env.extend(without_rate_limits());
    let proc: Proc = spawn("standalone", &["standalone"], &env).await;
    probe_every_operation(&Api::new(&proc.url), &tokens, "standalone").await;
}

#[actix_web::test]
async fn no_operation_that_takes_an_id_reaches_another_applicants_or_divisions_object_on_postgres_and_rabbitmq()
 {
    let mut cluster = crate::cluster::Cluster::new().await;
    cluster.env.extend(without_rate_limits());
    // API keys live in the gateway's own database; without one they are switched off.
    let keys = govhall_test_support::fresh_postgres_url().await.unwrap();
    cluster.env.push(("GOVHALL_DATABASE__GATEWAY".into(), keys));
    for service in ["intake", "deadline", "approval", "joint"] {
        cluster.start(service).await;
    }
    cluster.start_gateway().await;
    probe_every_operation(&cluster.api(), &cluster.tokens, "postgres and rabbitmq").await;
}

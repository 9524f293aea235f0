//! The role × route matrix: every operation, called by every kind of caller.

use actix_web::http::Method;
use govhall_gateway::access::{ACCESS, Who, scope_for};
use govhall_web::{Principal, PrincipalKind, Role};

use crate::helpers::*;

fn principal(who: Who) -> Option<Principal> {
    let staff = |role: Role| Principal {
        sub: format!("staff-{}", who.name()),
        kind: PrincipalKind::Staff,
        roles: vec![role],
        division: Some("320102".into()),
        department: Some("market".into()),
    };
    let party = |kind| Principal {
        sub: format!("party-{}", who.name()),
        kind,
        roles: vec![],
        division: None,
        department: None,
    };
    Some(match who {
        Who::Anonymous => return None,
        Who::Citizen => party(PrincipalKind::Citizen),
        Who::LegalPerson => party(PrincipalKind::LegalPerson),
        Who::Integrator => party(PrincipalKind::Integrator),
        Who::WindowClerk => staff(Role::WindowClerk),
        Who::Reviewer => staff(Role::Reviewer),
        Who::Leader => staff(Role::Leader),
        Who::Supervisor => staff(Role::Supervisor),
        Who::Admin => staff(Role::Admin),
    })
}

/// Served by the gateway itself rather than forwarded.
fn local(template: &str) -> bool {
    template.starts_with("/api/v1/admin/api-keys")
}

/// The template with every `{param}` filled in.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "0190f5a4-7b1c-7000-8000-000000000001"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> u16 {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send_body("{}").await.unwrap().status().as_u16()
}

#[actix_web::test]
async fn every_operation_admits_exactly_the_callers_of_its_row() {
    let app = spawn_app().await;
    let mut calls = 0;
    for rule in ACCESS {
        let path = concrete(rule.path);
        for who in Who::ALL {
            let token = principal(who).map(|p| {
                // Integrators hold exactly the scope the operation needs.
                let scopes = vec![scope_for(rule.method, rule.path)];
                app.dev_issuer
                    .mint_scoped(&p, &scopes, std::time::Duration::from_secs(600))
                    .unwrap()
            });
            let hits = app.upstream.hits();
            let status = call(&app, rule.method, &path, token.as_deref()).await;
            calls += 1;
            let admitted = rule.audience.contains(who);
            let what = format!("{} {} as {}", rule.method, rule.path, who.name());
            if !admitted {
                let expected = if who == Who::Anonymous { 401 } else { 403 };
                assert_eq!(status, expected, "{what}");
            } else if local(rule.path) {
                // The gateway's own routes answer themselves (here: no database, 503).
                assert!(![401, 403, 404, 405].contains(&status), "{what}: {status}");
            } else {
                assert_eq!(status, 200, "{what}");
            }
            let forwarded = app.upstream.hits() - hits;
            assert_eq!(
                forwarded,
                usize::from(admitted && !local(rule.path)),
                "{what}: forwarded only when admitted"
            );
        }
    }
    assert_eq!(calls, ACCESS.len() * Who::ALL.len());
}

#[actix_web::test]
async fn staff_without_roles_and_integrators_without_scopes_pass_only_public_operations() {
    let app = spawn_app().await;
    let roleless = Principal {
        sub: "staff-0".into(),
        kind: PrincipalKind::Staff,
        roles: vec![],
        division: Some("320102".into()),
        department: Some("market".into()),
    };
    let unscoped = Principal {
        sub: "portal".into(),
        kind: PrincipalKind::Integrator,
        roles: vec![Role::Admin],
        division: Some("320000".into()),
        department: None,
    };
    let roleless = app.token_for(&roleless);
    let unscoped = app.token_for(&unscoped);
    for rule in ACCESS {
        let path = concrete(rule.path);
        let public = rule.audience.contains(Who::Anonymous);
        for token in [&roleless, &unscoped] {
            let status = call(&app, rule.method, &path, Some(token)).await;
            if public {
                assert!(status == 200, "{} {}: {status}", rule.method, rule.path);
            } else {
                assert_eq!(status, 403, "{} {}", rule.method, rule.path);
            }
        }
    }
}

#[actix_web::test]
async fn a_known_path_with_another_method_is_a_405_naming_the_allowed_ones() {
    let app = spawn_app().await;
    let token = app.token_for(&citizen());
    let response = app
        .client
        .patch(app.url("/api/v1/drafts/d-1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers().get("allow").unwrap(),
        "GET, PUT, DELETE, HEAD"
    );
    assert_problem(response, 405, "method_not_allowed").await;
    // Under a known prefix, a path no operation has is a 404 from the gateway itself.
    let response = app
        .get("/api/v1/cases/c-1/no-such-thing")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "route_not_found").await;
    assert_eq!(app.upstream.hits(), 0);
}

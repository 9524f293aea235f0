//! Authentication, the forwarded principal and the anonymous allow-list.

use std::time::Duration;

use govhall_gateway::dev_issuer::DevIssuer;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use crate::helpers::*;

const PRINCIPAL: &str = "x-govhall-principal";

#[actix_web::test]
async fn a_forged_principal_header_is_removed_before_forwarding() {
    let app = spawn_app().await;
    let forged = app.internal_key.sign(&reviewer()).unwrap();
    let response = app
        .get("/api/v1/matters/M-1")
        .insert_header((PRINCIPAL, forged.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(echo_of(response).await.header(PRINCIPAL), None);
}

#[actix_web::test]
async fn an_anonymous_post_is_refused_with_401_and_never_reaches_the_upstream() {
    let app = spawn_app().await;
    let forged = app.internal_key.sign(&reviewer()).unwrap();
    let response = app
        .post("/api/v1/cases")
        .insert_header((PRINCIPAL, forged.as_str()))
        .send_body("{}")
        .await
        .unwrap();
    assert_eq!(
        response.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );
    assert_problem(response, 401, "unauthorized").await;
    assert_eq!(app.upstream.hits(), 0);
}

#[actix_web::test]
async fn anonymous_callers_may_read_matters_the_calendar_and_divisions_but_nothing_else() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/matters",
        "/api/v1/matters/versions/3",
        "/api/v1/calendar/years",
        "/api/v1/divisions/320100",
    ] {
        assert_eq!(app.get(path).send().await.unwrap().status(), 200, "{path}");
    }
    for path in [
        "/api/v1/cases",
        "/api/v1/clocks/1",
        "/api/v1/queue",
        "/api/v1/reviews/R-1",
        "/api/v1/tasks",
        "/api/v1/admin/divisions/320100/changes",
        "/api/v1/transfers",
        "/api/v1/routes/C-1",
    ] {
        assert_problem(app.get(path).send().await.unwrap(), 401, "unauthorized").await;
    }
    let head = app
        .client
        .head(app.url("/api/v1/matters"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(app.upstream.hits(), 5);
}

#[actix_web::test]
async fn a_valid_dev_token_forwards_a_principal_signed_with_the_internal_key() {
    let app = spawn_app().await;
    let token = app.token_for(&reviewer());
    let response = app
        .post("/api/v1/tasks/T-9/opinion")
        .bearer_auth(&token)
        // A forged header next to a valid token is replaced, not appended to.
        .insert_header((PRINCIPAL, "forged"))
        .send_body("{}")
        .await
        .unwrap();
    let echo = echo_of(response).await;
    let signed = echo.header(PRINCIPAL).expect("a principal header");
    let principal = app.internal_key.verify(signed).unwrap();
    assert_eq!(principal, reviewer());
    assert_eq!(
        principal.roles,
        vec![govhall_web::Role::Reviewer, govhall_web::Role::Leader]
    );
    assert_eq!(principal.division.as_deref(), Some("320102"));
}

#[actix_web::test]
async fn an_expired_token_is_refused_with_401_problem_json() {
    let app = spawn_app().await;
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "sub": "citizen-1", "kind": "citizen", "roles": [],
        "iss": "govhall-dev", "aud": "govhall", "exp": now - 3600, "nbf": now - 7200, "iat": now - 7200,
    });
    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&app.dev_secret()),
    )
    .unwrap();
    let response = app
        .get("/api/v1/matters")
        .bearer_auth(&expired)
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let problem = assert_problem(response, 401, "invalid_token").await;
    assert_eq!(problem.detail.as_deref(), Some("the token has expired"));
    assert_eq!(app.upstream.hits(), 0);
}

#[actix_web::test]
async fn a_token_signed_with_another_key_is_refused_with_401_problem_json() {
    let app = spawn_app().await;
    let other = DevIssuer::load_or_create(&temp_key_file()).unwrap();
    let token = other.mint(&reviewer(), Duration::from_secs(600)).unwrap();
    let response = app
        .get("/api/v1/matters")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("www-authenticate"));
    assert_problem(response, 401, "invalid_token").await;

    let response = app
        .get("/api/v1/matters")
        .insert_header(("authorization", "Basic Zm9vOmJhcg=="))
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, "invalid_token").await;
}

#[actix_web::test]
async fn without_an_identity_provider_every_bearer_token_is_refused() {
    let app = spawn_app_with(Options {
        with_dev_issuer: false,
        ..Options::default()
    })
    .await;
    let token = app.token_for(&reviewer());
    let response = app
        .get("/api/v1/matters")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 401, "no_identity_provider").await;
    assert!(
        problem
            .detail
            .unwrap()
            .contains("no identity provider is configured")
    );
    // Anonymous reads still work.
    assert_eq!(
        app.get("/api/v1/matters").send().await.unwrap().status(),
        200
    );
}

#[actix_web::test]
async fn the_dev_issuer_reuses_its_stored_key_on_a_second_load() {
    let path = temp_key_file();
    let first = DevIssuer::load_or_create(&path).unwrap();
    let token = first.mint(&reviewer(), Duration::from_secs(60)).unwrap();
    let second = DevIssuer::load_or_create(&path).unwrap();
    assert_eq!(second.verify(&token).unwrap().principal, reviewer());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

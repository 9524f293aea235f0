//! API keys: issued by administrators, shown once, stored hashed, scoped, revocable; on
//! SQLite and on PostgreSQL.

use govhall_gateway::limits::{Quota, RateLimits};
use govhall_web::{Principal, PrincipalKind, Role};
use serde_json::{Value, json};

use crate::helpers::*;

fn admin(division: &str) -> Principal {
    Principal {
        sub: format!("admin-{division}"),
        kind: PrincipalKind::Staff,
        roles: vec![Role::Admin],
        division: Some(division.into()),
        department: None,
    }
}

async fn gateway(database_url: String) -> TestApp {
    spawn_app_with(Options {
        database_url: Some(database_url),
        rate_limits: RateLimits {
            per_ip: Quota::per_minute(0),
            per_principal: Quota::per_minute(0),
            ..RateLimits::default()
        },
        ..Options::default()
    })
    .await
}

async fn sqlite() -> TestApp {
    gateway(govhall_test_support::fresh_sqlite_url()).await
}

async fn postgres() -> TestApp {
    gateway(govhall_test_support::fresh_postgres_url().await.unwrap()).await
}

/// POSTs JSON as `token`, with an optional idempotency key: status and body.
async fn post(
    app: &TestApp,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = app.post(path).bearer_auth(token);
    if let Some(key) = key {
        request = request.insert_header(("idempotency-key", key));
    }
    let mut response = request.send_json(body).await.unwrap();
    let status = response.status().as_u16();
    let body = response
        .json::<Value>()
        .limit(1 << 20)
        .await
        .unwrap_or(Value::Null);
    (status, body)
}

async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let mut response = app.get(path).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.json::<Value>().await.unwrap_or(Value::Null),
    )
}

fn portal_key() -> Value {
    json!({
        "client_id": "suzhou-app",
        "name": "苏州 App 申报接口",
        "scopes": ["cases:write", "cases:read"],
    })
}

/// Calls `GET /api/v1/cases` with an API key: the status.
async fn with_key(app: &TestApp, key: &str) -> u16 {
    app.get("/api/v1/cases")
        .insert_header(("x-api-key", key))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn an_issued_key_works_within_its_scopes_once_shown_and_stops_when_revoked(app: TestApp) {
    let admin = app.token_for(&admin("320500"));
    let (status, created) = post(&app, "/api/v1/admin/api-keys", &admin, None, &portal_key()).await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("ghk_"));
    let id = created["api_key"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["api_key"]["state"], "active");
    assert_eq!(created["api_key"]["division"], "320500");

    // The integrator calls with it: forwarded as the integrator named by the client id.
    let response = app
        .post("/api/v1/cases")
        .insert_header(("x-api-key", key.as_str()))
        .send_body("{}")
        .await
        .unwrap();
    let echo = echo_of(response).await;
    let principal = app
        .internal_key
        .verify(echo.header("x-govhall-principal").unwrap())
        .unwrap();
    assert_eq!(principal.kind, PrincipalKind::Integrator);
    assert_eq!(principal.sub, "suzhou-app");
    assert_eq!(
        echo.header("x-api-key"),
        None,
        "the key stays at the gateway"
    );
    // Outside its scopes: 403.
    let response = app
        .post("/api/v1/uploads/d-1")
        .insert_header(("x-api-key", key.as_str()))
        .send_body("x")
        .await
        .unwrap();
    assert_problem(response, 403, "insufficient_scope").await;

    // Never shown again: neither in the record nor in the list.
    let (status, record) = get(&app, &format!("/api/v1/admin/api-keys/{id}"), &admin).await;
    assert_eq!(status, 200);
    assert!(record.get("key").is_none());
    assert!(
        !record.to_string().contains(&key[21..]),
        "no secret in the record"
    );
    let (_, list) = get(&app, "/api/v1/admin/api-keys", &admin).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&key[21..]));

    // Revoked: refused at once; revoking again answers the same record.
    let (status, revoked) = post(
        &app,
        &format!("/api/v1/admin/api-keys/{id}/revocation"),
        &admin,
        None,
        &json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(revoked["state"], "revoked");
    assert_eq!(with_key(&app, &key).await, 401);
    let (status, again) = post(
        &app,
        &format!("/api/v1/admin/api-keys/{id}/revocation"),
        &admin,
        None,
        &json!({}),
    )
    .await;
    assert_eq!(
        (status, &again["revoked_at"]),
        (200, &revoked["revoked_at"])
    );
    let (_, list) = get(&app, "/api/v1/admin/api-keys", &admin).await;
    assert_eq!(
        list,
        json!([]),
        "revoked keys are left out unless asked for"
    );
    let (_, list) = get(&app, "/api/v1/admin/api-keys?include_revoked=true", &admin).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

async fn bad_keys_bad_requests_and_other_divisions_are_refused(app: TestApp) {
    let admin_sz = app.token_for(&admin("320500"));
    let admin_nj = app.token_for(&admin("320100"));
    let clerk = app.token_for(&Principal {
        roles: vec![Role::WindowClerk],
        ..admin("320500")
    });
    let (status, _) = post(&app, "/api/v1/admin/api-keys", &clerk, None, &portal_key()).await;
    assert_eq!(status, 403, "administrators only");

    let (status, problem) = post(
        &app,
        "/api/v1/admin/api-keys",
        &admin_sz,
        None,
        &json!({
            "client_id": "Bad Id", "name": "", "scopes": ["cases:write", "admin:write"],
            "expires_at": "2020-01-01T00:00:00+08:00",
        }),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["client_id", "name", "scopes[1]", "expires_at"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let (_, list) = get(&app, "/api/v1/admin/api-keys", &admin_sz).await;
    assert_eq!(list, json!([]), "nothing stored");

    let (_, created) = post(
        &app,
        "/api/v1/admin/api-keys",
        &admin_sz,
        None,
        &portal_key(),
    )
    .await;
    let id = created["api_key"]["id"].as_str().unwrap();
    let key = created["key"].as_str().unwrap();
    // Another city's administrator neither sees nor revokes it.
    let (status, _) = get(&app, &format!("/api/v1/admin/api-keys/{id}"), &admin_nj).await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &app,
        &format!("/api/v1/admin/api-keys/{id}/revocation"),
        &admin_nj,
        None,
        &json!({}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        get(&app, "/api/v1/admin/api-keys", &admin_nj).await.1,
        json!([])
    );
    // Nor can he issue a key that would act as Suzhou's integrator; Suzhou's districts'
    // administrators neither, but the province's can.
    let (status, problem) = post(
        &app,
        "/api/v1/admin/api-keys",
        &admin_nj,
        None,
        &portal_key(),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("client_id_taken"))
    );
    let (status, _) = post(
        &app,
        "/api/v1/admin/api-keys",
        &app.token_for(&admin("320505")),
        None,
        &portal_key(),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = post(
        &app,
        "/api/v1/admin/api-keys",
        &app.token_for(&admin("320000")),
        None,
        &portal_key(),
    )
    .await;
    assert_eq!(status, 201, "rotation by the province");
    let (status, _) = post(
        &app,
        "/api/v1/admin/api-keys",
        &admin_sz,
        None,
        &portal_key(),
    )
    .await;
    assert_eq!(status, 201, "and by the integrator's own city");
    // The province's administrator sees the keys of the cities below.
    let (status, _) = get(
        &app,
        &format!("/api/v1/admin/api-keys/{id}"),
        &app.token_for(&admin("320000")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(with_key(&app, key).await, 200, "still valid");

    // Malformed, unknown (right shape, wrong secret) and doubled credentials: 401.
    let wrong_secret = format!(
        "{}{}",
        &key[..key.len() - 1],
        if key.ends_with('0') { '1' } else { '0' }
    );
    for bad in ["nonsense", "ghk_0000000000000000_00", wrong_secret.as_str()] {
        assert_eq!(with_key(&app, bad).await, 401, "{bad}");
    }
    let response = app
        .get("/api/v1/cases")
        .insert_header(("x-api-key", key))
        .bearer_auth(&admin_sz)
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, "invalid_token").await;
}

async fn a_retry_with_the_same_idempotency_key_issues_no_second_key(app: TestApp) {
    let admin = app.token_for(&admin("320500"));
    let (first, created) = post(
        &app,
        "/api/v1/admin/api-keys",
        &admin,
        Some("k-1"),
        &portal_key(),
    )
    .await;
    assert_eq!(first, 201);
    let (again, replay) = post(
        &app,
        "/api/v1/admin/api-keys",
        &admin,
        Some("k-1"),
        &portal_key(),
    )
    .await;
    assert_eq!(again, 200);
    assert_eq!(replay["id"], created["api_key"]["id"]);
    assert!(replay.get("key").is_none(), "a key is shown once");
    let mut other = portal_key();
    other["name"] = json!("another");
    let (status, problem) = post(&app, "/api/v1/admin/api-keys", &admin, Some("k-1"), &other).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let (_, list) = get(&app, "/api/v1/admin/api-keys", &admin).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

async fn a_key_expires_and_its_own_rate_limit_holds(app: TestApp) {
    let admin = app.token_for(&admin("320500"));
    let mut body = portal_key();
    body["rate_per_minute"] = json!(2);
    body["expires_at"] = json!((chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339());
    let (_, created) = post(&app, "/api/v1/admin/api-keys", &admin, None, &body).await;
    let key = created["key"].as_str().unwrap();
    assert_eq!(with_key(&app, key).await, 200);
    assert_eq!(with_key(&app, key).await, 200);
    assert_eq!(with_key(&app, key).await, 429, "the key's own two a minute");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(with_key(&app, key).await, 401, "expired, though cached");
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[actix_web::test]
            async fn $name() {
                super::$name(super::sqlite().await).await;
            })*
        }
        mod postgres {
            $(#[actix_web::test]
            async fn $name() {
                super::$name(super::postgres().await).await;
            })*
        }
    };
}

on_both_backends!(
    an_issued_key_works_within_its_scopes_once_shown_and_stops_when_revoked,
    bad_keys_bad_requests_and_other_divisions_are_refused,
    a_retry_with_the_same_idempotency_key_issues_no_second_key,
    a_key_expires_and_its_own_rate_limit_holds,
);

//! Gateway integration tests: a real gateway in front of a real echo upstream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use futures::stream;
use govhall_gateway::dev_issuer::DevIssuer;
use helpers::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PRINCIPAL: &str = "x-govhall-principal";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

#[actix_web::test]
async fn a_request_is_forwarded_with_its_method_path_query_and_body() {
    let app = spawn_app().await;
    let token = app.token_for(&citizen());
    let response = app
        .client
        .put(app.url("/api/v1/cases/C-2026-001/materials?kind=license&page=2"))
        .bearer_auth(&token)
        .content_type("application/json")
        .send_body(r#"{"name":"营业执照"}"#)
        .await
        .unwrap();
    let echo = echo_of(response).await;
    assert_eq!(echo.method, "PUT");
    assert_eq!(echo.path, "/api/v1/cases/C-2026-001/materials");
    assert_eq!(echo.query, "kind=license&page=2");
    assert_eq!(echo.body_len, r#"{"name":"营业执照"}"#.len());
    assert_eq!(echo.header("content-length"), Some(echo.body_len.to_string().as_str()));
    assert_eq!(echo.header("content-type"), Some("application/json"));
    assert_eq!(echo.header("x-forwarded-proto"), Some("http"));
    assert_eq!(echo.header("x-forwarded-for"), Some("127.0.0.1"));
    assert!(echo.header("x-forwarded-host").unwrap().starts_with("127.0.0.1:"));
    assert_eq!(echo.header("authorization"), None, "the bearer token stays at the gateway");
}

#[actix_web::test]
async fn a_three_mebibyte_body_streams_through_to_the_upstream() {
    let app = spawn_app().await;
    let token = app.token_for(&citizen());
    let chunks = stream::iter((0..48).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![7u8; 64 * 1024]))));
    let response = app.post("/api/v1/cases").bearer_auth(&token).send_stream(chunks).await.unwrap();
    let echo = echo_of(response).await;
    assert_eq!(echo.body_len, BIG);
    assert_eq!(echo.method, "POST");
}

#[actix_web::test]
async fn a_large_upstream_response_streams_back_to_the_caller() {
    let app = spawn_app().await;
    let mut response = app.get("/api/v1/matters/big").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.body().limit(2 * BIG).await.unwrap();
    assert_eq!(body.len(), BIG);
}

#[actix_web::test]
async fn hop_by_hop_headers_are_stripped_from_the_response() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/matters").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers.get("x-upstream").unwrap(), "echo");
    for hop in ["keep-alive", "proxy-authenticate", "trailer"] {
        assert!(headers.get(hop).is_none(), "{hop} passed back to the caller");
    }
}

#[actix_web::test]
async fn hop_by_hop_headers_and_connection_listed_headers_are_stripped_from_the_request() {
    let app = spawn_app().await;
    // awc manages `Connection` itself, so this request is written by hand.
    let mut socket = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
    let request = "GET /api/v1/matters/hops HTTP/1.1\r\nHost: gateway.test\r\nConnection: close, x-drop-me\r\n\
        X-Drop-Me: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n\
        X-Keep-Me: yes\r\n\r\n";
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut raw)).await.unwrap().unwrap();
    let raw = String::from_utf8(raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    let json = &raw[raw.find('{').unwrap()..=raw.rfind('}').unwrap()];
    let echo: Echo = serde_json::from_str(json).unwrap();
    for hop in ["x-drop-me", "keep-alive", "te", "proxy-authorization"] {
        assert_eq!(echo.header(hop), None, "{hop} reached the upstream");
    }
    assert!(!echo.header("connection").unwrap_or_default().contains("x-drop-me"));
    assert_eq!(echo.header("x-keep-me"), Some("yes"));
    assert_eq!(echo.header("x-forwarded-host"), Some("gateway.test"));
}

#[actix_web::test]
async fn a_request_id_is_generated_when_absent_and_preserved_when_given() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/matters").send().await.unwrap();
    let generated = response.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    assert!(!generated.is_empty());
    assert_eq!(echo_of(response).await.header("x-request-id"), Some(generated.as_str()));

    let response = app.get("/api/v1/matters").insert_header(("x-request-id", "req-from-caller-1")).send().await.unwrap();
    assert_eq!(response.headers().get("x-request-id").unwrap(), "req-from-caller-1");
    assert_eq!(echo_of(response).await.header("x-request-id"), Some("req-from-caller-1"));
}

#[actix_web::test]
async fn the_forwarded_traceparent_continues_the_callers_trace_in_a_gateway_span() {
    let app = spawn_app().await;
    let incoming = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    let response = app.get("/api/v1/calendar/2026").insert_header(("traceparent", incoming.as_str())).send().await.unwrap();
    let echo = echo_of(response).await;
    let forwarded = echo.header("traceparent").unwrap();
    let parts: Vec<&str> = forwarded.split('-').collect();
    assert_eq!(parts.len(), 4, "{forwarded}");
    assert_eq!(parts[1], TRACE_ID);
    assert_ne!(parts[2], "00f067aa0ba902b7", "the upstream's parent is the gateway's span");

    let echo = echo_of(app.get("/api/v1/calendar/2026").send().await.unwrap()).await;
    assert!(echo.header("traceparent").unwrap().starts_with("00-"), "a new trace starts at the gateway");
}

#[actix_web::test]
async fn a_forged_principal_header_is_removed_before_forwarding() {
    let app = spawn_app().await;
    let forged = app.internal_key.sign(&reviewer()).unwrap();
    let response = app.get("/api/v1/matters/M-1").insert_header((PRINCIPAL, forged.as_str())).send().await.unwrap();
    assert_eq!(echo_of(response).await.header(PRINCIPAL), None);
}

#[actix_web::test]
async fn an_anonymous_post_is_refused_with_401_and_never_reaches_the_upstream() {
    let app = spawn_app().await;
    let forged = app.internal_key.sign(&reviewer()).unwrap();
    let response = app.post("/api/v1/matters").insert_header((PRINCIPAL, forged.as_str())).send_body("{}").await.unwrap();
    assert_eq!(response.headers().get("www-authenticate").unwrap(), "Bearer");
    assert_problem(response, 401, "unauthorized").await;
    assert_eq!(app.upstream.hits(), 0);
}

#[actix_web::test]
async fn anonymous_callers_may_read_matters_and_the_calendar_but_nothing_else() {
    let app = spawn_app().await;
    for path in ["/api/v1/matters", "/api/v1/matters/M-1/guide", "/api/v1/calendar"] {
        assert_eq!(app.get(path).send().await.unwrap().status(), 200, "{path}");
    }
    for path in ["/api/v1/cases", "/api/v1/clocks/1", "/api/v1/reviews", "/api/v1/tasks", "/api/v1/divisions", "/api/v1/transfers", "/api/v1/routes"] {
        assert_problem(app.get(path).send().await.unwrap(), 401, "unauthorized").await;
    }
    assert_eq!(app.upstream.hits(), 3);
}

#[actix_web::test]
async fn a_valid_dev_token_forwards_a_principal_signed_with_the_internal_key() {
    let app = spawn_app().await;
    let token = app.token_for(&reviewer());
    let response = app
        .post("/api/v1/reviews/R-9/decision")
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
    assert_eq!(principal.roles, vec![govhall_web::Role::Reviewer, govhall_web::Role::Leader]);
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
    let expired = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&app.dev_secret())).unwrap();
    let response = app.get("/api/v1/matters").bearer_auth(&expired).send().await.unwrap();
    assert!(response.headers().get("www-authenticate").unwrap().to_str().unwrap().starts_with("Bearer"));
    let problem = assert_problem(response, 401, "invalid_token").await;
    assert_eq!(problem.detail.as_deref(), Some("the token has expired"));
    assert_eq!(app.upstream.hits(), 0);
}

#[actix_web::test]
async fn a_token_signed_with_another_key_is_refused_with_401_problem_json() {
    let app = spawn_app().await;
    let other = DevIssuer::load_or_create(&temp_key_file()).unwrap();
    let token = other.mint(&reviewer(), Duration::from_secs(600)).unwrap();
    let response = app.get("/api/v1/matters").bearer_auth(&token).send().await.unwrap();
    assert!(response.headers().contains_key("www-authenticate"));
    assert_problem(response, 401, "invalid_token").await;

    let response = app.get("/api/v1/matters").insert_header(("authorization", "Basic Zm9vOmJhcg==")).send().await.unwrap();
    assert_problem(response, 401, "invalid_token").await;
}

#[actix_web::test]
async fn without_an_identity_provider_every_bearer_token_is_refused() {
    let app = spawn_app_with(Options { with_dev_issuer: false, ..Options::default() }).await;
    let token = app.token_for(&reviewer());
    let response = app.get("/api/v1/matters").bearer_auth(&token).send().await.unwrap();
    let problem = assert_problem(response, 401, "no_identity_provider").await;
    assert!(problem.detail.unwrap().contains("no identity provider is configured"));
    // Anonymous reads still work.
    assert_eq!(app.get("/api/v1/matters").send().await.unwrap().status(), 200);
}

#[actix_web::test]
async fn an_unreachable_upstream_is_a_502_problem() {
    let app = spawn_app_with(Options { joint_unreachable: true, ..Options::default() }).await;
    let token = app.token_for(&reviewer());
    let started = Instant::now();
    let response = app.get("/api/v1/divisions/320102").bearer_auth(&token).send().await.unwrap();
    assert_problem(response, 502, "upstream_unavailable").await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[actix_web::test]
async fn a_slow_upstream_is_a_504_problem_once_the_timeout_passes() {
    let app = spawn_app_with(Options { upstream_timeout: Duration::from_millis(300), ..Options::default() }).await;
    let started = Instant::now();
    let response = app.get("/api/v1/matters/slow").send().await.unwrap();
    assert_problem(response, 504, "upstream_timeout").await;
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[actix_web::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    for path in ["/api/v1/unknown", "/api/v1/mattersx", "/nothing-here"] {
        assert_problem(app.get(path).send().await.unwrap(), 404, "route_not_found").await;
    }
    assert_eq!(app.upstream.hits(), 0);
}

#[actix_web::test]
async fn dot_segments_in_the_path_are_a_400_problem() {
    let app = spawn_app().await;
    for path in ["/api/v1/matters/../reviews", "/api/v1/matters/%2e%2e/reviews"] {
        assert_problem(app.get(path).send().await.unwrap(), 400, "bad_path").await;
    }
    assert_eq!(app.upstream.hits(), 0);
}

#[actix_web::test]
async fn the_openapi_document_is_the_one_given_in_the_settings() {
    let app = spawn_app().await;
    let mut response = app.get("/openapi.json").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let spec: serde_json::Value = response.json().await.unwrap();
    assert_eq!(spec, serde_json::to_value(test_openapi()).unwrap());
}

#[actix_web::test]
async fn the_docs_page_is_served_without_external_urls() {
    let app = spawn_app().await;
    let mut response = app.get("/docs/").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let html = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap().to_lowercase();
    assert!(html.contains("swagger"));
    for external in ["src=\"http://", "src=\"https://", "src='http", "href=\"http://", "href=\"https://", "unpkg", "jsdelivr", "cdnjs"] {
        assert!(!html.contains(external), "the docs page loads {external}");
    }
    let mut initializer = app.get("/docs/swagger-initializer.js").send().await.unwrap();
    assert_eq!(initializer.status(), 200);
    let js = String::from_utf8(initializer.body().await.unwrap().to_vec()).unwrap();
    assert!(js.contains("/openapi.json"), "{js}");
}

#[actix_web::test]
async fn readiness_reports_every_upstream_and_fails_when_one_is_down() {
    let app = spawn_app().await;
    let mut response = app.get("/readyz").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    for upstream in ["intake", "deadline", "approval", "joint"] {
        assert_eq!(body["checks"][upstream], "ok", "{body}");
    }
    assert_eq!(app.get("/healthz").send().await.unwrap().status(), 200);

    let app = spawn_app_with(Options { joint_unreachable: true, ..Options::default() }).await;
    let problem = assert_problem(app.get("/readyz").send().await.unwrap(), 503, "service_unavailable").await;
    assert!(problem.detail.unwrap().contains("joint"));
}

#[actix_web::test]
async fn cancelling_the_shutdown_token_stops_the_gateway() {
    let mut app = spawn_app().await;
    assert_eq!(app.get("/healthz").send().await.unwrap().status(), 200);
    app.shutdown.cancel();
    let server = app.server.take().unwrap();
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(40), server).await;
    eprintln!("stopped after {:?}", started.elapsed());
    r.unwrap().unwrap().unwrap();
    assert!(app.get("/healthz").send().await.is_err(), "the listener is closed");
}

#[actix_web::test]
async fn the_dev_issuer_reuses_its_stored_key_on_a_second_load() {
    let path = temp_key_file();
    let first = DevIssuer::load_or_create(&path).unwrap();
    let token = first.mint(&reviewer(), Duration::from_secs(60)).unwrap();
    let second = DevIssuer::load_or_create(&path).unwrap();
    assert_eq!(second.verify(&token).unwrap(), reviewer());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

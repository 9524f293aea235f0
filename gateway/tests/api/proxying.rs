//! Forwarding: method, path, query, bodies, headers and upstream failures.

use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use futures::stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

#[actix_web::test]
async fn a_request_is_forwarded_with_its_method_path_query_and_body() {
    let app = spawn_app().await;
    let token = app.token_for(&citizen());
    let response = app
        .client
        .put(app.url("/api/v1/drafts/D-2026-001?kind=license&page=2"))
        .bearer_auth(&token)
        .content_type("application/json")
        .send_body(r#"{"name":"营业执照"}"#)
        .await
        .unwrap();
    let echo = echo_of(response).await;
    assert_eq!(echo.method, "PUT");
    assert_eq!(echo.path, "/api/v1/drafts/D-2026-001");
    assert_eq!(echo.query, "kind=license&page=2");
    assert_eq!(echo.body_len, r#"{"name":"营业执照"}"#.len());
    assert_eq!(
        echo.header("content-length"),
        Some(echo.body_len.to_string().as_str())
    );
    assert_eq!(echo.header("content-type"), Some("application/json"));
    assert_eq!(echo.header("x-forwarded-proto"), Some("http"));
    assert_eq!(echo.header("x-forwarded-for"), Some("127.0.0.1"));
    assert!(
        echo.header("x-forwarded-host")
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    assert_eq!(
        echo.header("authorization"),
        None,
        "the bearer token stays at the gateway"
    );
}

#[actix_web::test]
async fn a_three_mebibyte_upload_streams_through_to_the_upstream() {
    let app = spawn_app().await;
    let token = app.token_for(&citizen());
    let chunks =
        stream::iter((0..48).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![7u8; 64 * 1024]))));
    let response = app
        .post("/api/v1/uploads/d-1?code=M1")
        .bearer_auth(&token)
        .send_stream(chunks)
        .await
        .unwrap();
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
        assert!(
            headers.get(hop).is_none(),
            "{hop} passed back to the caller"
        );
    }
}

#[actix_web::test]
async fn hop_by_hop_headers_and_connection_listed_headers_are_stripped_from_the_request() {
    let app = spawn_app().await;
    // awc manages `Connection` itself, so this request is written by hand.
    let mut socket = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    let request = "GET /api/v1/matters/hops HTTP/1.1\r\nHost: gateway.test\r\nConnection: close, x-drop-me\r\n\
        X-Drop-Me: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n\
        X-Keep-Me: yes\r\n\r\n";
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    let json = &raw[raw.find('{').unwrap()..=raw.rfind('}').unwrap()];
    let echo: Echo = serde_json::from_str(json).unwrap();
    for hop in ["x-drop-me", "keep-alive", "te", "proxy-authorization"] {
        assert_eq!(echo.header(hop), None, "{hop} reached the upstream");
    }
    assert!(
        !echo
            .header("connection")
            .unwrap_or_default()
            .contains("x-drop-me")
    );
    assert_eq!(echo.header("x-keep-me"), Some("yes"));
    assert_eq!(echo.header("x-forwarded-host"), Some("gateway.test"));
}

#[actix_web::test]
async fn a_request_id_is_generated_when_absent_and_preserved_when_given() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/matters").send().await.unwrap();
    let generated = response
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!generated.is_empty());
    assert_eq!(
        echo_of(response).await.header("x-request-id"),
        Some(generated.as_str())
    );

    let response = app
        .get("/api/v1/matters")
        .insert_header(("x-request-id", "req-from-caller-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers().get("x-request-id").unwrap(),
        "req-from-caller-1"
    );
    assert_eq!(
        echo_of(response).await.header("x-request-id"),
        Some("req-from-caller-1")
    );
}

#[actix_web::test]
async fn the_forwarded_traceparent_continues_the_callers_trace_in_a_gateway_span() {
    let app = spawn_app().await;
    let incoming = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    let response = app
        .get("/api/v1/calendar/years")
        .insert_header(("traceparent", incoming.as_str()))
        .send()
        .await
        .unwrap();
    let echo = echo_of(response).await;
    let forwarded = echo.header("traceparent").unwrap();
    let parts: Vec<&str> = forwarded.split('-').collect();
    assert_eq!(parts.len(), 4, "{forwarded}");
    assert_eq!(parts[1], TRACE_ID);
    assert_ne!(
        parts[2], "00f067aa0ba902b7",
        "the upstream's parent is the gateway's span"
    );

    let echo = echo_of(app.get("/api/v1/calendar/years").send().await.unwrap()).await;
    assert!(
        echo.header("traceparent").unwrap().starts_with("00-"),
        "a new trace starts at the gateway"
    );
}

#[actix_web::test]
async fn an_unreachable_upstream_is_a_502_problem() {
    let app = spawn_app_with(Options {
        joint_unreachable: true,
        ..Options::default()
    })
    .await;
    let token = app.token_for(&reviewer());
    let started = Instant::now();
    let response = app
        .get("/api/v1/divisions/320102")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(response, 502, "upstream_unavailable").await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[actix_web::test]
async fn a_slow_upstream_is_a_504_problem_once_the_timeout_passes() {
    let app = spawn_app_with(Options {
        upstream_timeout: Duration::from_millis(300),
        ..Options::default()
    })
    .await;
    let started = Instant::now();
    let response = app.get("/api/v1/matters/slow").send().await.unwrap();
    assert_problem(response, 504, "upstream_timeout").await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[actix_web::test]
async fn a_response_body_that_stalls_is_cut_off_after_the_timeout() {
    let app = spawn_app_with(Options {
        upstream_timeout: Duration::from_millis(300),
        ..Options::default()
    })
    .await;
    // Raw HTTP/1.1: awc accepts a chunked body that ends without its last chunk as complete.
    let mut socket = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    socket
        .write_all(b"GET /api/v1/matters/stall HTTP/1.1\r\nHost: gateway.test\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut raw))
        .await
        .expect("the gateway closes a stalled response instead of hanging")
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains("partial"), "{raw}");
    assert!(
        !raw.ends_with("0\r\n\r\n"),
        "the body must not look complete: {raw}"
    );
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
    for path in [
        "/api/v1/matters/../reviews",
        "/api/v1/matters/%2e%2e/reviews",
    ] {
        assert_problem(app.get(path).send().await.unwrap(), 400, "bad_path").await;
    }
    assert_eq!(app.upstream.hits(), 0);
}

//! One case's trip through every service is one trace, exported over OTLP by every process.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::{App, HttpResponse, HttpServer, web};
use govhall_web::Role;
use serde_json::json;

use crate::{cluster::Cluster, flow};

/// A minimal OTLP/HTTP collector: keeps every export request body it receives.
async fn collector() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let bodies: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let store = web::Data::new(bodies.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(store.clone())
            .app_data(web::PayloadConfig::new(16 << 20))
            .route(
                "/v1/traces",
                web::post().to(
                    |body: web::Bytes, store: web::Data<Arc<Mutex<Vec<Vec<u8>>>>>| async move {
                        store.lock().unwrap().push(body.to_vec());
                        // An empty ExportTraceServiceResponse is zero bytes of protobuf.
                        HttpResponse::Ok()
                            .content_type("application/x-protobuf")
                            .finish()
                    },
                ),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    (format!("http://127.0.0.1:{port}"), bodies)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[actix_web::test]
async fn a_case_is_one_trace_across_the_gateway_every_service_and_the_broker() {
    let (endpoint, bodies) = collector().await;
    let mut cluster = Cluster::new().await;
    cluster
        .env
        .push(("GOVHALL_TELEMETRY__OTLP_ENDPOINT".into(), endpoint));
    cluster
        .env
        .push(("OTEL_BSP_SCHEDULE_DELAY".into(), "200".into()));
    for service in ["intake", "deadline", "approval", "joint"] {
        cluster.start(service).await;
    }
    cluster.start_gateway().await;
    let api = cluster.api();

    let trace_hex = format!("{:032x}", uuid::Uuid::new_v4().as_u128());
    let traceparent = format!("00-{trace_hex}-00f067aa0ba902b7-01");
    let citizen = cluster.tokens.citizen("citizen-trace");
    let body = flow::application(
        flow::SINGLE,
        flow::example_form(&api, flow::SINGLE).await,
        "11010519491231002X",
    );
    let created = api
        .post(
            "/api/v1/cases",
            Some(&citizen),
            &body,
            &[("traceparent", &traceparent)],
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let clerk = cluster
        .tokens
        .staff("clerk-t", &[Role::WindowClerk], flow::DIVISION, None);
    let accepted = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&clerk),
            &json!({}),
            &[("traceparent", &traceparent)],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    // Spans carry the trace id as 16 raw bytes in the protobuf; the resource carries the
    // process's service.name as UTF-8.
    let trace_bytes: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&trace_hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let services = [
        "govhall-gateway",
        "govhall-intake",
        "govhall-deadline",
        "govhall-approval",
        "govhall-joint",
    ];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        let missing: Vec<&str> = {
            let bodies = bodies.lock().unwrap();
            services
                .iter()
                .copied()
                .filter(|name| {
                    !bodies
                        .iter()
                        .any(|b| contains(b, name.as_bytes()) && contains(b, &trace_bytes))
                })
                .collect()
        };
        if missing.is_empty() {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            let bodies = bodies.lock().unwrap();
            let seen: Vec<&str> = services
                .iter()
                .copied()
                .filter(|n| bodies.iter().any(|b| contains(b, n.as_bytes())))
                .collect();
            panic!(
                "no span of trace {trace_hex} exported by {missing:?} ({} exports received, from {seen:?})",
                bodies.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

//! Routes the gateway serves itself: spec, docs, health and shutdown.

use std::time::Duration;

use crate::helpers::*;

#[actix_web::test]
async fn the_openapi_document_is_the_one_given_in_the_settings() {
    let app = spawn_app().await;
    let mut response = app.get("/openapi.json").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let spec: serde_json::Value = response.json().await.unwrap();
    assert_eq!(spec, serde_json::to_value(test_openapi()).unwrap());
}

#[actix_web::test]
async fn the_asyncapi_document_is_served_as_yaml_without_login() {
    let app = spawn_app().await;
    let mut response = app.get("/asyncapi.yaml").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/yaml")
    );
    let body = response.body().await.unwrap();
    assert!(body.starts_with(b"asyncapi: 3.0.0"));
}

#[actix_web::test]
async fn the_docs_page_is_served_without_external_urls() {
    let app = spawn_app().await;
    let redirect = app.get("/docs").send().await.unwrap();
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.headers().get("location").unwrap(), "/docs/");

    let mut response = app.get("/docs/").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8(response.body().await.unwrap().to_vec())
        .unwrap()
        .to_lowercase();
    assert!(html.contains("swagger"));
    for external in [
        "src=\"http://",
        "src=\"https://",
        "src='http",
        "href=\"http://",
        "href=\"https://",
        "unpkg",
        "jsdelivr",
        "cdnjs",
    ] {
        assert!(!html.contains(external), "the docs page loads {external}");
    }
    let mut initializer = app
        .get("/docs/swagger-initializer.js")
        .send()
        .await
        .unwrap();
    assert_eq!(initializer.status(), 200);
    let js = String::from_utf8(initializer.body().await.unwrap().to_vec()).unwrap();
    assert!(js.contains("/openapi.json"), "{js}");
}

#[actix_web::test]
async fn readiness_reports_every_upstream_and_stays_ready_while_one_is_down() {
    let app = spawn_app().await;
    let mut response = app.get("/readyz").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["checks"]["upstreams"], "ok", "{body}");
    for upstream in ["intake", "deadline", "approval", "joint"] {
        assert_eq!(body["details"]["upstreams"][upstream], "ok", "{body}");
    }
    assert_eq!(app.get("/healthz").send().await.unwrap().status(), 200);

    // One service down: its routes answer 502, the gateway still serves the rest, so it stays
    // in the load balancer and says which upstream is missing.
    let app = spawn_app_with(Options {
        joint_unreachable: true,
        ..Options::default()
    })
    .await;
    let mut response = app.get("/readyz").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["details"]["upstreams"]["joint"], "unavailable",
        "{body}"
    );
    assert_eq!(body["details"]["upstreams"]["intake"], "ok", "{body}");
}

#[actix_web::test]
async fn readiness_fails_when_no_upstream_answers() {
    let app = spawn_app_with(Options {
        all_unreachable: true,
        ..Options::default()
    })
    .await;
    let problem = assert_problem(
        app.get("/readyz").send().await.unwrap(),
        503,
        "service_unavailable",
    )
    .await;
    assert!(problem.detail.unwrap().contains("upstreams"));
}

#[actix_web::test]
async fn cancelling_the_shutdown_token_lets_in_flight_requests_finish_and_stops_the_gateway() {
    let mut app = spawn_app().await;
    assert_eq!(app.get("/healthz").send().await.unwrap().status(), 200);
    // The upstream holds this request for half a second; the stop arrives meanwhile.
    let in_flight = app.get("/api/v1/matters/pause").send();
    let stop = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        app.shutdown.cancel();
    };
    let (response, ()) = tokio::join!(in_flight, stop);
    assert_eq!(
        echo_of(response.unwrap()).await.path,
        "/api/v1/matters/pause"
    );
    let server = app.server.take().unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        app.get("/healthz").send().await.is_err(),
        "the listener is closed"
    );
}

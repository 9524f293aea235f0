//! Body size limits per operation and CORS for browser clients.

use actix_web::web::Bytes;
use futures::stream;

use crate::helpers::*;

const HALL: &str = "https://hall.example.gov.cn";

#[actix_web::test]
async fn a_body_over_the_operations_limit_is_a_413_whether_declared_or_streamed() {
    let app = spawn_app().await;
    let token = app.token_for(&citizen());
    // Declared: refused before anything is forwarded.
    let response = app
        .post("/api/v1/cases")
        .bearer_auth(&token)
        .content_type("application/json")
        .send_body(vec![b' '; BIG])
        .await
        .unwrap();
    let problem = assert_problem(response, 413, "body_too_large").await;
    assert!(problem.detail.unwrap().contains("2 MiB"));
    assert_eq!(app.upstream.hits(), 0);

    // Chunked, no length: broken off once the limit is passed.
    let chunks =
        stream::iter((0..48).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 64 * 1024]))));
    let response = app
        .post("/api/v1/cases")
        .bearer_auth(&token)
        .send_stream(chunks)
        .await
        .unwrap();
    assert_problem(response, 413, "body_too_large").await;

    // The same size is fine where files are uploaded.
    let response = app
        .post("/api/v1/uploads/d-1?code=M1")
        .bearer_auth(&token)
        .send_body(vec![b'x'; BIG])
        .await
        .unwrap();
    assert_eq!(echo_of(response).await.body_len, BIG);
}

#[actix_web::test]
async fn a_configured_origin_gets_cors_answers_and_others_get_none() {
    let app = spawn_app_with(Options {
        cors_origins: vec![HALL.into()],
        ..Options::default()
    })
    .await;
    let preflight = app
        .client
        .request(actix_web::http::Method::OPTIONS, app.url("/api/v1/cases"))
        .insert_header(("origin", HALL))
        .insert_header(("access-control-request-method", "POST"))
        .insert_header((
            "access-control-request-headers",
            "authorization, content-type, idempotency-key",
        ))
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let header = |name: &str| {
        preflight
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
    };
    assert_eq!(header("access-control-allow-origin").as_deref(), Some(HALL));
    assert!(
        header("access-control-allow-headers")
            .unwrap()
            .contains("idempotency-key")
    );
    assert_eq!(app.upstream.hits(), 0, "preflights stay at the gateway");

    let response = app
        .get("/api/v1/matters")
        .insert_header(("origin", HALL))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        HALL
    );
    let exposed = response
        .headers()
        .get("access-control-expose-headers")
        .unwrap()
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("retry-after"),
        "{exposed}"
    );

    let response = app
        .get("/api/v1/matters")
        .insert_header(("origin", "https://elsewhere.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "served, but the browser withholds it"
    );
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[actix_web::test]
async fn without_configured_origins_no_cors_headers_are_sent() {
    let app = spawn_app().await;
    let response = app
        .get("/api/v1/matters")
        .insert_header(("origin", HALL))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

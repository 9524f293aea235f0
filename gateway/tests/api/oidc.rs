//! Production tokens: OIDC JWTs verified against a real JWKS endpoint served over HTTP.

use std::{
    net::TcpListener,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use govhall_gateway::oidc::OidcSettings;
use jsonwebtoken::{
    Algorithm, EncodingKey, Header,
    jwk::{Jwk, JwkSet},
};
use serde_json::{Value, json};

use crate::helpers::*;

const ISSUER: &str = "https://idp.test/realms/js";
const AUDIENCE: &str = "govhall";
const RSA_1: &str = include_str!("../fixtures/idp-rsa-1.pem");
const RSA_1_PUBLIC: &str = include_str!("../fixtures/idp-rsa-1.pub.pem");
const RSA_2: &str = include_str!("../fixtures/idp-rsa-2.pem");
const EC_1: &str = include_str!("../fixtures/idp-ec-1.pem");

/// A pretend identity provider: its JWKS endpoint, with the published keys swappable, and a
/// token endpoint that hands out `issued` for the code `good-code`, remembering each form.
struct Provider {
    url: url::Url,
    keys: Arc<Mutex<JwkSet>>,
    fetches: Arc<AtomicUsize>,
    issued: Arc<Mutex<String>>,
    token_forms: Arc<Mutex<Vec<std::collections::HashMap<String, String>>>>,
    _stop: tokio_util::sync::DropGuard,
}

impl Provider {
    fn endpoint(&self, path: &str) -> url::Url {
        self.url.join(path).unwrap()
    }
}

fn jwk(pem: &str, alg: Algorithm, kid: &str) -> Jwk {
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    let mut jwk = Jwk::from_encoding_key(&key, alg).unwrap();
    jwk.common.key_id = Some(kid.into());
    jwk
}

async fn provider(keys: Vec<Jwk>) -> Provider {
    let keys = Arc::new(Mutex::new(JwkSet { keys }));
    let fetches = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let issued = Arc::new(Mutex::new(String::new()));
    let token_forms = Arc::new(Mutex::new(Vec::new()));
    let (served, counted) = (keys.clone(), fetches.clone());
    let (to_issue, forms) = (issued.clone(), token_forms.clone());
    let server = HttpServer::new(move || {
        let (served, counted) = (served.clone(), counted.clone());
        let (to_issue, forms) = (to_issue.clone(), forms.clone());
        App::new()
            .route(
                "/token",
                web::post().to(
                    move |form: web::Form<std::collections::HashMap<String, String>>| {
                        let (to_issue, forms) = (to_issue.clone(), forms.clone());
                        async move {
                            let good = form.get("code").map(String::as_str) == Some("good-code")
                                || (form.get("grant_type").map(String::as_str)
                                    == Some("refresh_token")
                                    && form.get("refresh_token").map(String::as_str)
                                        == Some("r-1"));
                            let next_refresh = if form.contains_key("code") {
                                "r-1"
                            } else {
                                "r-2"
                            };
                            forms.lock().unwrap().push(form.into_inner());
                            if good {
                                let token = to_issue.lock().unwrap().clone();
                                HttpResponse::Ok().json(json!({"access_token": token,
                                    "token_type": "Bearer", "expires_in": 600,
                                    "refresh_token": next_refresh, "refresh_expires_in": 1800}))
                            } else {
                                HttpResponse::BadRequest().json(json!({"error": "invalid_grant"}))
                            }
                        }
                    },
                ),
            )
            .route(
                "/certs",
                web::get().to(move || {
                    let (served, counted) = (served.clone(), counted.clone());
                    async move {
                        counted.fetch_add(1, Ordering::SeqCst);
                        let body = serde_json::to_string(&*served.lock().unwrap()).unwrap();
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body)
                    }
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    let stop = tokio_util::sync::CancellationToken::new();
    let cancelled = stop.clone();
    tokio::spawn(async move {
        cancelled.cancelled().await;
        handle.stop(false).await;
    });
    Provider {
        url: format!("http://127.0.0.1:{port}/certs").parse().unwrap(),
        keys,
        fetches,
        issued,
        token_forms,
        _stop: stop.drop_guard(),
    }
}

fn settings(provider: &Provider) -> OidcSettings {
    let mut settings = OidcSettings::new(ISSUER, vec![AUDIENCE.into()], provider.url.clone());
    settings.leeway = Duration::from_secs(5);
    settings.min_refresh_interval = Duration::from_secs(60);
    settings
}

/// A gateway that trusts the provider only (no development issuer).
async fn gateway(provider: &Provider) -> TestApp {
    spawn_app_with(Options {
        with_dev_issuer: false,
        oidc: Some(settings(provider)),
        ..Options::default()
    })
    .await
}

fn claims() -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "u-1001", "exp": now + 600, "nbf": now - 10,
        "iat": now - 10, "kind": "staff", "roles": ["window_clerk"], "division": "320102",
    })
}

fn sign(claims: &Value, pem: &str, alg: Algorithm, kid: &str) -> String {
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        Algorithm::HS256 => EncodingKey::from_secret(pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

async fn status_of(app: &TestApp, token: &str) -> u16 {
    app.get("/api/v1/queue")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn a_token_of_the_provider_forwards_its_principal() {
    let idp = provider(vec![jwk(RSA_1, Algorithm::RS256, "k1")]).await;
    let app = gateway(&idp).await;
    let token = sign(&claims(), RSA_1, Algorithm::RS256, "k1");
    let response = app
        .get("/api/v1/queue")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let echo = echo_of(response).await;
    let principal = app
        .internal_key
        .verify(echo.header("x-govhall-principal").unwrap())
        .unwrap();
    assert_eq!(principal.sub, "u-1001");
    assert_eq!(principal.roles, vec![govhall_web::Role::WindowClerk]);
    assert_eq!(principal.division.as_deref(), Some("320102"));

    // An EC key of the same provider works too, and the set is fetched once for both.
    idp.keys
        .lock()
        .unwrap()
        .keys
        .push(jwk(EC_1, Algorithm::ES256, "k-ec"));
    let ec = sign(&claims(), EC_1, Algorithm::ES256, "k-ec");
    assert_eq!(
        status_of(&app, &ec).await,
        200,
        "a key published later is fetched"
    );
    assert_eq!(status_of(&app, &token).await, 200);
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn bad_tokens_are_all_refused_with_401_and_never_reach_a_service() {
    let idp = provider(vec![jwk(RSA_1, Algorithm::RS256, "k1")]).await;
    let app = gateway(&idp).await;
    let now = chrono::Utc::now().timestamp();
    let good = sign(&claims(), RSA_1, Algorithm::RS256, "k1");
    let parts: Vec<&str> = good.split('.').collect();

    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    let alg_none = format!("{none_header}.{}.", parts[1]);
    // The classic confusion: HMAC "signed" with the provider's public key as the secret.
    let hs256_with_public_key = sign(&claims(), RSA_1_PUBLIC, Algorithm::HS256, "k1");
    let wrong_issuer = sign(
        &with(claims(), "iss", json!("https://other.test")),
        RSA_1,
        Algorithm::RS256,
        "k1",
    );
    let wrong_audience = sign(
        &with(claims(), "aud", json!("another-app")),
        RSA_1,
        Algorithm::RS256,
        "k1",
    );
    let expired = sign(
        &with(claims(), "exp", json!(now - 600)),
        RSA_1,
        Algorithm::RS256,
        "k1",
    );
    let not_yet_valid = sign(
        &with(claims(), "nbf", json!(now + 600)),
        RSA_1,
        Algorithm::RS256,
        "k1",
    );
    let unknown_kid = sign(&claims(), RSA_2, Algorithm::RS256, "k-unknown");
    let wrong_key_for_kid = sign(&claims(), RSA_2, Algorithm::RS256, "k1");
    let tampered_payload = {
        let payload = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&with(claims(), "roles", json!(["admin", "window_clerk"]))).unwrap(),
        );
        format!("{}.{payload}.{}", parts[0], parts[2])
    };
    let without_kid = {
        let header = Header::new(Algorithm::RS256);
        jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_rsa_pem(RSA_1.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let without_audience = {
        let mut c = claims();
        c.as_object_mut().unwrap().remove("aud");
        sign(&c, RSA_1, Algorithm::RS256, "k1")
    };

    for (name, token) in [
        ("alg none", alg_none),
        (
            "HS256 signed with the RSA public key",
            hs256_with_public_key,
        ),
        ("wrong iss", wrong_issuer),
        ("wrong aud", wrong_audience),
        ("expired", expired),
        ("not yet valid", not_yet_valid),
        ("unknown kid", unknown_kid),
        ("another key under a known kid", wrong_key_for_kid),
        ("tampered payload", tampered_payload),
        ("no kid", without_kid),
        ("no aud", without_audience),
    ] {
        let response = app
            .get("/api/v1/queue")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(
            response
                .headers()
                .get("www-authenticate")
                .is_some_and(|v| v.to_str().unwrap().contains("invalid_token")),
            "{name}"
        );
        let problem = assert_problem(response, 401, "invalid_token").await;
        assert!(problem.detail.is_some(), "{name}");
    }
    assert_eq!(app.upstream.hits(), 0);
    assert_eq!(
        status_of(&app, &good).await,
        200,
        "the good token still works"
    );
}

#[actix_web::test]
async fn unknown_key_ids_refetch_the_key_set_at_most_once_per_interval() {
    let idp = provider(vec![jwk(RSA_1, Algorithm::RS256, "k1")]).await;
    let app = gateway(&idp).await;
    assert_eq!(
        status_of(&app, &sign(&claims(), RSA_1, Algorithm::RS256, "k1")).await,
        200
    );
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 1);
    // A flood of made-up key ids: one refetch, then the interval holds.
    for i in 0..5 {
        let token = sign(&claims(), RSA_2, Algorithm::RS256, &format!("made-up-{i}"));
        assert_eq!(status_of(&app, &token).await, 401);
    }
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn a_rotated_key_is_picked_up_on_first_use() {
    let idp = provider(vec![jwk(RSA_1, Algorithm::RS256, "k1")]).await;
    let app = gateway(&idp).await;
    assert_eq!(
        status_of(&app, &sign(&claims(), RSA_1, Algorithm::RS256, "k1")).await,
        200
    );
    // The provider rotates: k2 replaces k1.
    idp.keys.lock().unwrap().keys = vec![jwk(RSA_2, Algorithm::RS256, "k2")];
    assert_eq!(
        status_of(&app, &sign(&claims(), RSA_2, Algorithm::RS256, "k2")).await,
        200
    );
}

#[actix_web::test]
async fn a_client_credentials_token_is_an_integrator_held_to_its_scopes() {
    let idp = provider(vec![jwk(RSA_1, Algorithm::RS256, "k1")]).await;
    let app = gateway(&idp).await;
    let now = chrono::Utc::now().timestamp();
    let client = |scope: &str| {
        sign(
            &json!({
                "iss": ISSUER, "aud": AUDIENCE, "sub": "service-account-9", "azp": "city-portal",
                "exp": now + 600, "iat": now, "scope": scope,
            }),
            RSA_1,
            Algorithm::RS256,
            "k1",
        )
    };
    let reader = client("cases:read");
    let response = app
        .post("/api/v1/cases")
        .bearer_auth(&reader)
        .send_body("{}")
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    let problem = assert_problem(response, 403, "insufficient_scope").await;
    assert!(problem.detail.unwrap().contains("cases:write"));
    assert_eq!(app.upstream.hits(), 0);

    let writer = client("cases:read cases:write");
    let response = app
        .post("/api/v1/cases")
        .bearer_auth(&writer)
        .send_body("{}")
        .await
        .unwrap();
    let echo = echo_of(response).await;
    let principal = app
        .internal_key
        .verify(echo.header("x-govhall-principal").unwrap())
        .unwrap();
    assert_eq!(principal.kind, govhall_web::PrincipalKind::Integrator);
    assert_eq!(principal.sub, "city-portal");
    // Integrators never pass staff routes, whatever scopes they hold.
    let response = app
        .get("/api/v1/queue")
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, "forbidden").await;
}

/// The web hall's sign-in at the provider: a gateway configured for the authorization code
/// flow (no development issuer).
async fn hall_gateway(idp: &Provider) -> TestApp {
    spawn_app_with(Options {
        with_dev_issuer: false,
        oidc: Some(settings(idp)),
        oidc_login: Some(govhall_portal::OidcLogin {
            authorization_url: idp.endpoint("/auth"),
            token_url: idp.endpoint("/token"),
            client_id: "govhall-hall".into(),
            client_secret: Some("s3cret".into()),
            redirect_url: None,
            scope: "openid".into(),
        }),
        ..Options::default()
    })
    .await
}

fn set_cookie(response: &awc::ClientResponse<impl futures::Stream>, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

#[actix_web::test]
async fn the_web_hall_signs_in_at_the_provider_with_the_code_flow_and_pkce() {
    let idp = provider(vec![jwk(RSA_1, Algorithm::RS256, "k1")]).await;
    *idp.issued.lock().unwrap() = sign(&claims(), RSA_1, Algorithm::RS256, "k1");
    let app = hall_gateway(&idp).await;

    // The login page offers the provider.
    let mut page = app.get("/login?next=/counter").send().await.unwrap();
    let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
    assert!(
        html.contains("href=\"/login/oidc?next=/counter\""),
        "{html}"
    );

    // Off to the provider, with state and an S256 challenge.
    let started = app.get("/login/oidc?next=/counter").send().await.unwrap();
    assert_eq!(started.status().as_u16(), 303);
    let location: url::Url = started
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        location
            .as_str()
            .starts_with(idp.endpoint("/auth").as_str())
    );
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "govhall-hall");
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(
        query["redirect_uri"].ends_with("/login/callback"),
        "{query:?}"
    );
    let flow = set_cookie(&started, "govhall_oidc").expect("the flow cookie");

    // Back with a code but another state: refused, nobody signed in.
    let forged = app
        .get("/login/callback?code=good-code&state=forged")
        .insert_header(("Cookie", flow.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert!(set_cookie(&forged, "govhall_session").is_none());

    // Back with the code and the state: the code is exchanged with the verifier.
    let back = app
        .get(&format!(
            "/login/callback?code=good-code&state={}",
            query["state"]
        ))
        .insert_header(("Cookie", flow.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status().as_u16(), 303);
    assert_eq!(
        back.headers().get("location").unwrap(),
        "/counter?ok=signed_in"
    );
    let session = set_cookie(&back, "govhall_session").expect("a session");
    assert_eq!(
        session,
        format!("govhall_session={}", idp.issued.lock().unwrap())
    );
    let forms = idp.token_forms.lock().unwrap().clone();
    let exchange = forms.last().unwrap();
    assert_eq!(exchange["grant_type"], "authorization_code");
    assert_eq!(exchange["client_secret"], "s3cret");
    assert_eq!(exchange["redirect_uri"], query["redirect_uri"]);
    let verifier = &exchange["code_verifier"];
    let challenge =
        URL_SAFE_NO_PAD.encode(<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
    assert_eq!(
        challenge, query["code_challenge"],
        "PKCE: the verifier matches the challenge"
    );

    // A code the provider refuses, or a token the gateway would not accept, signs nobody in.
    let refused = app
        .get(&format!(
            "/login/callback?code=stale&state={}",
            query["state"]
        ))
        .insert_header(("Cookie", flow.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(set_cookie(&refused, "govhall_session").is_none());
    *idp.issued.lock().unwrap() = sign(
        &with(claims(), "aud", json!("another-app")),
        RSA_1,
        Algorithm::RS256,
        "k1",
    );
    let foreign = app
        .get(&format!(
            "/login/callback?code=good-code&state={}",
            query["state"]
        ))
        .insert_header(("Cookie", flow))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 403);
    assert!(set_cookie(&foreign, "govhall_session").is_none());
}

#[actix_web::test]
async fn an_expired_web_hall_session_is_renewed_with_the_refresh_token() {
    let idp = provider(vec![jwk(RSA_1, Algorithm::RS256, "k1")]).await;
    *idp.issued.lock().unwrap() = sign(&claims(), RSA_1, Algorithm::RS256, "k1");
    let app = hall_gateway(&idp).await;
    let started = app.get("/login/oidc?next=/").send().await.unwrap();
    let location: url::Url = started
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let state = location
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let back = app
        .get(&format!("/login/callback?code=good-code&state={state}"))
        .insert_header(("Cookie", set_cookie(&started, "govhall_oidc").unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        set_cookie(&back, "govhall_refresh").as_deref(),
        Some("govhall_refresh=r-1")
    );

    // The access token expired; the next page renews it with the refresh token.
    let now = chrono::Utc::now().timestamp();
    let expired = sign(
        &with(
            with(claims(), "exp", json!(now - 120)),
            "iat",
            json!(now - 900),
        ),
        RSA_1,
        Algorithm::RS256,
        "k1",
    );
    let fresh = sign(
        &with(claims(), "jti", json!("renewed")),
        RSA_1,
        Algorithm::RS256,
        "k1",
    );
    *idp.issued.lock().unwrap() = fresh.clone();
    let mut page = app
        .get("/login")
        .insert_header((
            "Cookie",
            format!("govhall_session={expired}; govhall_refresh=r-1"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        set_cookie(&page, "govhall_session"),
        Some(format!("govhall_session={fresh}"))
    );
    assert_eq!(
        set_cookie(&page, "govhall_refresh").as_deref(),
        Some("govhall_refresh=r-2"),
        "a rotated refresh token replaces the old one"
    );
    let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
    assert!(html.contains("您好，u-1001"), "signed in again: {html}");
    let last = idp.token_forms.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last["grant_type"], "refresh_token");

    // A refresh token the provider refuses leaves the person signed out.
    let mut refused = app
        .get("/login")
        .insert_header((
            "Cookie",
            format!("govhall_session={expired}; govhall_refresh=r-stale"),
        ))
        .send()
        .await
        .unwrap();
    assert!(set_cookie(&refused, "govhall_session").is_none());
    let html = String::from_utf8(refused.body().await.unwrap().to_vec()).unwrap();
    assert!(!html.contains("您好"), "{html}");
}

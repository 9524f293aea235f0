//! Rate limits: per client IP and per principal, in process and on the real Redis shared by
//! two gateway instances.

use std::sync::Arc;

use govhall_cache::{Cache, RedisCache};
use govhall_gateway::limits::{Quota, RateLimits};
use govhall_web::{Principal, PrincipalKind};

use crate::helpers::*;

fn redis(prefix: &str) -> Arc<dyn Cache> {
    let url = std::env::var("GOVHALL_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    Arc::new(RedisCache::new(&url, prefix).unwrap())
}

fn limits(per_ip: u32, per_principal: u32) -> RateLimits {
    RateLimits {
        per_ip: Quota::per_minute(per_ip),
        per_principal: Quota::per_minute(per_principal),
        ..RateLimits::default()
    }
}

async fn status(app: &TestApp, token: Option<&str>) -> (u16, Option<String>) {
    let mut request = app.get("/api/v1/cases");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status().as_u16(), retry)
}

#[actix_web::test]
async fn one_client_address_is_held_to_its_rate_with_a_429_and_retry_after() {
    let app = spawn_app_with(Options {
        rate_limits: limits(3, 0),
        ..Options::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.get("/api/v1/matters").send().await.unwrap().status(),
            200
        );
    }
    let response = app.get("/api/v1/matters").send().await.unwrap();
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // Three a minute: the next slot frees within twenty seconds.
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    let problem = assert_problem(response, 429, "rate_limited").await;
    assert!(problem.detail.unwrap().contains("retry after"));
    assert_eq!(
        app.upstream.hits(),
        3,
        "refused requests never reach a service"
    );
}

#[actix_web::test]
async fn each_principal_has_its_own_budget_and_integrators_their_own_quota() {
    let mut rate_limits = limits(0, 2);
    rate_limits
        .integrators
        .insert("city-portal".into(), Quota::per_minute(5));
    let app = spawn_app_with(Options {
        rate_limits,
        ..Options::default()
    })
    .await;
    let first = app.token_for(&citizen());
    let second = app.token_for(&Principal {
        sub: "citizen-2".into(),
        ..citizen()
    });
    assert_eq!(status(&app, Some(&first)).await.0, 200);
    assert_eq!(status(&app, Some(&first)).await.0, 200);
    let (code, retry) = status(&app, Some(&first)).await;
    assert_eq!(code, 429);
    assert!(retry.is_some());
    assert_eq!(
        status(&app, Some(&second)).await.0,
        200,
        "another citizen is not held back by the first one's budget"
    );

    let portal = Principal {
        sub: "city-portal".into(),
        kind: PrincipalKind::Integrator,
        roles: vec![],
        division: None,
        department: None,
    };
    let portal = app
        .dev_issuer
        .mint_scoped(
            &portal,
            &["cases:read".to_owned()],
            std::time::Duration::from_secs(600),
        )
        .unwrap();
    for i in 0..5 {
        assert_eq!(status(&app, Some(&portal)).await.0, 200, "request {i}");
    }
    assert_eq!(status(&app, Some(&portal)).await.0, 429);
}

#[actix_web::test]
async fn two_gateways_on_one_redis_share_a_principals_budget() {
    let prefix = format!("gw{}:", uuid::Uuid::new_v4().simple());
    let options = || Options {
        rate_limits: limits(0, 5),
        limiter_store: Some(redis(&prefix)),
        ..Options::default()
    };
    let a = spawn_app_with(options()).await;
    let b = spawn_app_with(options()).await;
    // Each gateway has its own development issuer; the budget follows the principal.
    let via_a = a.token_for(&citizen());
    let via_b = b.token_for(&citizen());
    for _ in 0..3 {
        assert_eq!(status(&a, Some(&via_a)).await.0, 200);
    }
    for _ in 0..2 {
        assert_eq!(status(&b, Some(&via_b)).await.0, 200);
    }
    assert_eq!(
        status(&a, Some(&via_a)).await.0,
        429,
        "five used across both"
    );
    let (code, retry) = status(&b, Some(&via_b)).await;
    assert_eq!(code, 429);
    assert!(retry.is_some());
    assert_eq!(a.upstream.hits() + b.upstream.hits(), 5);
}

#[actix_web::test]
async fn when_redis_is_unreachable_the_gateway_keeps_limiting_in_process() {
    let unreachable: Arc<dyn Cache> =
        Arc::new(RedisCache::new(&format!("redis://{}/", closed_url().authority()), "x:").unwrap());
    let app = spawn_app_with(Options {
        rate_limits: limits(2, 0),
        limiter_store: Some(unreachable),
        ..Options::default()
    })
    .await;
    assert_eq!(status(&app, None).await.0, 401, "served, not failed");
    assert_eq!(status(&app, None).await.0, 401);
    assert_eq!(status(&app, None).await.0, 429);
}

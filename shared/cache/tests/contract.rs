//! One contract, both caches: `MemoryCache` and `RedisCache` on the real Redis at
//! 127.0.0.1:6379 (or `GOVHALL_TEST_REDIS_URL`), each test under its own key prefix.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use govhall_cache::{Cache, MemoryCache, RedisCache};

fn redis() -> RedisCache {
    let url = std::env::var("GOVHALL_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    RedisCache::new(&url, format!("t{}:", uuid::Uuid::new_v4().simple())).unwrap()
}

async fn a_value_is_kept_until_its_ttl_and_can_be_deleted(cache: &dyn Cache) {
    assert_eq!(cache.get("k").await.unwrap(), None);
    cache
        .set("k", b"v1", Duration::from_millis(300))
        .await
        .unwrap();
    cache
        .set("other", b"x", Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(cache.get("k").await.unwrap().as_deref(), Some(&b"v1"[..]));
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(cache.get("k").await.unwrap(), None, "expired");
    cache.delete("other").await.unwrap();
    assert_eq!(cache.get("other").await.unwrap(), None, "deleted");
}

async fn a_window_counter_counts_and_restarts_after_its_window(cache: &dyn Cache) {
    let window = Duration::from_millis(400);
    for expected in 1..=3 {
        assert_eq!(cache.incr_window("rate", window).await.unwrap(), expected);
    }
    assert_eq!(
        cache.incr_window("another", window).await.unwrap(),
        1,
        "counters are per key"
    );
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert_eq!(
        cache.incr_window("rate", window).await.unwrap(),
        1,
        "a new window"
    );
}

async fn a_throttle_admits_a_burst_then_refuses_until_a_slot_frees(cache: &dyn Cache) {
    let period = Duration::from_millis(600);
    for i in 0..3 {
        assert_eq!(
            cache.throttle("caller", 3, period).await.unwrap(),
            None,
            "request {i} of the burst"
        );
    }
    let wait = cache
        .throttle("caller", 3, period)
        .await
        .unwrap()
        .expect("the fourth is refused");
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_millis(200),
        "one slot frees within period/limit: {wait:?}"
    );
    assert_eq!(
        cache.throttle("someone-else", 3, period).await.unwrap(),
        None,
        "limits are per key"
    );
    // Refused requests use nothing up: after the wait, one more is admitted.
    tokio::time::sleep(wait + Duration::from_millis(30)).await;
    assert_eq!(cache.throttle("caller", 3, period).await.unwrap(), None);
    assert!(cache.throttle("caller", 3, period).await.unwrap().is_some());
}

#[tokio::test]
async fn memory_a_throttle_admits_a_burst_then_refuses_until_a_slot_frees() {
    a_throttle_admits_a_burst_then_refuses_until_a_slot_frees(&MemoryCache::new()).await;
}

#[tokio::test]
async fn redis_a_throttle_admits_a_burst_then_refuses_until_a_slot_frees() {
    a_throttle_admits_a_burst_then_refuses_until_a_slot_frees(&redis()).await;
}

#[tokio::test]
async fn memory_a_value_is_kept_until_its_ttl_and_can_be_deleted() {
    a_value_is_kept_until_its_ttl_and_can_be_deleted(&MemoryCache::new()).await;
}

#[tokio::test]
async fn redis_a_value_is_kept_until_its_ttl_and_can_be_deleted() {
    a_value_is_kept_until_its_ttl_and_can_be_deleted(&redis()).await;
}

#[tokio::test]
async fn memory_a_window_counter_counts_and_restarts_after_its_window() {
    a_window_counter_counts_and_restarts_after_its_window(&MemoryCache::new()).await;
}

#[tokio::test]
async fn redis_a_window_counter_counts_and_restarts_after_its_window() {
    a_window_counter_counts_and_restarts_after_its_window(&redis()).await;
}

#[tokio::test]
async fn both_are_ready_when_reachable() {
    MemoryCache::new().ready().await.unwrap();
    redis().ready().await.unwrap();
}

#[tokio::test]
async fn redis_is_not_ready_when_unreachable_and_says_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cache = RedisCache::new(&format!("redis://127.0.0.1:{port}/"), "x:").unwrap();
    assert!(matches!(
        cache.ready().await,
        Err(govhall_cache::CacheError::Unavailable(_))
    ));
    assert!(cache.get("k").await.is_err());
}

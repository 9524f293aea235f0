#![doc = include_str!("../README.md")]
//!
//! Items: [`Cache`], [`CacheError`], [`MemoryCache`], [`RedisCache`].

mod memory;
mod redis_cache;

use std::time::Duration;

use async_trait::async_trait;

pub use memory::MemoryCache;
pub use redis_cache::RedisCache;

/// Why a cache operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The cache server cannot be reached.
    #[error("cache unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A key-value cache whose every entry expires.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// The value under `key`, unless absent or expired.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError>;
    /// Stores `value` under `key` for `ttl`.
    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError>;
    /// Removes `key`.
    async fn delete(&self, key: &str) -> Result<(), CacheError>;
    /// Adds one to the counter under `key`, which expires `window` after its first
    /// increment (a fixed-window rate limit), and returns the new count.
    async fn incr_window(&self, key: &str, window: Duration) -> Result<u64, CacheError>;
    /// Admits one request under `key` at most `limit` times per `period`, in bursts of up
    /// to `limit` (GCRA, the generic cell rate algorithm). `None` admits it; `Some(wait)`
    /// refuses it, and a request after `wait` would be admitted. Refused requests use
    /// nothing up.
    async fn throttle(
        &self,
        key: &str,
        limit: u32,
        period: Duration,
    ) -> Result<Option<Duration>, CacheError>;
    /// Is the cache reachable (for `/readyz`)?
    async fn ready(&self) -> Result<(), CacheError>;
}

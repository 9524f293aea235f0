//! The Redis cache of the distributed deployment.

use std::time::Duration;

use async_trait::async_trait;
use redis::{AsyncCommands, aio::ConnectionManager};
use tokio::sync::OnceCell;

use crate::{Cache, CacheError};

/// A cache in Redis, every key under `prefix`. The connection is made on first use and
/// re-established by the connection manager after Redis restarts, so a service starts
/// (and reports not ready) while Redis is down.
pub struct RedisCache {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    prefix: String,
}

impl RedisCache {
    /// A cache at `url` (`redis://host:6379/0`) with keys under `prefix`.
    pub fn new(url: &str, prefix: impl Into<String>) -> Result<Self, CacheError> {
        let client =
            redis::Client::open(url).map_err(|e| CacheError::Unavailable(e.to_string()))?;
        Ok(Self {
            client,
            connection: OnceCell::new(),
            prefix: prefix.into(),
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, CacheError> {
        let manager = self
            .connection
            .get_or_try_init(|| async {
                let connect = ConnectionManager::new(self.client.clone());
                match tokio::time::timeout(Duration::from_secs(3), connect).await {
                    Ok(Ok(manager)) => Ok(manager),
                    Ok(Err(e)) => Err(CacheError::Unavailable(e.to_string())),
                    Err(_) => Err(CacheError::Unavailable("connect timed out".into())),
                }
            })
            .await?;
        Ok(manager.clone())
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

/// GCRA in one atomic step: KEYS[1] holds the theoretical arrival time (µs, Redis clock);
/// ARGV[1] is the emission interval, ARGV[2] the period (µs). Returns 0 when admitted, else
/// the µs to wait.
const GCRA: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next = tat + interval
if next - now > period then
  return next - now - period
end
redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.ceil((next - now) / 1000))
return 0
";

fn unavailable(e: redis::RedisError) -> CacheError {
    CacheError::Unavailable(e.to_string())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        self.connection()
            .await?
            .get(self.key(key))
            .await
            .map_err(unavailable)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let mut conn = self.connection().await?;
        redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(millis(ttl))
            .query_async::<()>(&mut conn)
            .await
            .map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> Result<(), CacheError> {
        self.connection()
            .await?
            .del::<_, ()>(self.key(key))
            .await
            .map_err(unavailable)
    }

    async fn incr_window(&self, key: &str, window: Duration) -> Result<u64, CacheError> {
        let mut conn = self.connection().await?;
        let key = self.key(key);
        // One round trip, atomic: count, and start the window only on the first increment
        // (PEXPIRE … NX, Redis ≥ 7), so later increments do not extend it.
        let (count, _): (u64, i64) = redis::pipe()
            .atomic()
            .incr(&key, 1u64)
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(millis(window))
            .arg("NX")
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(count)
    }

    async fn throttle(
        &self,
        key: &str,
        limit: u32,
        period: Duration,
    ) -> Result<Option<Duration>, CacheError> {
        let mut conn = self.connection().await?;
        let interval = u64::try_from((period / limit.max(1)).as_micros()).unwrap_or(u64::MAX);
        let period = u64::try_from(period.as_micros()).unwrap_or(u64::MAX);
        // Redis's clock, not each replica's, so every gateway counts on one time line.
        let wait: u64 = redis::cmd("EVAL")
            .arg(GCRA)
            .arg(1)
            .arg(self.key(key))
            .arg(interval)
            .arg(period)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok((wait > 0).then(|| Duration::from_micros(wait)))
    }

    async fn ready(&self) -> Result<(), CacheError> {
        let mut conn = self.connection().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

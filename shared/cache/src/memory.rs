//! The in-process cache of the standalone binary.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard},
    time::Duration,
};

use async_trait::async_trait;
use tokio::time::Instant;

use crate::{Cache, CacheError};

/// Entries beyond which a write first sweeps out the expired ones.
const SWEEP_ABOVE: usize = 10_000;

/// A cache in this process's memory; expired entries vanish on read and are swept on write.
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
struct Entry {
    value: Vec<u8>,
    expires: Instant,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves a consistent map (every write is one insert).
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn sweep(entries: &mut HashMap<String, Entry>, now: Instant) {
        if entries.len() > SWEEP_ABOVE {
            entries.retain(|_, e| e.expires > now);
        }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let now = Instant::now();
        let mut entries = self.lock();
        match entries.get(key) {
            Some(e) if e.expires > now => Ok(Some(e.value.clone())),
            Some(_) => {
                entries.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let now = Instant::now();
        let mut entries = self.lock();
        Self::sweep(&mut entries, now);
        entries.insert(
            key.to_owned(),
            Entry {
                value: value.to_vec(),
                expires: now + ttl,
            },
        );
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), CacheError> {
        self.lock().remove(key);
        Ok(())
    }

    async fn incr_window(&self, key: &str, window: Duration) -> Result<u64, CacheError> {
        let now = Instant::now();
        let mut entries = self.lock();
        Self::sweep(&mut entries, now);
        let entry = entries.entry(key.to_owned()).or_insert_with(|| Entry {
            value: 0u64.to_be_bytes().to_vec(),
            expires: now + window,
        });
        if entry.expires <= now {
            *entry = Entry {
                value: 0u64.to_be_bytes().to_vec(),
                expires: now + window,
            };
        }
        let count = entry
            .value
            .as_slice()
            .try_into()
            .map(u64::from_be_bytes)
            .unwrap_or(0)
            + 1;
        entry.value = count.to_be_bytes().to_vec();
        Ok(count)
    }

    async fn throttle(
        &self,
        key: &str,
        limit: u32,
        period: Duration,
    ) -> Result<Option<Duration>, CacheError> {
        let now = Instant::now();
        let interval = period / limit.max(1);
        let mut entries = self.lock();
        Self::sweep(&mut entries, now);
        // The entry holds nothing: its expiry is the theoretical arrival time (TAT).
        let tat = entries.get(key).map_or(now, |e| e.expires.max(now));
        let next = tat + interval;
        let ahead = next - now;
        if ahead > period {
            return Ok(Some(ahead - period));
        }
        entries.insert(
            key.to_owned(),
            Entry {
                value: Vec::new(),
                expires: next,
            },
        );
        Ok(None)
    }

    async fn ready(&self) -> Result<(), CacheError> {
        Ok(())
    }
}

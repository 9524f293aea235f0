//! API keys (接口密钥) that govhall issues to integrators, for systems that do not use the
//! identity provider's client-credentials flow.
//!
//! A key reads `ghk_<key id>_<secret>`: 16 hex digits that find the row, then 64 hex digits
//! (32 random bytes). Only the SHA-256 digest of the whole key is stored: the secret has
//! 256 bits of entropy, so a fast hash is enough (no password hashing needed), and the key
//! is shown once, when it is issued. Callers send it as `X-Api-Key`. A key is scoped
//! (`cases:read`, `cases:write`…), may carry its own rate limit and expiry, and can be
//! revoked. Verified keys are cached in process for [`CACHE_TTL`]: a revocation takes effect
//! at once on the gateway replica that revoked it and within that time on the others.

pub mod migration;
pub(crate) mod routes;
pub(crate) mod store;

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use govhall_web::{Principal, PrincipalKind, Problem};
use rand::RngCore;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::{auth::Caller, dev_issuer::invalid_token};

/// Header that carries an API key.
pub const API_KEY_HEADER: &str = "x-api-key";
/// How long a verified key is trusted without looking at the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(30);
const PREFIX: &str = "ghk_";

/// A freshly generated key: its public id and the whole key (shown once).
pub(crate) struct NewKey {
    pub key_id: String,
    pub key: String,
}

/// Generates a key from the operating system's random source.
pub(crate) fn generate() -> NewKey {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut id);
    rand::rng().fill_bytes(&mut secret);
    let key_id = hex::encode(id);
    let key = format!("{PREFIX}{key_id}_{}", hex::encode(secret));
    NewKey { key_id, key }
}

/// SHA-256 of a key, hex.
pub(crate) fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The public id of a well-formed key.
fn key_id(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 16) && hex(secret, 64)).then_some(id)
}

/// Compares two digests without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Issues, verifies and revokes keys against the gateway's database.
pub(crate) struct ApiKeys {
    pub db: DatabaseConnection,
    cache: Mutex<HashMap<String, Cached>>,
}

struct Cached {
    caller: Caller,
    at: Instant,
    expires_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKeys(…)")
    }
}

impl ApiKeys {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The integrator a key belongs to; 401 for a malformed, unknown, expired or revoked key.
    pub(crate) async fn verify(&self, key: &str) -> Result<Caller, Problem> {
        let digest = digest(key);
        if let Some(caller) = self.cached(&digest) {
            return Ok(caller);
        }
        let id = key_id(key).ok_or_else(|| invalid_token("the API key is malformed"))?;
        let row = store::by_key_id(&self.db, id)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "could not read the API keys");
                Problem::unavailable("API keys cannot be checked right now")
            })?
            .filter(|row| same(&row.digest, &digest))
            .ok_or_else(|| invalid_token("the API key is not known"))?;
        if row.revoked_at.is_some() {
            return Err(invalid_token("the API key has been revoked"));
        }
        let now = chrono::Utc::now();
        if row.expires_at.is_some_and(|at| at <= now) {
            return Err(invalid_token("the API key has expired"));
        }
        let caller = caller_of(&row);
        let mut cache = self.lock();
        if cache.len() > 10_000 {
            cache.retain(|_, entry| entry.at.elapsed() < CACHE_TTL);
        }
        cache.insert(
            digest,
            Cached {
                caller: caller.clone(),
                at: Instant::now(),
                expires_at: row.expires_at,
            },
        );
        Ok(caller)
    }

    fn cached(&self, digest: &str) -> Option<Caller> {
        let cache = self.lock();
        let entry = cache.get(digest)?;
        let live = entry.at.elapsed() < CACHE_TTL
            && entry.expires_at.is_none_or(|at| at > chrono::Utc::now());
        live.then(|| entry.caller.clone())
    }

    /// Forgets a key at once (on this replica) when it is revoked.
    pub(crate) fn forget(&self, digest_of_row: &str) {
        self.lock().remove(digest_of_row);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn caller_of(row: &store::Model) -> Caller {
    let scopes: Vec<String> = serde_json::from_value(row.scopes.clone()).unwrap_or_default();
    Caller {
        principal: Principal {
            sub: row.client_id.clone(),
            kind: PrincipalKind::Integrator,
            roles: Vec::new(),
            division: None,
            department: None,
        },
        scopes: Some(scopes),
        rate_per_minute: row.rate_per_minute.and_then(|r| u32::try_from(r).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_to_its_id_and_nothing_else_does() {
        let new = generate();
        assert_eq!(key_id(&new.key), Some(new.key_id.as_str()));
        assert_eq!(new.key.len(), 4 + 16 + 1 + 64);
        assert_ne!(generate().key, new.key);
        for bad in [
            "",
            "ghk_",
            "ghk_0123456789abcdef",
            "ghk_0123456789abcdeg_00",
            &new.key[1..],
            &format!("{}0", new.key),
        ] {
            assert_eq!(key_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn digests_compare_equal_only_when_equal() {
        let a = digest("ghk_a");
        assert!(same(&a, &digest("ghk_a")));
        assert!(!same(&a, &digest("ghk_b")));
        assert!(!same(&a, &a[1..]));
    }
}

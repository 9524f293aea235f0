//! Production authentication: OIDC access tokens (JWT) verified against the identity
//! provider's JWKS.
//!
//! - Only the algorithms in the allow-list are accepted (asymmetric ones by default: RS256,
//!   PS256, ES256); `none` and HMAC tokens never reach a key, so a token "signed" with the
//!   provider's public key as an HMAC secret is refused.
//! - Every token must name its key (`kid`). The key set is cached; an unknown `kid` fetches
//!   it again (at most once per `min_refresh_interval`, so a flood of made-up ids cannot turn
//!   the gateway into a load generator against the provider), and a stale set is refreshed
//!   on use. A failed fetch keeps the keys already known.
//! - `iss`, `aud`, `exp` and `sub` are required; `exp` and `nbf` are checked with a small
//!   leeway.
//!
//! Claims: `sub`, and govhall's own claims `kind` (citizen, legal_person, staff,
//! integrator), `roles`, `division`, `department`. A token without `kind` that names a
//! client (`client_id` or `azp`) and carries `scope`/`scp` is an OAuth2 client-credentials
//! token: the caller is an integrator whose subject is the client id.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use govhall_web::{Principal, PrincipalKind, Problem, Role};
pub use jsonwebtoken::Algorithm;
use jsonwebtoken::{
    DecodingKey, Validation,
    jwk::{Jwk, JwkSet},
};
use serde::Deserialize;
use url::Url;

use crate::{
    auth::Caller,
    dev_issuer::{invalid_token, rejected},
};

/// How the gateway finds and trusts the identity provider.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// Expected `iss` claim.
    pub issuer: String,
    /// Accepted `aud` values (any one of them).
    pub audiences: Vec<String>,
    /// Where the provider publishes its signing keys.
    pub jwks_url: Url,
    /// Accepted signature algorithms.
    pub algorithms: Vec<Algorithm>,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// How long a fetched key set is used before it is fetched again.
    pub jwks_ttl: Duration,
    /// Shortest time between two fetches caused by unknown key ids.
    pub min_refresh_interval: Duration,
}

impl OidcSettings {
    /// Settings with the defaults for everything but the provider's identity.
    pub fn new(issuer: impl Into<String>, audiences: Vec<String>, jwks_url: Url) -> Self {
        Self {
            issuer: issuer.into(),
            audiences,
            jwks_url,
            algorithms: vec![Algorithm::RS256, Algorithm::PS256, Algorithm::ES256],
            leeway: Duration::from_secs(30),
            jwks_ttl: Duration::from_secs(600),
            min_refresh_interval: Duration::from_secs(30),
        }
    }
}

struct Key {
    decoding: Arc<DecodingKey>,
    /// The algorithm the provider bound the key to, if it said.
    algorithm: Option<Algorithm>,
}

#[derive(Default)]
struct KeySet {
    keys: HashMap<String, Key>,
    fetched_at: Option<Instant>,
    /// No fetch before this instant: set after a failed fetch, and after a fetch caused by
    /// an unknown key id while the set was fresh.
    quiet_until: Option<Instant>,
}

/// Verifies OIDC access tokens against a cached JWKS.
pub struct OidcVerifier {
    settings: OidcSettings,
    set: RwLock<KeySet>,
    /// One fetch at a time; callers that waited re-check the set instead of fetching again.
    fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcVerifier")
            .field("issuer", &self.settings.issuer)
            .field("jwks_url", &self.settings.jwks_url.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    kind: Option<PrincipalKind>,
    #[serde(default)]
    roles: Vec<serde_json::Value>,
    #[serde(default)]
    division: Option<String>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    scp: Option<Vec<String>>,
}

impl OidcVerifier {
    /// A verifier that fetches the key set on first use.
    pub fn new(settings: OidcSettings) -> Self {
        Self {
            settings,
            set: RwLock::new(KeySet::default()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// Verifies `token` and maps its claims to a caller.
    pub async fn verify(&self, token: &str) -> Result<Caller, Problem> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid_token("the token could not be verified"))?;
        if !self.settings.algorithms.contains(&header.alg) {
            tracing::debug!(alg = ?header.alg, "token algorithm not allowed");
            return Err(invalid_token("the token's algorithm is not accepted"));
        }
        let kid = header
            .kid
            .ok_or_else(|| invalid_token("the token names no key (kid)"))?;
        let (decoding, bound) = self.key(&kid).await?;
        if bound.is_some_and(|alg| alg != header.alg) {
            return Err(invalid_token(
                "the token's algorithm does not match its key",
            ));
        }

        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&self.settings.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = self.settings.leeway.as_secs();
        let claims = jsonwebtoken::decode::<Claims>(token, &decoding, &validation)
            .map_err(|e| rejected(&e, "OIDC token rejected"))?
            .claims;
        caller(claims)
    }

    /// The key named `kid`, fetching the set when it is unknown or stale.
    async fn key(&self, kid: &str) -> Result<(Arc<DecodingKey>, Option<Algorithm>), Problem> {
        if let Some(found) = self.cached(kid, false) {
            return Ok(found);
        }
        let _turn = self.fetching.lock().await;
        // Someone else may have fetched while this caller waited.
        if let Some(found) = self.cached(kid, false) {
            return Ok(found);
        }
        if self.may_fetch() {
            self.fetch(kid).await;
        }
        self.cached(kid, true)
            .ok_or_else(|| invalid_token("the token is signed with an unknown key"))
    }

    /// A known key; a stale set counts as unknown unless `stale_ok`.
    fn cached(&self, kid: &str, stale_ok: bool) -> Option<(Arc<DecodingKey>, Option<Algorithm>)> {
        let set = self
            .set
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fresh = set
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.settings.jwks_ttl);
        if !fresh && !stale_ok {
            return None;
        }
        set.keys
            .get(kid)
            .map(|key| (key.decoding.clone(), key.algorithm))
    }

    fn may_fetch(&self) -> bool {
        let set = self
            .set
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        set.quiet_until.is_none_or(|until| Instant::now() >= until)
    }

    async fn fetch(&self, kid: &str) {
        let was_fresh = {
            let set = self
                .set
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            set.fetched_at
                .is_some_and(|at| at.elapsed() < self.settings.jwks_ttl)
        };
        let fetched = self.download().await;
        let mut set = self
            .set
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let quiet = Instant::now() + self.settings.min_refresh_interval;
        match fetched {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "fetched the identity provider's keys");
                set.keys = keys;
                set.fetched_at = Some(Instant::now());
                // Made-up key ids must not turn the gateway into a load generator against
                // the provider: one refetch per interval.
                set.quiet_until = was_fresh.then_some(quiet);
                if !set.keys.contains_key(kid) {
                    set.quiet_until = Some(quiet);
                }
            }
            // The keys already known stay in use.
            Err(e) => {
                tracing::warn!(error = %e, url = %self.settings.jwks_url, "could not fetch the JWKS");
                set.quiet_until = Some(quiet);
            }
        }
    }

    async fn download(&self) -> anyhow::Result<HashMap<String, Key>> {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(5))
            .finish();
        let mut response = client
            .get(self.settings.jwks_url.as_str())
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("request failed: {e}"))?;
        anyhow::ensure!(
            response.status().is_success(),
            "the provider answered {}",
            response.status()
        );
        let body = response
            .body()
            .limit(1024 * 1024)
            .await
            .map_err(|e| anyhow::anyhow!("could not read the key set: {e}"))?;
        let set: JwkSet = serde_json::from_slice(&body)?;
        Ok(set.keys.iter().filter_map(usable).collect())
    }
}

/// A signing key with an id, in a form jsonwebtoken can use; encryption keys are skipped.
fn usable(jwk: &Jwk) -> Option<(String, Key)> {
    use jsonwebtoken::jwk::PublicKeyUse;
    let kid = jwk.common.key_id.clone()?;
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    let algorithm = match jwk.common.key_algorithm {
        Some(alg) => Some(Algorithm::try_from(alg).ok()?),
        None => None,
    };
    let decoding = DecodingKey::from_jwk(jwk).ok()?;
    Some((
        kid,
        Key {
            decoding: Arc::new(decoding),
            algorithm,
        },
    ))
}

fn caller(claims: Claims) -> Result<Caller, Problem> {
    let roles: Vec<Role> = claims
        .roles
        .into_iter()
        .filter_map(|role| serde_json::from_value(role).ok())
        .collect();
    let scopes = claims
        .scp
        .or_else(|| {
            claims
                .scope
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
        })
        .unwrap_or_default();
    let client = claims.client_id.or(claims.azp);
    let (kind, sub) = match claims.kind {
        Some(kind) => (kind, claims.sub),
        None => match client {
            // A client-credentials token: the client is the caller.
            Some(client) => (PrincipalKind::Integrator, client),
            None => {
                return Err(invalid_token(
                    "the token does not say what kind of caller it is",
                ));
            }
        },
    };
    if kind == PrincipalKind::Staff && claims.division.is_none() {
        return Err(invalid_token(
            "a staff token must name the staff member's division",
        ));
    }
    let principal = Principal {
        sub,
        kind,
        roles: if kind == PrincipalKind::Staff {
            roles
        } else {
            Vec::new()
        },
        division: claims.division,
        department: claims.department,
    };
    let scopes = (kind == PrincipalKind::Integrator).then_some(scopes);
    Ok(Caller {
        principal,
        scopes,
        rate_per_minute: None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn claims(value: serde_json::Value) -> Claims {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_client_credentials_token_is_an_integrator_named_by_its_client() {
        let verified = caller(claims(serde_json::json!({
            "sub": "service-account-7", "azp": "city-portal", "scope": "cases:read cases:write"
        })))
        .unwrap();
        assert_eq!(verified.principal.kind, PrincipalKind::Integrator);
        assert_eq!(verified.principal.sub, "city-portal");
        assert_eq!(
            verified.scopes.unwrap(),
            vec!["cases:read".to_owned(), "cases:write".to_owned()]
        );
    }

    #[test]
    fn unknown_roles_are_ignored_and_people_carry_no_scopes() {
        let verified = caller(claims(serde_json::json!({
            "sub": "u1", "kind": "staff", "roles": ["reviewer", "offline_access"],
            "division": "320102", "scope": "openid"
        })))
        .unwrap();
        assert_eq!(verified.principal.roles, vec![Role::Reviewer]);
        assert_eq!(verified.scopes, None);
        let citizen = caller(claims(serde_json::json!({
            "sub": "c1", "kind": "citizen", "roles": ["admin"]
        })))
        .unwrap();
        assert!(
            citizen.principal.roles.is_empty(),
            "a citizen cannot claim staff roles"
        );
    }

    #[test]
    fn tokens_without_a_kind_or_staff_without_a_division_are_refused() {
        assert!(caller(claims(serde_json::json!({ "sub": "u1" }))).is_err());
        assert!(caller(claims(serde_json::json!({ "sub": "u1", "kind": "staff" }))).is_err());
    }
}

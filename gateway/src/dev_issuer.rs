//! Development token issuer: HS256 tokens for standalone and dev deployments, where no
//! identity provider exists. The secret is generated at first start, stored hex-encoded in
//! a file readable only by its owner, and reused afterwards so tokens survive restarts.

use std::{
    fs,
    io::{self, Write},
    path::Path,
    time::Duration,
};

use actix_web::http::StatusCode;
use anyhow::Context;
use govhall_web::{Principal, PrincipalKind, Problem};

use crate::auth::Caller;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use rand::RngCore;
use serde::{Deserialize, Serialize};

const ISSUER: &str = "govhall-dev";
const AUDIENCE: &str = "govhall";
const SECRET_LEN: usize = 32;
/// Issuer and verifier share a machine, so little clock skew needs tolerating.
const LEEWAY_SECS: u64 = 5;

/// Development token issuer (HS256, 32-byte random secret).
#[derive(Clone)]
pub struct DevIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevIssuer(***)")
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    #[serde(flatten)]
    principal: Principal,
    /// An integrator's scopes, space-separated as in OAuth2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    iss: String,
    aud: String,
    exp: i64,
    nbf: i64,
    iat: i64,
}

impl DevIssuer {
    /// Loads the secret from `path`, or generates one and stores it there (mode 0600).
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        match fs::read_to_string(path) {
            Ok(text) => Self::from_hex(text.trim()).with_context(|| {
                format!(
                    "Failed to parse the development issuer key in {}",
                    path.display()
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Self::create(path),
            Err(e) => Err(e).with_context(|| {
                format!(
                    "Failed to read the development issuer key {}",
                    path.display()
                )
            }),
        }
    }

    /// Mints a token for `principal`, valid for `ttl`.
    pub fn mint(&self, principal: &Principal, ttl: Duration) -> anyhow::Result<String> {
        self.mint_scoped(principal, &[], ttl)
    }

    /// Mints a token for an integrator granted `scopes` (ignored for people).
    pub fn mint_scoped(
        &self,
        principal: &Principal,
        scopes: &[String],
        ttl: Duration,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).context("Failed to mint a token: ttl too large")?;
        let claims = Claims {
            principal: principal.clone(),
            scope: (!scopes.is_empty()).then(|| scopes.join(" ")),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            exp: now.saturating_add(ttl),
            nbf: now,
            iat: now,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("Failed to sign a development token")
    }

    /// Verifies a token minted by this issuer: signature (HS256 only), `iss`, `aud`, `exp`, `nbf`.
    #[expect(
        clippy::result_large_err,
        reason = "Problem is the workspace-wide error body; verification is not a hot path"
    )]
    pub fn verify(&self, token: &str) -> Result<Caller, Problem> {
        // `Validation::new` makes HS256 the only accepted algorithm: `none` or an asymmetric
        // algorithm named in the header is refused before any key is used.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| {
                let Claims {
                    principal, scope, ..
                } = data.claims;
                let scopes = (principal.kind == PrincipalKind::Integrator).then(|| {
                    scope
                        .unwrap_or_default()
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect()
                });
                Caller {
                    principal,
                    scopes,
                    rate_per_minute: None,
                }
            })
            .map_err(|e| rejected(&e, "development token rejected"))
    }

    fn from_secret(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    fn from_hex(text: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            text.len() == 2 * SECRET_LEN,
            "expected {SECRET_LEN} hex-encoded bytes"
        );
        let secret = (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .context("the key is not hex")?;
        Ok(Self::from_secret(&secret))
    }

    fn create(path: &Path) -> anyhow::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)
                .with_context(|| format!("Failed to create {}", parent.display()))?;
        }
        let mut secret = [0u8; SECRET_LEN];
        rand::rng().fill_bytes(&mut secret);
        let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();

        // Write a private temporary file, then hard-link it into place: the link fails if the
        // key already exists, so two processes starting together end up sharing one complete key.
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
        let written = write_private(&tmp, &hex).and_then(|()| fs::hard_link(&tmp, path));
        let _ = fs::remove_file(&tmp);
        match written {
            Ok(()) => {
                tracing::info!(path = %path.display(), "generated a development issuer key");
                Ok(Self::from_secret(&secret))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Self::load_or_create(path),
            Err(e) => Err(e).with_context(|| {
                format!(
                    "Failed to store the development issuer key in {}",
                    path.display()
                )
            }),
        }
    }
}

/// The 401 for a token jsonwebtoken refused, logging the error's kind only (the token itself
/// never reaches the logs).
pub(crate) fn rejected(e: &jsonwebtoken::errors::Error, what: &'static str) -> Problem {
    tracing::debug!(token.error = ?e.kind(), "{what}");
    match e.kind() {
        ErrorKind::ExpiredSignature => invalid_token("the token has expired"),
        ErrorKind::ImmatureSignature => invalid_token("the token is not valid yet"),
        _ => invalid_token("the token could not be verified"),
    }
}

/// 401 `invalid_token` with a detail sentence.
pub(crate) fn invalid_token(detail: &str) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, "invalid_token", "登录凭证无效").with_detail(detail)
}

fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use govhall_web::Role;

    use super::*;

    fn issuer() -> DevIssuer {
        DevIssuer::from_secret(&[9u8; SECRET_LEN])
    }

    fn reviewer() -> Principal {
        Principal {
            sub: "staff-1".into(),
            kind: PrincipalKind::Staff,
            roles: vec![Role::Reviewer],
            division: Some("320102".into()),
            department: Some("market".into()),
        }
    }

    fn encode(claims: &serde_json::Value, alg: Algorithm, secret: &[u8]) -> String {
        jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    fn claims(exp_offset: i64, aud: &str) -> serde_json::Value {
        let now = chrono::Utc::now().timestamp();
        serde_json::json!({
            "sub": "staff-1", "kind": "staff", "roles": ["reviewer"],
            "iss": ISSUER, "aud": aud, "exp": now + exp_offset, "nbf": now - 10, "iat": now - 10,
        })
    }

    #[test]
    fn a_minted_token_verifies_to_the_same_principal() {
        let token = issuer().mint(&reviewer(), Duration::from_secs(60)).unwrap();
        assert_eq!(issuer().verify(&token).unwrap().principal, reviewer());
        assert_eq!(issuer().verify(&token).unwrap().scopes, None);
    }

    #[test]
    fn an_integrator_token_carries_its_scopes() {
        let integrator = Principal {
            sub: "city-portal".into(),
            kind: PrincipalKind::Integrator,
            roles: vec![],
            division: None,
            department: None,
        };
        let scopes = vec!["cases:read".to_owned(), "cases:write".to_owned()];
        let token = issuer()
            .mint_scoped(&integrator, &scopes, Duration::from_secs(60))
            .unwrap();
        assert_eq!(issuer().verify(&token).unwrap().scopes, Some(scopes));
    }

    #[test]
    fn expired_tokens_and_foreign_audiences_are_refused() {
        let secret = [9u8; SECRET_LEN];
        let expired = issuer()
            .verify(&encode(&claims(-3600, AUDIENCE), Algorithm::HS256, &secret))
            .unwrap_err();
        assert_eq!(
            (expired.status, expired.code.as_str()),
            (401, "invalid_token")
        );
        assert!(
            issuer()
                .verify(&encode(&claims(60, "elsewhere"), Algorithm::HS256, &secret))
                .is_err()
        );
        assert!(
            issuer()
                .verify(&encode(&claims(60, AUDIENCE), Algorithm::HS256, &secret))
                .is_ok()
        );
    }

    #[test]
    fn only_hs256_is_accepted() {
        let secret = [9u8; SECRET_LEN];
        assert!(
            issuer()
                .verify(&encode(&claims(60, AUDIENCE), Algorithm::HS512, &secret))
                .is_err()
        );
        // An unsigned token (`alg: none`).
        let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
        let token = encode(&claims(60, AUDIENCE), Algorithm::HS256, &secret);
        let payload = token.split('.').nth(1).unwrap();
        assert!(issuer().verify(&format!("{header}.{payload}.")).is_err());
    }

    #[test]
    fn a_key_file_that_is_not_hex_is_an_error() {
        assert!(DevIssuer::from_hex("zz").is_err());
        assert!(DevIssuer::from_hex(&"g".repeat(64)).is_err());
        assert!(DevIssuer::from_hex(&"ab".repeat(32)).is_ok());
    }
}

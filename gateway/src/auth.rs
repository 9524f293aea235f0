//! Who is calling: bearer tokens (development issuer or the identity provider's OIDC
//! tokens) and the anonymous allow-list.

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use govhall_web::Principal;
use jsonwebtoken::Algorithm;

use std::sync::Arc;

use crate::{
    api_keys::{API_KEY_HEADER, ApiKeys},
    dev_issuer::{DevIssuer, invalid_token},
    error::GatewayError,
    oidc::OidcVerifier,
};

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Who is calling.
    pub principal: Principal,
    /// The scopes an integrator was granted; `None` for people.
    pub scopes: Option<Vec<String>>,
    /// A rate limit of the caller's own (an API key's), per minute.
    pub rate_per_minute: Option<u32>,
}

/// The ways a caller can prove who he is.
#[derive(Debug, Default)]
pub(crate) struct Authenticator {
    /// Development tokens (HS256), standalone and dev only.
    pub dev_issuer: Option<DevIssuer>,
    /// The identity provider's tokens, verified against its JWKS.
    pub oidc: Option<OidcVerifier>,
    /// API keys govhall issued to integrators.
    pub api_keys: Option<Arc<ApiKeys>>,
}

impl Authenticator {
    /// The caller, `None` for an anonymous call. Tokens are never logged.
    pub(crate) async fn authenticate(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<Caller>, GatewayError> {
        let invalid = |problem| GatewayError::InvalidToken(Box::new(problem));
        if let Some(key) = headers.get(API_KEY_HEADER) {
            if headers.contains_key(AUTHORIZATION) {
                return Err(invalid(invalid_token(
                    "send either an API key or a bearer token, not both",
                )));
            }
            let keys = self.api_keys.as_ref().ok_or_else(|| {
                invalid(invalid_token("API keys are not enabled on this gateway"))
            })?;
            let key = key
                .to_str()
                .map_err(|_| invalid(invalid_token("the API key is malformed")))?;
            return match keys.verify(key.trim()).await {
                Ok(caller) => Ok(Some(caller)),
                Err(problem) if problem.status == 401 => Err(invalid(problem)),
                Err(problem) => Err(GatewayError::Unavailable(Box::new(problem))),
            };
        }
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Ok(None);
        };
        let token =
            value.to_str().ok().and_then(bearer_token).ok_or_else(|| {
                invalid(invalid_token("expected `Authorization: Bearer <token>`"))
            })?;
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid(invalid_token("the token could not be verified")))?;
        let hmac = matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        );
        // HMAC tokens can only be the development issuer's: the identity provider's allow-list
        // holds asymmetric algorithms only, so its verifier refuses them in any case.
        let verified = match (&self.dev_issuer, &self.oidc) {
            (Some(dev), _) if hmac => dev.verify(token),
            (_, Some(oidc)) => oidc.verify(token).await,
            (Some(dev), None) => dev.verify(token),
            (None, None) => return Err(GatewayError::NoIdentityProvider),
        };
        verified.map(Some).map_err(invalid)
    }
}

fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bearer_scheme_yields_a_token() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}

//! Who is calling: bearer-token verification and the anonymous allow-list.

use actix_web::http::{
    Method,
    header::{AUTHORIZATION, HeaderMap},
};
use govhall_web::Principal;

use crate::{
    dev_issuer::{DevIssuer, invalid_token},
    error::GatewayError,
    routes::{self, RouteRule},
};

/// The caller's principal, `None` for an anonymous call. Tokens are never logged.
pub(crate) fn authenticate(
    headers: &HeaderMap,
    dev_issuer: Option<&DevIssuer>,
) -> Result<Option<Principal>, GatewayError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value.to_str().ok().and_then(bearer_token).ok_or_else(|| {
        GatewayError::InvalidToken(Box::new(invalid_token(
            "expected `Authorization: Bearer <token>`",
        )))
    })?;
    // Production OIDC/JWKS verification will slot in here next to the development issuer.
    let issuer = dev_issuer.ok_or(GatewayError::NoIdentityProvider)?;
    issuer
        .verify(token)
        .map(Some)
        .map_err(|problem| GatewayError::InvalidToken(Box::new(problem)))
}

/// 401 unless the caller is authenticated or the route is readable anonymously.
pub(crate) fn authorize(
    rule: &RouteRule,
    method: &Method,
    principal: Option<&Principal>,
) -> Result<(), GatewayError> {
    if principal.is_some() || routes::allows_anonymous(rule, method) {
        Ok(())
    } else {
        Err(GatewayError::LoginRequired)
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

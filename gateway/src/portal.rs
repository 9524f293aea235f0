//! The web hall and consoles (`govhall-portal`) mounted on the gateway: the pages sign people
//! in with the development issuer (standalone, dev) and check session tokens the same way
//! the gateway checks bearer tokens.

use std::{sync::Arc, time::Duration};

use actix_web::{
    http::header::{AUTHORIZATION, HeaderMap, HeaderValue},
    web,
};
use futures::{FutureExt, future::LocalBoxFuture};
use govhall_portal::{LoginMode, Portal, TokenMinter, TokenVerifier};
use govhall_web::Principal;

use crate::{dev_issuer::DevIssuer, proxy::ProxyState};

struct DevMinter(DevIssuer);

impl TokenMinter for DevMinter {
    fn mint(&self, principal: &Principal, ttl: Duration) -> anyhow::Result<String> {
        self.0.mint(principal, ttl)
    }
}

/// Verifies a session token as the gateway's authenticator verifies a bearer token.
struct GatewayVerifier(web::Data<ProxyState>);

impl TokenVerifier for GatewayVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> LocalBoxFuture<'a, Option<Principal>> {
        async move {
            let value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, value);
            match self.0.authenticator.authenticate(&headers).await {
                Ok(Some(caller)) if caller.scopes.is_none() => Some(caller.principal),
                _ => None,
            }
        }
        .boxed_local()
    }
}

/// The portal, calling the API on the gateway's own `port` over loopback.
pub(crate) fn portal(
    state: web::Data<ProxyState>,
    dev_issuer: Option<DevIssuer>,
    host: &str,
    port: u16,
    secure_cookies: bool,
    oidc_login: Option<govhall_portal::OidcLogin>,
) -> web::Data<Portal> {
    // A wildcard listener answers on loopback; a specific address only on itself.
    let api_host = match host {
        "0.0.0.0" | "::" | "" => "127.0.0.1".to_owned(),
        h if h.contains(':') => format!("[{h}]"),
        h => h.to_owned(),
    };
    let login = match dev_issuer {
        Some(issuer) => LoginMode::Development(Arc::new(DevMinter(issuer))),
        None => LoginMode::IdentityProvider(oidc_login.map(Box::new)),
    };
    web::Data::new(Portal::new(
        format!("http://{api_host}:{port}"),
        login,
        Arc::new(GatewayVerifier(state)),
        secure_cookies,
    ))
}

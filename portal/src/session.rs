//! Who is looking at the page: the session cookie (the bearer token), its verification by
//! the gateway, and the CSRF token every form carries.

use std::{sync::Arc, time::Duration};

use actix_web::{
    HttpMessage, HttpRequest,
    body::MessageBody,
    cookie::{Cookie, SameSite, time},
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
};
use futures::future::LocalBoxFuture;
use govhall_web::{Principal, PrincipalKind, Role};
use rand::RngCore;

use crate::Portal;

/// The cookie holding the signed-in person's token.
pub(crate) const SESSION_COOKIE: &str = "govhall_session";
/// The cookie holding the CSRF token (double-submit: forms send it back in `_csrf`).
pub(crate) const CSRF_COOKIE: &str = "govhall_csrf";
/// The cookie holding the large-text preference (适老化).
pub(crate) const TEXT_COOKIE: &str = "govhall_text";
/// How long a development sign-in lasts.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

/// Mints a token for a principal (the development issuer).
pub trait TokenMinter: Send + Sync {
    /// A token for `principal`, valid for `ttl`.
    fn mint(&self, principal: &Principal, ttl: Duration) -> anyhow::Result<String>;
}

/// Verifies a token the way the gateway does for API calls.
pub trait TokenVerifier: Send + Sync {
    /// The principal, `None` when the token is invalid or expired.
    fn verify<'a>(&'a self, token: &'a str) -> LocalBoxFuture<'a, Option<Principal>>;
}

/// A signed-in person.
#[derive(Clone)]
pub(crate) struct Session {
    pub token: String,
    pub principal: Principal,
}

impl Session {
    /// Staff holding `role`.
    pub(crate) fn is(&self, role: Role) -> bool {
        self.principal.kind == PrincipalKind::Staff && self.principal.has_role(role)
    }

    /// An applicant (citizen or company).
    pub(crate) fn is_applicant(&self) -> bool {
        matches!(
            self.principal.kind,
            PrincipalKind::Citizen | PrincipalKind::LegalPerson
        )
    }
}

/// The session of `req`, when its cookie holds a token the gateway accepts — or, once that
/// token has expired, a new one from the identity provider's refresh token (the cookies to
/// set then travel in the request's extensions to [`renewed_session_cookies`]).
pub(crate) async fn session(
    req: &HttpRequest,
    portal: &Portal,
    client: &awc::Client,
) -> Option<Session> {
    let token = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !token.is_empty()
        && let Some(principal) = portal.verifier.verify(&token).await
    {
        return Some(Session { token, principal });
    }
    let (session, cookies) = crate::oidc::refresh(req, portal, client).await?;
    req.extensions_mut().insert(Renewed(cookies));
    Some(session)
}

/// Cookies a request's handling renewed (a refreshed session).
#[derive(Clone)]
struct Renewed(Vec<Cookie<'static>>);

/// Middleware: sets the cookies of a session refreshed while handling the request, whatever
/// the page answered (a page, a redirect, an error page).
pub async fn renewed_session_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let renewed = res.request().extensions().get::<Renewed>().cloned();
    if let Some(Renewed(cookies)) = renewed {
        for cookie in cookies {
            if let Err(e) = res.response_mut().add_cookie(&cookie) {
                tracing::warn!(error = %e, "a renewed session cookie could not be set");
            }
        }
    }
    Ok(res)
}

/// The session cookie for `token`.
pub(crate) fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(SESSION_TTL.as_secs() as i64))
        .finish()
}

/// A cookie that removes the session.
pub(crate) fn session_removal(secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    cookie.make_removal();
    cookie
}

/// The CSRF token of `req`, and a cookie to set when the browser has none yet.
pub(crate) fn csrf(req: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    if let Some(existing) = req.cookie(CSRF_COOKIE)
        && existing.value().len() == 32
    {
        return (existing.value().to_owned(), None);
    }
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let cookie = Cookie::build(CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// Does the form's `_csrf` match the cookie? (Constant time is not needed: the cookie is the
/// browser's own secret and an attacker can read neither.)
pub(crate) fn csrf_ok(req: &HttpRequest, sent: Option<&str>) -> bool {
    match (req.cookie(CSRF_COOKIE), sent) {
        (Some(cookie), Some(sent)) => cookie.value().len() == 32 && cookie.value() == sent,
        _ => false,
    }
}

/// The principal a development sign-in creates.
pub(crate) fn dev_principal(
    kind: PrincipalKind,
    sub: &str,
    roles: Vec<Role>,
    division: Option<String>,
    department: Option<String>,
) -> Principal {
    Principal {
        sub: sub.to_owned(),
        kind,
        roles,
        division,
        department,
    }
}

/// The minter, when sign-in is the development issuer's.
pub(crate) fn minter(portal: &Portal) -> Option<Arc<dyn TokenMinter>> {
    match &portal.login {
        crate::LoginMode::Development(m) => Some(m.clone()),
        crate::LoginMode::IdentityProvider(_) => None,
    }
}

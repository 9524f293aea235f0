//! Signing in with the identity provider (production): the OpenID Connect authorization code
//! flow with PKCE. The portal sends the browser to the provider, takes the code back at
//! `/login/callback`, exchanges it for tokens at the provider's token endpoint, and keeps the
//! access token — verified the way the gateway verifies every bearer token — as the session.

use actix_web::{
    HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite, time},
    web,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::{
    Portal,
    error::PageError,
    hall::with_ok,
    layout::{local_path, see_other},
    session,
};

/// The cookie holding a sign-in in progress: state, PKCE verifier and where to go after.
const FLOW_COOKIE: &str = "govhall_oidc";
/// The cookie holding the provider's refresh token: a session outlives its short access
/// token without sending the person back to the provider.
pub(crate) const REFRESH_COOKIE: &str = "govhall_refresh";
/// How long a refresh cookie lives when the provider does not say.
const REFRESH_DEFAULT_SECS: i64 = 8 * 3600;
/// How long a sign-in at the provider may take.
const FLOW_MINUTES: i64 = 10;

/// The identity provider's endpoints and this client's registration.
#[derive(Clone)]
pub struct OidcLogin {
    /// The provider's authorization endpoint (`…/protocol/openid-connect/auth`).
    pub authorization_url: Url,
    /// The provider's token endpoint (`…/protocol/openid-connect/token`).
    pub token_url: Url,
    /// This client's id at the provider.
    pub client_id: String,
    /// This client's secret (confidential clients); PKCE protects public ones.
    pub client_secret: Option<String>,
    /// The callback registered at the provider (`https://hall.example.gov.cn/login/callback`);
    /// unset: derived from the request's scheme and host.
    pub redirect_url: Option<Url>,
    /// Scopes asked for (`openid` at least).
    pub scope: String,
}

impl std::fmt::Debug for OidcLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcLogin")
            .field("authorization_url", &self.authorization_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login/oidc", web::get().to(start))
        .route("/login/callback", web::get().to(callback));
}

fn login(portal: &Portal) -> Result<&OidcLogin, PageError> {
    match &portal.login {
        crate::LoginMode::IdentityProvider(Some(login)) => Ok(&**login),
        _ => Err(PageError::NotFound),
    }
}

fn random(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// The PKCE challenge of `verifier` (S256).
pub(crate) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn redirect_url(login: &OidcLogin, req: &HttpRequest) -> String {
    match &login.redirect_url {
        Some(url) => url.to_string(),
        None => {
            let info = req.connection_info();
            format!("{}://{}/login/callback", info.scheme(), info.host())
        }
    }
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
}

/// Sends the browser to the provider.
async fn start(
    req: HttpRequest,
    portal: web::Data<Portal>,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, PageError> {
    let login = login(&portal)?;
    let state = random(16);
    let verifier = random(32);
    let next = local_path(query.next.as_deref());
    let mut target = login.authorization_url.clone();
    target
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &login.client_id)
        .append_pair("redirect_uri", &redirect_url(login, &req))
        .append_pair("scope", &login.scope)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    let flow = Cookie::build(
        FLOW_COOKIE,
        format!(
            "{state}.{verifier}.{}",
            URL_SAFE_NO_PAD.encode(next.as_bytes())
        ),
    )
    .path("/login")
    .http_only(true)
    .secure(portal.secure_cookies)
    // Lax: the provider's redirect back is a top-level GET from another site.
    .same_site(SameSite::Lax)
    .max_age(time::Duration::minutes(FLOW_MINUTES))
    .finish();
    let mut response = see_other(target.as_str());
    response
        .add_cookie(&flow)
        .map_err(|e| PageError::Render(e.to_string()))?;
    Ok(response)
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    refresh_expires_in: Option<i64>,
}

/// The refresh cookie for `answer`, when the provider gave a refresh token.
fn refresh_cookie(answer: &TokenAnswer, secure: bool) -> Option<Cookie<'static>> {
    let token = answer.refresh_token.clone()?;
    let secs = answer
        .refresh_expires_in
        .filter(|s| *s > 0)
        .unwrap_or(REFRESH_DEFAULT_SECS);
    Some(
        Cookie::build(REFRESH_COOKIE, token)
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(time::Duration::seconds(secs))
            .finish(),
    )
}

/// A cookie that removes the refresh token (sign-out).
pub(crate) fn refresh_removal() -> Cookie<'static> {
    let mut cookie = Cookie::build(REFRESH_COOKIE, "").path("/").finish();
    cookie.make_removal();
    cookie
}

/// Posts `form` to the provider's token endpoint.
async fn exchange(
    client: &awc::Client,
    login: &OidcLogin,
    mut form: Vec<(&'static str, String)>,
) -> Result<TokenAnswer, PageError> {
    if let Some(secret) = &login.client_secret {
        form.push(("client_secret", secret.clone()));
    }
    let mut answer = client
        .post(login.token_url.as_str())
        .timeout(std::time::Duration::from_secs(15))
        .insert_header(("Accept", "application/json"))
        .send_form(&form)
        .await
        .map_err(|e| PageError::Unavailable(format!("token endpoint: {e}")))?;
    if !answer.status().is_success() {
        tracing::warn!(status = %answer.status(), "the identity provider refused a grant");
        return Err(PageError::Forbidden(
            "登录凭据已失效，请重新登录。".to_owned(),
        ));
    }
    answer
        .json()
        .limit(64 * 1024)
        .await
        .map_err(|e| PageError::Unavailable(format!("token answer: {e}")))
}

/// A new session from the refresh cookie, when the access token has expired: the session
/// and the cookies to set (new access token, and the new refresh token if the provider
/// rotates them). `None` when there is nothing to refresh or the provider refuses.
pub(crate) async fn refresh(
    req: &HttpRequest,
    portal: &Portal,
    client: &awc::Client,
) -> Option<(crate::session::Session, Vec<Cookie<'static>>)> {
    let login = login(portal).ok()?;
    let refresh_token = req.cookie(REFRESH_COOKIE)?.value().to_owned();
    if refresh_token.is_empty() {
        return None;
    }
    let answer = exchange(
        client,
        login,
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token),
            ("client_id", login.client_id.clone()),
        ],
    )
    .await
    .ok()?;
    let principal = portal.verifier.verify(&answer.access_token).await?;
    let mut cookies = vec![session::session_cookie(
        answer.access_token.clone(),
        portal.secure_cookies,
    )];
    cookies.extend(refresh_cookie(&answer, portal.secure_cookies));
    Some((
        crate::session::Session {
            token: answer.access_token,
            principal,
        },
        cookies,
    ))
}

/// Takes the code back, exchanges it, and signs the person in.
async fn callback(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
    let login = login(&portal)?;
    if query.error.is_some() {
        return Err(PageError::Forbidden(
            "统一身份认证平台未完成登录，请重新登录。".to_owned(),
        ));
    }
    let flow = req
        .cookie(FLOW_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let mut parts = flow.splitn(3, '.');
    let (Some(state), Some(verifier), Some(next)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(PageError::Csrf);
    };
    let (Some(code), Some(returned)) = (query.code.as_deref(), query.state.as_deref()) else {
        return Err(PageError::bad_form("the provider sent no code"));
    };
    if state.is_empty() || state != returned {
        return Err(PageError::Csrf);
    }
    let next = URL_SAFE_NO_PAD
        .decode(next)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(|n| local_path(Some(&n)))
        .unwrap_or_else(|| "/".to_owned());

    let tokens = exchange(
        &client,
        login,
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", redirect_url(login, &req)),
            ("client_id", login.client_id.clone()),
            ("code_verifier", verifier.to_owned()),
        ],
    )
    .await?;
    if portal.verifier.verify(&tokens.access_token).await.is_none() {
        tracing::warn!("the identity provider's access token was not accepted");
        return Err(PageError::Forbidden(
            "统一身份认证平台签发的凭据无法通过校验，请联系管理员。".to_owned(),
        ));
    }
    let mut response = see_other(&with_ok(&next, "signed_in"));
    let mut done = Cookie::build(FLOW_COOKIE, "").path("/login").finish();
    done.make_removal();
    if let Some(refresh) = refresh_cookie(&tokens, portal.secure_cookies) {
        response
            .add_cookie(&refresh)
            .map_err(|e| PageError::Render(e.to_string()))?;
    }
    response
        .add_cookie(&session::session_cookie(
            tokens.access_token,
            portal.secure_cookies,
        ))
        .map_err(|e| PageError::Render(e.to_string()))?;
    response
        .add_cookie(&done)
        .map_err(|e| PageError::Render(e.to_string()))?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_challenge_is_the_unpadded_base64url_sha256_of_the_verifier() {
        // Computed apart: base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=").
        assert_eq!(
            challenge("dBjftJeZ4CVP-mJ0kCMyT9mBYpRsbjw7DvJ1i9i3Pg0"),
            "XnXL3T1exW_PINSB1E1UuiWBF7yVqbBgsJeyBJI3vRY"
        );
        assert_eq!(
            random(32).len(),
            43,
            "32 random octets make a 43-character verifier"
        );
    }
}

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod api;
mod apply;
mod assets;
mod catalog;
mod counter;
mod error;
mod form;
mod hall;
mod layout;
mod my_cases;
mod notices;
mod oidc;
mod review;
mod session;
mod supervision;
mod text;
mod track;

use std::sync::Arc;

use actix_web::web;

pub use oidc::OidcLogin;
pub use session::{TokenMinter, TokenVerifier, renewed_session_cookies};

/// How people sign in.
#[derive(Clone)]
pub enum LoginMode {
    /// The development issuer mints a token for an identity chosen on the login page
    /// (standalone and development only).
    Development(Arc<dyn TokenMinter>),
    /// Tokens come from the identity provider: the authorization code flow with PKCE when
    /// the provider's endpoints and this client are configured, else no sign-in here.
    IdentityProvider(Option<Box<OidcLogin>>),
}

/// Everything the pages need.
pub struct Portal {
    /// The gateway's own base URL (`http://127.0.0.1:8080`): the pages call the public API there.
    pub(crate) api_base: String,
    pub(crate) login: LoginMode,
    pub(crate) verifier: Arc<dyn TokenVerifier>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub(crate) secure_cookies: bool,
}

impl Portal {
    /// A portal calling the API at `api_base`.
    pub fn new(
        api_base: impl Into<String>,
        login: LoginMode,
        verifier: Arc<dyn TokenVerifier>,
        secure_cookies: bool,
    ) -> Self {
        Self {
            api_base: api_base.into().trim_end_matches('/').to_owned(),
            login,
            verifier,
            secure_cookies,
        }
    }
}

/// Mounts the pages and assets. The app must also hold a `web::Data<awc::Client>` (the
/// gateway registers one per worker).
pub fn configure(cfg: &mut web::ServiceConfig, portal: web::Data<Portal>) {
    cfg.app_data(portal)
        .app_data(
            web::FormConfig::default()
                .limit(256 * 1024)
                .error_handler(|e, _| error::PageError::bad_form(&e.to_string()).into()),
        )
        .service(web::scope("/assets").configure(assets::configure))
        .configure(hall::configure)
        .configure(oidc::configure)
        .configure(notices::configure)
        .configure(counter::configure)
        .configure(review::configure)
        .configure(supervision::configure);
}

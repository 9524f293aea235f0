#![doc = include_str!("../README.md")]
//!
//! Modules: [`settings`](GatewaySettings) (typed settings), `startup` ([`Application`]),
//! `routes` (the prefix → upstream table), [`access`] (the role × route matrix), `auth`
//! (which credential a request carries), [`oidc`], [`dev_issuer`] and [`api_keys`] (the
//! three kinds of credential), [`limits`] (rate limits), `proxy` (the streaming reverse
//! proxy), `readiness` (upstream probes) and `error` (the gateway's own problem+json
//! errors).

pub mod access;
pub mod api_keys;
mod auth;
pub mod dev_issuer;
mod error;
pub mod limits;
pub mod oidc;
mod portal;
mod proxy;
mod readiness;
mod routes;
mod settings;
mod startup;

pub use auth::Caller;

/// Applies the gateway's migrations (`govhall migrate`, or a migration job).
pub async fn migrate(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm_migration::MigratorTrait;
    api_keys::migration::Migrator::up(db, None).await?;
    Ok(())
}

/// The gateway's own operations, merged into the published spec.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api_keys::routes::create_api_key,
        api_keys::routes::list_api_keys,
        api_keys::routes::get_api_key,
        api_keys::routes::revoke_api_key,
    ),
    components(schemas(
        api_keys::routes::ApiKeyIn,
        api_keys::routes::ApiKeyOut,
        api_keys::routes::ApiKeyCreated,
        govhall_web::Problem,
        govhall_web::FieldError,
    )),
    tags((name = "api-keys", description = "API keys for integrators (接口密钥): issued by administrators, shown once, scoped, revocable"))
)]
pub struct ApiDoc;
pub use settings::{GatewaySettings, PortalSettings, Upstreams};
pub use startup::Application;

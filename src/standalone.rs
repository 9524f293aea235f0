//! `govhall standalone`: the gateway and every service in one process, on SQLite files
//! under the data folder and the in-process bus. Services listen on loopback ports chosen
//! by the system; only the gateway's port is meant to be used.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use govhall_bus::{Bus, memory::MemoryBus};
use govhall_runtime::{ServiceSettings, SharedDeps};
use govhall_web::InternalKey;
use tokio_util::sync::CancellationToken;

use crate::{openapi, settings::Settings, topology};

/// Runs everything until `shutdown`.
pub async fn run(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<()> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            settings.data_dir.display()
        )
    })?;
    let bus: Arc<dyn Bus> = Arc::new(MemoryBus::new(topology(&settings)));
    // The key never leaves the process: a fresh random one per start.
    let key = InternalKey::new(random_key());
    let deps = SharedDeps {
        bus,
        cache: Arc::new(govhall_cache::MemoryCache::new()),
        internal_key: key.clone(),
    };
    let service = |name: &str| -> anyhow::Result<ServiceSettings> {
        Ok(ServiceSettings {
            host: "127.0.0.1".into(),
            port: 0,
            database_url: settings.standalone_database_url(name)?,
            auto_migrate: true,
            files_url: settings.files_url(),
        })
    };
    let intake = govhall_intake::Application::build(service("intake")?, deps.clone()).await?;
    let deadline = govhall_deadline::Application::build(service("deadline")?, deps.clone()).await?;
    let approval = govhall_approval::Application::build_with_window(
        service("approval")?,
        deps.clone(),
        std::time::Duration::from_secs(settings.approval.supplement_window_secs),
    )
    .await?;
    let joint = govhall_joint::Application::build(service("joint")?, deps.clone()).await?;
    let limiter_store = deps.cache.clone();
    let loopback =
        |port: u16| -> anyhow::Result<url::Url> { Ok(format!("http://127.0.0.1:{port}").parse()?) };
    let dev_issuer = if settings.dev_issuer.enabled != Some(false) {
        Some(govhall_gateway::dev_issuer::DevIssuer::load_or_create(
            &settings.dev_issuer_key_file(),
        )?)
    } else {
        None
    };
    let gateway = govhall_gateway::Application::build(govhall_gateway::GatewaySettings {
        host: settings.http.host.clone(),
        port: settings.http.port,
        upstreams: govhall_gateway::Upstreams {
            intake: loopback(intake.port())?,
            deadline: loopback(deadline.port())?,
            approval: loopback(approval.port())?,
            joint: loopback(joint.port())?,
        },
        upstream_timeout: Duration::from_secs(settings.upstream_timeout_secs),
        internal_key: key,
        dev_issuer,
        oidc: settings.oidc()?,
        cors_origins: settings.cors_origins()?,
        portal: settings.portal.gateway(&settings.oidc)?,
        rate_limits: settings.rate_limits()?,
        database_url: Some(settings.standalone_database_url("gateway")?),
        auto_migrate: true,
        limiter_store,
        openapi: openapi::merged(),
        asyncapi: crate::asyncapi::document_yaml()?,
    })
    .await?;
    println!(
        "govhall standalone listening on http://{}:{}",
        settings.http.host,
        gateway.port()
    );
    let tasks = vec![
        tokio::spawn(intake.run_until_stopped(shutdown.clone())),
        tokio::spawn(deadline.run_until_stopped(shutdown.clone())),
        tokio::spawn(approval.run_until_stopped(shutdown.clone())),
        tokio::spawn(joint.run_until_stopped(shutdown.clone())),
        tokio::spawn(gateway.run_until_stopped(shutdown.clone())),
    ];
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::error!(error = ?e, "a component stopped with an error");
                first_error.get_or_insert(e);
                shutdown.cancel();
            }
            Err(e) => {
                first_error.get_or_insert(anyhow::Error::from(e));
                shutdown.cancel();
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn random_key() -> Vec<u8> {
    // Two v4 UUIDs: 32 bytes from the OS random source.
    let mut key = uuid::Uuid::new_v4().as_bytes().to_vec();
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    key
}

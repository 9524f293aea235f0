//! Test harness: a real echo upstream and a real gateway, both on port 0.

use std::{
    collections::BTreeMap,
    net::TcpListener,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use futures::StreamExt;
use govhall_gateway::{
    Application, GatewaySettings, PortalSettings, Upstreams,
    dev_issuer::DevIssuer,
    limits::{Quota, RateLimits},
};
use govhall_web::{InternalKey, Principal, PrincipalKind, Role};
use serde::Deserialize;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};
use url::Url;

/// Size of the large bodies streamed in both directions.
pub const BIG: usize = 3 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// What the echo upstream saw.
#[derive(Debug, Deserialize)]
pub struct Echo {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: BTreeMap<String, String>,
    pub body_len: usize,
}

impl Echo {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A running echo upstream.
pub struct TestUpstream {
    pub url: Url,
    pub hits: Arc<AtomicUsize>,
}

impl TestUpstream {
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Echoes the request; `…/slow` sleeps past any test timeout, `…/pause` for half a second,
/// `…/big` streams a large body back, `…/stall` sends one chunk and then nothing.
async fn echo(
    req: HttpRequest,
    mut body: web::Payload,
    hits: web::Data<Arc<AtomicUsize>>,
) -> HttpResponse {
    hits.fetch_add(1, Ordering::SeqCst);
    let path = req.path().to_owned();
    if path.ends_with("/slow") {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    if path.ends_with("/pause") {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if path.ends_with("/stall") {
        let first = futures::stream::once(async {
            Ok::<_, std::io::Error>(web::Bytes::from_static(b"partial"))
        });
        return HttpResponse::Ok().streaming(first.chain(futures::stream::pending()));
    }
    if path.ends_with("/big") {
        let chunks = futures::stream::iter(
            (0..BIG / CHUNK).map(|_| Ok::<_, std::io::Error>(web::Bytes::from(vec![b'x'; CHUNK]))),
        );
        return HttpResponse::Ok()
            .content_type("application/octet-stream")
            .streaming(chunks);
    }
    let mut body_len = 0;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(chunk) => body_len += chunk.len(),
            Err(e) => return HttpResponse::BadRequest().body(e.to_string()),
        }
    }
    let mut headers = BTreeMap::<String, String>::new();
    for (name, value) in req.headers() {
        let value = value.to_str().unwrap_or("<binary>");
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.to_owned());
    }
    HttpResponse::Ok()
        .insert_header(("x-upstream", "echo"))
        // Hop-by-hop headers the gateway must not pass back.
        .insert_header(("keep-alive", "timeout=5"))
        .insert_header(("proxy-authenticate", "Basic realm=\"upstream\""))
        .insert_header(("trailer", "x-checksum"))
        .json(serde_json::json!({
            "method": req.method().as_str(),
            "path": path,
            "query": req.query_string(),
            "headers": headers,
            "body_len": body_len,
        }))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

pub async fn spawn_upstream() -> TestUpstream {
    let hits = Arc::new(AtomicUsize::new(0));
    let data = web::Data::new(hits.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/healthz", web::get().to(healthz))
            .default_service(web::to(echo))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    actix_web::rt::spawn(server.run());
    TestUpstream {
        url: Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
        hits,
    }
}

/// A URL nothing listens on.
pub fn closed_url() -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    Url::parse(&format!("http://127.0.0.1:{port}")).unwrap()
}

/// How to start the gateway.
pub struct Options {
    pub upstream_timeout: Duration,
    pub with_dev_issuer: bool,
    /// Point the joint upstream at a closed port.
    pub joint_unreachable: bool,
    /// Point every upstream at a closed port.
    pub all_unreachable: bool,
    /// Accept the tokens of this identity provider.
    pub oidc: Option<govhall_gateway::oidc::OidcSettings>,
    /// The gateway's database (API keys).
    pub database_url: Option<String>,
    /// Origins allowed cross-origin.
    pub cors_origins: Vec<String>,
    /// Rate limits (off unless a test sets them).
    pub rate_limits: RateLimits,
    /// Where the counters live (in process unless a test gives Redis).
    pub limiter_store: Option<Arc<dyn govhall_cache::Cache>>,
    /// The web hall's sign-in at the identity provider.
    pub oidc_login: Option<govhall_portal::OidcLogin>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            upstream_timeout: Duration::from_secs(5),
            with_dev_issuer: true,
            joint_unreachable: false,
            all_unreachable: false,
            oidc: None,
            rate_limits: RateLimits {
                per_ip: Quota::per_minute(0),
                per_principal: Quota::per_minute(0),
                ..RateLimits::default()
            },
            limiter_store: None,
            cors_origins: Vec::new(),
            database_url: None,
            oidc_login: None,
        }
    }
}

/// A running gateway in front of one echo upstream.
pub struct TestApp {
    pub address: String,
    pub upstream: TestUpstream,
    pub internal_key: InternalKey,
    pub dev_issuer: DevIssuer,
    pub key_file: PathBuf,
    pub client: awc::Client,
    pub shutdown: CancellationToken,
    pub server: Option<JoinHandle<anyhow::Result<()>>>,
    _stop_on_drop: DropGuard,
}

pub fn install_crypto_provider() {
    // A second install (another test) fails harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn temp_key_file() -> PathBuf {
    std::env::temp_dir()
        .join(format!("govhall-gateway-test-{}", uuid::Uuid::new_v4()))
        .join("dev-issuer.key")
}

pub fn test_openapi() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("govhall test spec")
                .version("9.9.9")
                .build(),
        )
        .build()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    install_crypto_provider();
    let upstream = spawn_upstream().await;
    let internal_key = InternalKey::new(vec![42u8; 32]);
    let key_file = temp_key_file();
    let dev_issuer = DevIssuer::load_or_create(&key_file).unwrap();
    let joint = if options.joint_unreachable || options.all_unreachable {
        closed_url()
    } else {
        upstream.url.clone()
    };
    let others = if options.all_unreachable {
        closed_url()
    } else {
        upstream.url.clone()
    };
    let settings = GatewaySettings {
        host: "127.0.0.1".into(),
        port: 0,
        upstreams: Upstreams {
            intake: others.clone(),
            deadline: others.clone(),
            approval: others,
            joint,
        },
        upstream_timeout: options.upstream_timeout,
        internal_key: internal_key.clone(),
        dev_issuer: options.with_dev_issuer.then(|| dev_issuer.clone()),
        oidc: options.oidc.clone(),
        cors_origins: options.cors_origins.clone(),
        portal: PortalSettings {
            oidc_login: options.oidc_login.clone(),
            ..PortalSettings::default()
        },
        database_url: options.database_url.clone(),
        auto_migrate: true,
        rate_limits: options.rate_limits.clone(),
        limiter_store: options
            .limiter_store
            .clone()
            .unwrap_or_else(|| Arc::new(govhall_cache::MemoryCache::new())),
        openapi: test_openapi(),
        asyncapi: "asyncapi: 3.0.0\ninfo:\n  title: test events\n".into(),
    };
    let app = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(20))
        .disable_redirects()
        .finish();
    TestApp {
        address,
        upstream,
        internal_key,
        dev_issuer,
        key_file,
        client,
        _stop_on_drop: shutdown.clone().drop_guard(),
        shutdown,
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn get(&self, path: &str) -> awc::ClientRequest {
        self.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> awc::ClientRequest {
        self.client.post(self.url(path))
    }

    /// A bearer token for `principal` from the gateway's development issuer.
    pub fn token_for(&self, principal: &Principal) -> String {
        self.dev_issuer
            .mint(principal, Duration::from_secs(600))
            .unwrap()
    }

    /// The development issuer's secret, read back from its key file.
    pub fn dev_secret(&self) -> Vec<u8> {
        let hex = std::fs::read_to_string(&self.key_file).unwrap();
        let hex = hex.trim();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(dir) = self.key_file.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub fn reviewer() -> Principal {
    Principal {
        sub: "staff-7".into(),
        kind: PrincipalKind::Staff,
        roles: vec![Role::Reviewer, Role::Leader],
        division: Some("320102".into()),
        department: Some("market-regulation".into()),
    }
}

pub fn citizen() -> Principal {
    Principal {
        sub: "citizen-1".into(),
        kind: PrincipalKind::Citizen,
        roles: vec![],
        division: None,
        department: None,
    }
}

/// Reads an echo response.
pub async fn echo_of(
    mut response: awc::ClientResponse<
        impl futures::Stream<Item = Result<web::Bytes, awc::error::PayloadError>> + Unpin,
    >,
) -> Echo {
    assert_eq!(response.status(), 200, "expected the upstream's echo");
    response.json::<Echo>().await.unwrap()
}

/// Reads a problem+json response and checks its status and code.
pub async fn assert_problem(
    mut response: awc::ClientResponse<
        impl futures::Stream<Item = Result<web::Bytes, awc::error::PayloadError>> + Unpin,
    >,
    status: u16,
    code: &str,
) -> govhall_web::Problem {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let problem: govhall_web::Problem = response.json().await.unwrap();
    assert_eq!((problem.status, problem.code.as_str()), (status, code));
    problem
}

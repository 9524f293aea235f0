//! Spawning the real `govhall` binary, in standalone and distributed topologies, and
//! talking to it through the gateway.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use govhall_gateway::dev_issuer::DevIssuer;
use govhall_web::{Principal, PrincipalKind, Role};
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// Path of the binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_govhall")
}

/// A running `govhall` process, killed when dropped (also when a test fails).
pub struct Proc {
    pub child: Child,
    pub url: String,
    pub name: String,
}

impl Proc {
    /// Sends SIGTERM and waits for the exit status.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap();
        std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .unwrap();
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("process did not stop on SIGTERM")
            .unwrap()
    }
}

/// Starts `govhall <args>` with `env` and waits for its "listening on" line.
pub async fn spawn(name: &str, args: &[&str], env: &[(String, String)]) -> Proc {
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cannot start govhall");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(i) = line.find("listening on ") {
                return line[i + "listening on ".len()..].trim().to_owned();
            }
        }
        panic!("{name} exited before listening");
    })
    .await
    .unwrap_or_else(|_| panic!("{name} did not start listening in time"));
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Proc {
        child,
        url,
        name: name.to_owned(),
    }
}

/// A dev-token minter sharing its key file with the gateway under test.
pub struct Tokens {
    issuer: DevIssuer,
    pub key_file: PathBuf,
}

impl Tokens {
    pub fn new(dir: &Path) -> Self {
        Self::new_at(&dir.join("dev-issuer.key"))
    }

    /// A minter on the key file at `key_file` (created when missing).
    pub fn new_at(key_file: &Path) -> Self {
        Self {
            issuer: DevIssuer::load_or_create(key_file).unwrap(),
            key_file: key_file.to_owned(),
        }
    }

    pub fn citizen(&self, sub: &str) -> String {
        self.mint(Principal {
            sub: sub.into(),
            kind: PrincipalKind::Citizen,
            roles: vec![],
            division: None,
            department: None,
        })
    }

    pub fn legal_person(&self, sub: &str) -> String {
        self.mint(Principal {
            sub: sub.into(),
            kind: PrincipalKind::LegalPerson,
            roles: vec![],
            division: None,
            department: None,
        })
    }

    /// An integrator (a system acting for applicants) granted `scopes`.
    pub fn integrator(&self, sub: &str, scopes: &[String]) -> String {
        let p = Principal {
            sub: sub.into(),
            kind: PrincipalKind::Integrator,
            roles: vec![],
            division: None,
            department: None,
        };
        self.issuer
            .mint_scoped(&p, scopes, Duration::from_secs(600))
            .unwrap()
    }

    pub fn staff(
        &self,
        sub: &str,
        roles: &[Role],
        division: &str,
        department: Option<&str>,
    ) -> String {
        self.mint(Principal {
            sub: sub.into(),
            kind: PrincipalKind::Staff,
            roles: roles.to_vec(),
            division: Some(division.into()),
            department: department.map(Into::into),
        })
    }

    fn mint(&self, p: Principal) -> String {
        self.issuer.mint(&p, Duration::from_secs(600)).unwrap()
    }
}

/// The environment of `govhall standalone` on the data folder `dir`, any free port, with the
/// development issuer key of `tokens`.
pub fn standalone_env(dir: &Path, tokens: &Tokens) -> Vec<(String, String)> {
    vec![
        ("GOVHALL_DATA_DIR".to_owned(), dir.display().to_string()),
        ("GOVHALL_HTTP__PORT".to_owned(), "0".to_owned()),
        (
            "GOVHALL_DEV_ISSUER__KEY_FILE".to_owned(),
            tokens.key_file.display().to_string(),
        ),
    ]
}

/// Settings that turn the gateway's rate limits off: rate limits are tested on their own, and
/// hundreds of calls from one address in the other tests are not abuse.
pub fn without_rate_limits() -> Vec<(String, String)> {
    vec![
        ("GOVHALL_RATE_LIMIT__PER_IP_PER_MINUTE".into(), "0".into()),
        (
            "GOVHALL_RATE_LIMIT__PER_PRINCIPAL_PER_MINUTE".into(),
            "0".into(),
        ),
    ]
}

/// A unique temporary folder.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("govhall-e2e-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small JSON client for the gateway.
pub struct Api {
    pub base: String,
    client: awc::Client,
}

/// Status and JSON body of a response.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: awc::http::header::HeaderMap,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .finish(),
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::reply(req.send().await.unwrap()).await
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.client.post(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        Self::reply(req.send_json(body).await.unwrap()).await
    }

    /// Any request: `method` on `path`, with an optional token, headers and a body given as
    /// content type and bytes.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let res = match body {
            Some((content_type, bytes)) => {
                req.insert_header(("content-type", content_type))
                    .send_body(bytes)
                    .await
            }
            None => req.send().await,
        };
        Self::reply(res.unwrap()).await
    }

    /// A GET with extra headers and no token.
    pub async fn client_get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.client.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        Self::reply(req.send().await.unwrap()).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .insert_header(("content-type", content_type));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::reply(req.send_body(body).await.unwrap()).await
    }

    async fn reply(
        mut res: awc::ClientResponse<
            impl futures::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
        >,
    ) -> Reply {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.body().limit(10 << 20).await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    /// Polls `path` until `done` holds for the reply, or fails after `secs` seconds.
    pub async fn wait_for(
        &self,
        path: &str,
        token: Option<&str>,
        secs: u64,
        what: &str,
        done: impl Fn(&Reply) -> bool,
    ) -> Reply {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let reply = self.get(path, token).await;
            if done(&reply) {
                return reply;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}; last reply {} {}",
                    reply.status, reply.body
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

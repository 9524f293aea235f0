//! A small JSON client for the gateway and the development tokens it accepts.

use std::{path::Path, time::Duration};

use anyhow::Context;
use govhall_gateway::dev_issuer::DevIssuer;
use govhall_web::{Principal, PrincipalKind, Role};
use serde_json::Value;

/// Tokens live longer than any run (the script is bounded to minutes).
const TOKEN_TTL: Duration = Duration::from_secs(3 * 3600);

/// Mints development tokens with the key file the gateway under test uses.
pub struct Tokens {
    issuer: DevIssuer,
}

impl Tokens {
    /// A minter on `key_file` (created when missing, as the gateway would).
    pub fn new(key_file: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            issuer: DevIssuer::load_or_create(key_file)?,
        })
    }

    /// A citizen's token.
    pub fn citizen(&self, sub: &str) -> anyhow::Result<String> {
        self.mint(Principal {
            sub: sub.into(),
            kind: PrincipalKind::Citizen,
            roles: vec![],
            division: None,
            department: None,
        })
    }

    /// A member of staff with `role` in `division` (and `department`).
    pub fn staff(
        &self,
        sub: &str,
        role: Role,
        division: &str,
        department: Option<&str>,
    ) -> anyhow::Result<String> {
        self.mint(Principal {
            sub: sub.into(),
            kind: PrincipalKind::Staff,
            roles: vec![role],
            division: Some(division.into()),
            department: department.map(Into::into),
        })
    }

    fn mint(&self, p: Principal) -> anyhow::Result<String> {
        self.issuer.mint(&p, TOKEN_TTL)
    }
}

/// Status and JSON body of a response.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body as JSON (`Null` when empty, a string when not JSON).
    pub body: Value,
}

/// The gateway's HTTP API.
#[derive(Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    /// A client of the gateway at `base`, keeping up to `connections` idle connections.
    pub fn new(base: &str, connections: usize) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .timeout(Duration::from_secs(30))
            .build()
            .context("Failed to build the HTTP client")?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// GET `path`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> anyhow::Result<Reply> {
        self.send(reqwest::Method::GET, path, token, None, None)
            .await
    }

    /// POST `body` to `path`, with an optional `Idempotency-Key`.
    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Reply> {
        self.send(
            reqwest::Method::POST,
            path,
            Some(token),
            Some(body),
            idempotency_key,
        )
        .await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Reply> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(b)?);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Ok(Reply { status, body })
    }
}

//! A deployment of separate `govhall serve` processes on PostgreSQL, RabbitMQ and Redis
//! (one database per service, a unique queue prefix), the broker's vhosts, and reading the
//! services' databases and queues afterwards.

use std::{process::Command, time::Duration};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

use crate::helpers::{Api, Proc, Tokens, spawn, temp_dir};

pub struct Cluster {
    pub env: Vec<(String, String)>,
    pub tokens: Tokens,
    pub procs: Vec<Proc>,
    pub gateway: Option<Proc>,
}

impl Cluster {
    pub async fn new() -> Self {
        Self::on(
            govhall_test_support::amqp_url(),
            govhall_test_support::unique_prefix(),
            None,
        )
        .await
    }

    /// A deployment on the broker at `amqp_url` under `prefix`; it shares the development
    /// issuer key of `tokens_of` when given (another deployment's).
    pub async fn on(amqp_url: String, prefix: String, tokens_of: Option<&Tokens>) -> Self {
        let dir = temp_dir();
        let tokens = match tokens_of {
            Some(t) => Tokens::new_at(&t.key_file),
            None => Tokens::new(&dir),
        };
        let mut env = vec![
            ("GOVHALL_BUS__URL".to_owned(), amqp_url),
            ("GOVHALL_BUS__PREFIX".to_owned(), prefix),
            (
                "GOVHALL_BUS__QUEUE_EXPIRES_MS".to_owned(),
                "60000".to_owned(),
            ),
            (
                "GOVHALL_INTERNAL_KEY".to_owned(),
                format!(
                    "{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                ),
            ),
            ("GOVHALL_HTTP__PORT".to_owned(), "0".to_owned()),
            (
                "GOVHALL_REDIS__URL".to_owned(),
                std::env::var("GOVHALL_TEST_REDIS_URL")
                    .unwrap_or_else(|_| "redis://127.0.0.1:6379/".into()),
            ),
            ("GOVHALL_DATA_DIR".to_owned(), dir.display().to_string()),
            ("GOVHALL_DEV_ISSUER__ENABLED".to_owned(), "true".to_owned()),
            (
                "GOVHALL_DEV_ISSUER__KEY_FILE".to_owned(),
                tokens.key_file.display().to_string(),
            ),
        ];
        for service in ["intake", "deadline", "approval", "joint"] {
            let url = govhall_test_support::fresh_postgres_url().await.unwrap();
            env.push((format!("GOVHALL_DATABASE__{}", service.to_uppercase()), url));
        }
        Self {
            env,
            tokens,
            procs: Vec::new(),
            gateway: None,
        }
    }

    pub async fn start(&mut self, service: &str) {
        let proc = spawn(service, &["serve", service], &self.env).await;
        self.env.push((
            format!("GOVHALL_UPSTREAMS__{}", service.to_uppercase()),
            proc.url.clone(),
        ));
        self.procs.push(proc);
    }

    /// Another replica of `service`: same database, broker prefix and Redis, its own port;
    /// the gateway keeps pointing at the first one.
    pub async fn start_replica(&mut self, service: &str) -> Proc {
        spawn(&format!("{service}-2"), &["serve", service], &self.env).await
    }

    /// The gateway needs every upstream URL; a not-yet-started service gets a reserved
    /// port it will later bind.
    pub async fn start_gateway(&mut self) {
        self.gateway = Some(spawn("gateway", &["serve", "gateway"], &self.env).await);
    }

    pub fn api(&self) -> Api {
        Api::new(&self.gateway.as_ref().unwrap().url)
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Two vhosts on the local broker, deleted (with their queues and shovels) when dropped.
pub struct Vhosts(Vec<String>);

pub fn rabbitmqctl(args: &[&str]) {
    let out = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("rabbitmqctl runs on the test machine (scripts/services.sh)");
    assert!(
        out.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Vhosts {
    pub fn new(names: &[String]) -> Self {
        let hosts = Self(names.to_vec());
        for name in names {
            rabbitmqctl(&["add_vhost", name]);
            rabbitmqctl(&["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]);
        }
        hosts
    }
}

impl Drop for Vhosts {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = Command::new("rabbitmqctl")
                .args(["delete_vhost", name])
                .output();
        }
    }
}

pub fn amqp(vhost: &str) -> String {
    format!("amqp://guest:guest@127.0.0.1:5672/{vhost}")
}

pub async fn connect(cluster: &Cluster, service: &str) -> DatabaseConnection {
    let key = format!("GOVHALL_DATABASE__{}", service.to_uppercase());
    let url = &cluster.env.iter().find(|(k, _)| *k == key).unwrap().1;
    Database::connect(url.as_str()).await.unwrap()
}

/// Rows of `sql` (every column cast to text by the query), each joined with " | ".
pub async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| {
            let mut cols = Vec::new();
            let mut i = 0;
            while let Ok(v) = r.try_get_by_index::<Option<String>>(i) {
                cols.push(v.unwrap_or_else(|| "NULL".into()));
                i += 1;
            }
            cols.join(" | ")
        })
        .collect()
}

pub async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    rows(db, sql).await[0].parse().unwrap()
}

/// Records what `sql` (which lists offending rows) finds under `what`.
pub async fn check(db: &DatabaseConnection, what: &str, sql: &str, found: &mut Vec<String>) {
    for row in rows(db, sql).await {
        found.push(format!("{what}: {row}"));
    }
}

/// The deployment's queues (name, ready, unacknowledged) and their total backlog.
pub fn backlog(vhost: Option<&str>, prefix: &str) -> (Vec<String>, i64) {
    let mut args = vec!["list_queues", "-q"];
    if let Some(vhost) = vhost {
        args.extend(["-p", vhost]);
    }
    args.extend(["name", "messages_ready", "messages_unacknowledged"]);
    let out = Command::new("rabbitmqctl")
        .args(&args)
        .output()
        .expect("rabbitmqctl");
    let mine: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let waiting = mine
        .iter()
        .flat_map(|l| l.split(' ').skip(1))
        .map(|c| c.parse::<i64>().unwrap_or(0))
        .sum();
    (mine, waiting)
}

/// SIGKILL: a replica dies mid-work without a chance to finish or hand anything back.
pub async fn kill(mut proc: Proc) {
    proc.child.start_kill().unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), proc.child.wait()).await;
}

// Used by the fault tests (tests/faults), which share this module.
#[allow(dead_code)]
impl Cluster {
    /// SIGKILL to `service` (or `gateway`): it dies mid-work without finishing or handing
    /// back anything. Returns the URL it listened on.
    pub async fn crash(&mut self, service: &str) -> String {
        let proc = if service == "gateway" {
            self.gateway.take().expect("the gateway runs")
        } else {
            let i = self
                .procs
                .iter()
                .position(|p| p.name == service)
                .unwrap_or_else(|| panic!("{service} runs"));
            self.procs.remove(i)
        };
        let url = proc.url.clone();
        kill(proc).await;
        url
    }

    /// Starts `service` (or `gateway`) again on the port of `url`, where the gateway and
    /// the clients expect it.
    pub async fn restart(&mut self, service: &str, url: &str) {
        let port = url.rsplit(':').next().unwrap_or_default().to_owned();
        let mut env = self.env.clone();
        env.push(("GOVHALL_HTTP__PORT".to_owned(), port));
        let proc = spawn(service, &["serve", service], &env).await;
        if service == "gateway" {
            self.gateway = Some(proc);
        } else {
            self.procs.push(proc);
        }
    }

    /// The value of the setting `key` in the deployment's environment.
    pub fn setting(&self, key: &str) -> &str {
        &self
            .env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("{key} is set"))
            .1
    }
}

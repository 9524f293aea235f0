#![doc = include_str!("../README.md")]
//!
//! Modules: [`procs`] starts and measures the `govhall` processes, [`client`] talks to the
//! gateway with development tokens, [`load`] runs the HTTP phases, [`deadline`] the clock
//! phases on the deadline database and bus, [`stats`] turns latencies into percentiles,
//! [`report`] prints the table and writes the JSON.

mod client;
mod deadline;
mod load;
mod procs;
mod report;
mod stats;

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context;
use clap::Parser;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::{
    client::{Api, Tokens},
    load::{Ctx, Scenario},
    procs::{Proc, Resources, Workdir, spawn},
};

const SERVICES: [&str; 4] = ["intake", "deadline", "approval", "joint"];

/// Drives govhall (distributed, then standalone) and reports the figures.
#[derive(Parser, Debug, Clone)]
#[command(name = "govhall-bench")]
pub struct Args {
    /// The `govhall` binary under test.
    #[arg(long, env = "BENCH_GOVHALL")]
    govhall: PathBuf,
    /// Where the JSON summary is written.
    #[arg(long, env = "BENCH_OUT", default_value = "target/bench/summary.json")]
    out: PathBuf,
    /// Folder for logs, data folders and the pid file of this run.
    #[arg(long, env = "BENCH_WORKDIR")]
    workdir: PathBuf,
    /// Names databases (`bench_<run>_<service>`), the queue prefix and Redis keys.
    #[arg(long, env = "BENCH_RUN")]
    run: String,
    /// Concurrent clients of every HTTP phase.
    #[arg(long, env = "BENCH_CONCURRENCY", default_value_t = 16)]
    concurrency: usize,
    /// Seconds of the submit phase.
    #[arg(long, env = "BENCH_SUBMIT_SECS", default_value_t = 15)]
    submit_secs: u64,
    /// Seconds of the full-flow phase.
    #[arg(long, env = "BENCH_FLOW_SECS", default_value_t = 30)]
    flow_secs: u64,
    /// Seconds of the read phase.
    #[arg(long, env = "BENCH_READ_SECS", default_value_t = 10)]
    read_secs: u64,
    /// Running clocks in the deadline database (0 leaves the deadline phase out).
    #[arg(long, env = "BENCH_CLOCKS", default_value_t = 1_000_000)]
    clocks: u64,
    /// Of those, scheduled through the real bus and consumer (the rest are seeded by SQL).
    #[arg(long, env = "BENCH_SCHEDULED", default_value_t = 20_000)]
    scheduled: u64,
    /// Clocks made due at one instant.
    #[arg(long, env = "BENCH_BURST", default_value_t = 10_000)]
    burst: u64,
    /// Leave the standalone phases out.
    #[arg(long, env = "BENCH_SKIP_STANDALONE")]
    skip_standalone: bool,
    /// Matter of every case: a parallel review by a lead and two co-departments (娱乐场所经营许可).
    #[arg(
        long,
        env = "BENCH_MATTER",
        default_value = "11320106MB0937461A4000133004"
    )]
    matter: String,
    /// Division of the window and the departments.
    #[arg(long, env = "BENCH_DIVISION", default_value = "320106")]
    division: String,
    /// The reviewing departments, the lead first.
    #[arg(
        long,
        env = "BENCH_DEPARTMENTS",
        value_delimiter = ',',
        default_value = "320106-WHHLYJ,320106-GAFJ,320106-XFJYDD"
    )]
    departments: Vec<String>,
    /// Milliseconds between two polls while a flow waits for a task or a state.
    #[arg(long, env = "BENCH_POLL_MS", default_value_t = 20)]
    poll_ms: u64,
    /// PostgreSQL server (a database name is appended).
    #[arg(
        long,
        env = "BENCH_PG",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pg: String,
    /// RabbitMQ.
    #[arg(
        long,
        env = "BENCH_AMQP",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    amqp: String,
    /// Redis.
    #[arg(long, env = "BENCH_REDIS", default_value = "redis://127.0.0.1:6379/")]
    redis: String,
    /// pgbench: one-row insert transactions per second (measured by the script).
    #[arg(long, env = "BENCH_BASELINE_ONE")]
    baseline_one: Option<f64>,
    /// pgbench: three-statement write transactions per second (measured by the script).
    #[arg(long, env = "BENCH_BASELINE_THREE")]
    baseline_three: Option<f64>,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

async fn admin_db(args: &Args) -> anyhow::Result<DatabaseConnection> {
    Database::connect(format!("{}/postgres", args.pg))
        .await
        .context("Failed to connect to PostgreSQL")
}

async fn sql(db: &DatabaseConnection, text: &str) -> anyhow::Result<()> {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        text.to_owned(),
    ))
    .await
    .with_context(|| format!("Failed: {text}"))
    .map(drop)
}

/// The HTTP phases against `gateway`; `read` adds the status lookups.
async fn http_phases(
    args: &Args,
    gateway: &str,
    tokens: &Tokens,
    read: bool,
    queues: Option<&str>,
) -> anyhow::Result<Value> {
    // Each phase starts with the previous one's messages handled (distributed: the
    // services' queues empty), so no phase pays for another's backlog.
    let settle = || async {
        if let Some(prefix) = queues {
            drain(&args.amqp, prefix).await
        } else {
            tokio::time::sleep(Duration::from_secs(2)).await;
            Ok(())
        }
    };
    let api = Api::new(gateway, args.concurrency * 2)?;
    let scenario = Scenario {
        matter: args.matter.clone(),
        division: args.division.clone(),
        departments: args.departments.clone(),
        poll: Duration::from_millis(args.poll_ms),
    };
    let ctx: Arc<Ctx> = Ctx::new(api, tokens, scenario, args.concurrency).await?;
    eprintln!("   submit for {} s", args.submit_secs);
    let (submit, cases) = load::submit(&ctx, args.submit_secs).await?;
    settle().await?;
    eprintln!("   full flow for {} s", args.flow_secs);
    let flow = load::flow(&ctx, args.flow_secs).await?;
    let mut out = json!({"submit": submit, "flow": flow});
    if read {
        settle().await?;
        eprintln!("   read for {} s", args.read_secs);
        out["read"] = load::read(&ctx, args.read_secs, cases).await?;
    }
    Ok(out)
}

/// Settings of both topologies: data folder, any free port, the development issuer's key
/// and no rate limits (the limiter is not what is measured: every worker would hit its
/// per-caller quota within seconds).
fn common_env(dir: &std::path::Path, key_file: &std::path::Path) -> Vec<(String, String)> {
    [
        ("GOVHALL_DATA_DIR", dir.display().to_string()),
        ("GOVHALL_HTTP__PORT", "0".into()),
        (
            "GOVHALL_DEV_ISSUER__KEY_FILE",
            key_file.display().to_string(),
        ),
        ("GOVHALL_RATE_LIMIT__PER_IP_PER_MINUTE", "0".into()),
        ("GOVHALL_RATE_LIMIT__PER_PRINCIPAL_PER_MINUTE", "0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The distributed topology: one `govhall serve` per service on PostgreSQL, RabbitMQ, Redis.
async fn distributed(args: &Args, work: &Workdir) -> anyhow::Result<Value> {
    let admin = admin_db(args).await?;
    let prefix = format!("bench.{}.", args.run);
    let dir = work.dir.join("distributed");
    std::fs::create_dir_all(&dir)?;
    let key_file = dir.join("dev-issuer.key");
    let tokens = Tokens::new(&key_file)?;
    let mut env: Vec<(String, String)> = vec![
        ("GOVHALL_BUS__URL".into(), args.amqp.clone()),
        ("GOVHALL_BUS__PREFIX".into(), prefix.clone()),
        ("GOVHALL_BUS__QUEUE_EXPIRES_MS".into(), "60000".into()),
        (
            "GOVHALL_INTERNAL_KEY".into(),
            format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ),
        ),
        ("GOVHALL_REDIS__URL".into(), args.redis.clone()),
        (
            "GOVHALL_REDIS__PREFIX".into(),
            format!("bench:{}:", args.run),
        ),
        ("GOVHALL_DEV_ISSUER__ENABLED".into(), "true".into()),
    ];
    env.extend(common_env(&dir, &key_file));
    let mut databases = Vec::new();
    for service in SERVICES {
        let name = format!("bench_{}_{service}", args.run);
        sql(&admin, &format!("CREATE DATABASE {name}")).await?;
        env.push((
            format!("GOVHALL_DATABASE__{}", service.to_uppercase()),
            format!("{}/{name}", args.pg),
        ));
        databases.push(name);
    }
    let result = async {
        let mut procs: Vec<Proc> = Vec::new();
        for service in SERVICES {
            let p = spawn(&args.govhall, work, service, &["serve", service], &env).await?;
            env.push((
                format!("GOVHALL_UPSTREAMS__{}", service.to_uppercase()),
                p.url.clone(),
            ));
            procs.push(p);
        }
        procs.push(spawn(&args.govhall, work, "gateway", &["serve", "gateway"], &env).await?);
        let gateway = procs.last().map(|p| p.url.clone()).unwrap_or_default();
        eprintln!("== distributed: every service listening, gateway {gateway}");
        let out = measured(args, &procs, &gateway, &tokens, true, &env).await;
        for p in procs {
            p.kill().await;
        }
        out
    }
    .await;
    for name in databases {
        if let Err(e) = sql(
            &admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await
        {
            eprintln!("warning: {e:#}");
        }
    }
    if let Err(e) = delete_topology(&args.amqp, &prefix).await {
        eprintln!("warning: could not delete the queues of {prefix}: {e:#}");
    }
    result
}

/// Load phases with the resources of `procs` sampled throughout.
async fn measured(
    args: &Args,
    procs: &[Proc],
    gateway: &str,
    tokens: &Tokens,
    distributed: bool,
    env: &[(String, String)],
) -> anyhow::Result<Value> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut resources = Resources::default();
    resources.at_rest(&procs.iter().collect::<Vec<_>>());
    let stop = CancellationToken::new();
    let watcher = procs::watch(resources.clone(), stop.clone());
    let prefix = env
        .iter()
        .find(|(k, _)| k == "GOVHALL_BUS__PREFIX")
        .map(|(_, v)| v.as_str());
    let mut out = http_phases(args, gateway, tokens, distributed, prefix).await;
    if distributed
        && args.clocks > 0
        && let Ok(figures) = &mut out
    {
        let setting = |key: &str| {
            env.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .with_context(|| format!("{key} is not set"))
        };
        let db_url = setting("GOVHALL_DATABASE__DEADLINE")?;
        let prefix = setting("GOVHALL_BUS__PREFIX")?;
        match deadline_phase(args, &db_url, &prefix, &resources).await {
            Ok(v) => figures["deadline"] = v,
            Err(e) => out = Err(e),
        }
    }
    stop.cancel();
    let resources = watcher.await.context("the resource watcher panicked")?;
    let mut out = out?;
    out["resources"] = resources.report();
    Ok(out)
}

async fn deadline_phase(
    args: &Args,
    db_url: &str,
    prefix: &str,
    resources: &Resources,
) -> anyhow::Result<Value> {
    let db = Database::connect(db_url).await?;
    let seeded = args.clocks.saturating_sub(args.scheduled);
    eprintln!("== deadline: seeding {seeded} running clocks by SQL");
    let seed_secs = deadline::seed(&db, seeded).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_seeded = resources.rss_now("deadline");
    drain(&args.amqp, prefix).await?;
    eprintln!("   scheduling {} through the bus", args.scheduled);
    let bus = deadline::bus(&args.amqp, prefix);
    let timeout = Duration::from_secs(180);
    let schedule = deadline::schedule(&db, &bus, args.scheduled, timeout).await?;
    eprintln!("   burst of {} due at once", args.burst);
    let burst = deadline::burst(&db, args.burst, timeout).await?;
    let running = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM clocks WHERE state = 'running'".to_owned(),
        ))
        .await?
        .context("no row")?
        .try_get::<i64>("", "n")?;
    Ok(json!({
        "seeded_by_sql": seeded,
        "seed_seconds": seed_secs,
        "running_clocks": running,
        "schedule": schedule,
        "burst": burst,
        "rss_mib": {"after_seed": rss_seeded, "after_burst": resources.rss_now("deadline")},
    }))
}

/// Waits (at most 120 s) until the services' queues under `prefix` hold no message.
async fn drain(amqp: &str, prefix: &str) -> anyhow::Result<()> {
    use lapin::{
        Connection, ConnectionProperties, options::QueueDeclareOptions, types::FieldTable,
    };
    let conn = Connection::connect(amqp, ConnectionProperties::default()).await?;
    let started = std::time::Instant::now();
    loop {
        let mut waiting = 0;
        for service in SERVICES {
            // A passive declare only reads the queue's counters.
            let ch = conn.create_channel().await?;
            let options = QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            };
            let q = ch
                .queue_declare(
                    format!("{prefix}{service}").as_str().into(),
                    options,
                    FieldTable::default(),
                )
                .await?;
            waiting += q.message_count();
            let _ = ch.close(200, "counted".into()).await;
        }
        if waiting == 0 || started.elapsed() > Duration::from_secs(120) {
            eprintln!(
                "   queues drained in {:.1} s ({waiting} left)",
                started.elapsed().as_secs_f64()
            );
            let _ = conn.close(200, "drained".into()).await;
            // The last prefetched messages (not counted as ready) finish meanwhile.
            tokio::time::sleep(Duration::from_secs(1)).await;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Deletes the run's queues and exchanges (they would otherwise expire or linger).
async fn delete_topology(amqp: &str, prefix: &str) -> anyhow::Result<()> {
    use lapin::{Connection, ConnectionProperties, options::*};
    let conn = Connection::connect(amqp, ConnectionProperties::default()).await?;
    for service in SERVICES {
        for queue in [
            format!("{prefix}{service}"),
            format!("{prefix}{service}.dead"),
        ] {
            let ch = conn.create_channel().await?;
            let _ = ch
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
    }
    for exchange in [format!("{prefix}events"), format!("{prefix}dlx")] {
        let ch = conn.create_channel().await?;
        let _ = ch
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
    let _ = conn.close(0, "bench done".into()).await;
    Ok(())
}

/// `govhall standalone` on a fresh data folder.
async fn standalone(args: &Args, work: &Workdir) -> anyhow::Result<Value> {
    let dir = work.dir.join("standalone");
    std::fs::create_dir_all(&dir)?;
    let key_file = dir.join("dev-issuer.key");
    let tokens = Tokens::new(&key_file)?;
    let env = common_env(&dir, &key_file);
    let p = spawn(&args.govhall, work, "standalone", &["standalone"], &env).await?;
    let gateway = p.url.clone();
    eprintln!("== standalone: listening on {gateway}");
    let procs = vec![p];
    let out = measured(args, &procs, &gateway, &tokens, false, &env).await;
    for p in procs {
        p.kill().await;
    }
    out
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // reqwest is built with rustls and no provider chosen: ring, as everywhere in govhall.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let work = Workdir {
        dir: args.workdir.clone(),
    };
    std::fs::create_dir_all(&work.dir)?;
    let load_before = load_average();
    let distributed = distributed(&args, &work).await?;
    let standalone = if args.skip_standalone {
        Value::Null
    } else {
        standalone(&args, &work).await?
    };
    let summary = json!({
        "at": chrono::Utc::now().to_rfc3339(),
        "machine": {
            "cpus": std::thread::available_parallelism().map(usize::from).unwrap_or(0),
            "load_before": load_before,
            "load_after": load_average(),
        },
        "settings": {
            "concurrency": args.concurrency,
            "submit_secs": args.submit_secs,
            "flow_secs": args.flow_secs,
            "read_secs": args.read_secs,
            "poll_ms": args.poll_ms,
            "matter": args.matter,
            "departments": args.departments,
        },
        "baseline": {"pgbench_one_row_tps": args.baseline_one, "pgbench_three_statement_tps": args.baseline_three},
        "distributed": distributed,
        "standalone": standalone,
    });
    report::print(&summary);
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&summary)?)
        .with_context(|| format!("Failed to write {}", args.out.display()))?;
    println!("written: {}", args.out.display());
    let errors = report::errors(&summary);
    if errors > 0 {
        println!("THIS RUN HAD {errors} ERRORS (see error_kinds in the JSON)");
    }
    Ok(())
}

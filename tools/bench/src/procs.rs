//! The `govhall` processes under test: started with their settings, found listening, measured
//! (RSS from /proc) and killed.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// A running `govhall` process, killed when dropped.
pub struct Proc {
    /// Service name (`intake`, `gateway`, `standalone`).
    pub name: String,
    /// Base URL it listens on.
    pub url: String,
    /// Operating-system process id.
    pub pid: u32,
    child: Child,
}

/// Where logs and process ids of one run go.
pub struct Workdir {
    /// The folder: data folders, logs and the pid file.
    pub dir: PathBuf,
}

impl Workdir {
    /// Appends `pid` to `<dir>/pids`, which the script's trap kills if the driver dies.
    fn remember(&self, pid: u32) -> anyhow::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("pids"))
            .context("Failed to open the pid file")?;
        writeln!(f, "{pid}").context("Failed to write the pid file")
    }
}

/// Starts `govhall <args>` with only `env` (and PATH) set; stderr goes to `<dir>/<name>.log`.
pub async fn spawn(
    govhall: &Path,
    work: &Workdir,
    name: &str,
    args: &[&str],
    env: &[(String, String)],
) -> anyhow::Result<Proc> {
    let log = std::fs::File::create(work.dir.join(format!("{name}.log")))
        .context("Failed to create a log file")?;
    let mut cmd = Command::new(govhall);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GOVHALL_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("Failed to start {}", govhall.display()))?;
    let pid = child.id().context("the child has no pid")?;
    work.remember(pid)?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(i) = line.find("listening on ") {
                return Ok(line[i + "listening on ".len()..].trim().to_owned());
            }
        }
        bail!("{name} exited before listening; see {name}.log")
    })
    .await
    .with_context(|| format!("{name} did not start listening within 120 s"))??;
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Proc {
        name: name.to_owned(),
        url,
        pid,
        child,
    })
}

impl Proc {
    /// Resident memory now and its high-water mark, in MiB.
    pub fn memory(&self) -> Memory {
        memory(self.pid)
    }

    /// Kills the process and waits for it.
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}

/// VmRSS and VmHWM of a process, in MiB (`None` when /proc cannot tell).
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Resident set size now.
    pub rss: Option<f64>,
    /// Peak resident set size.
    pub hwm: Option<f64>,
}

fn memory(pid: u32) -> Memory {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return Memory::default();
    };
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
    };
    Memory {
        rss: field("VmRSS:"),
        hwm: field("VmHWM:"),
    }
}

/// Per process: RSS at rest, the highest RSS sampled under load and the peak the kernel saw.
#[derive(Debug, Default, Clone)]
pub struct Resources {
    rows: BTreeMap<String, Row>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Row {
    pid: u32,
    rest: Option<f64>,
    load: Option<f64>,
    peak: Option<f64>,
    /// CPU seconds used until the resting sample, and until the last sample.
    cpu_rest: Option<f64>,
    cpu_last: Option<f64>,
}

/// CPU seconds (user + system) a process has used, from /proc/<pid>/stat.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields are counted after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux architecture govhall runs on.
    Some(ticks / 100.0)
}

impl Resources {
    /// Records the resting RSS of `procs` (before any load).
    pub fn at_rest(&mut self, procs: &[&Proc]) {
        for p in procs {
            let row = Row {
                pid: p.pid,
                rest: p.memory().rss,
                cpu_rest: cpu_seconds(p.pid),
                ..Row::default()
            };
            self.rows.insert(p.name.clone(), row);
        }
    }

    /// Samples the RSS of every process (the highest sample is kept as "under load").
    pub fn sample(&mut self) {
        for row in self.rows.values_mut() {
            let m = memory(row.pid);
            row.load = max(row.load, m.rss);
            row.peak = max(row.peak, m.hwm);
            row.cpu_last = cpu_seconds(row.pid).or(row.cpu_last);
        }
    }

    /// RSS of `name` now, in MiB.
    pub fn rss_now(&self, name: &str) -> Option<f64> {
        self.rows.get(name).and_then(|r| memory(r.pid).rss)
    }

    /// The figures per process: `rest_mib`, `load_mib` (highest sample under load), `peak_mib`,
    /// and the CPU seconds it used from the resting sample to the last one.
    pub fn report(&self) -> Value {
        let rows: BTreeMap<&String, Value> = self
            .rows
            .iter()
            .map(|(name, r)| {
                (
                    name,
                    json!({
                        "pid": r.pid,
                        "rest_mib": r.rest,
                        "load_mib": r.load,
                        "peak_mib": r.peak,
                        "cpu_seconds_under_load": r.cpu_last.zip(r.cpu_rest).map(|(a, b)| a - b),
                    }),
                )
            })
            .collect();
        json!(rows)
    }
}

fn max(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Samples `resources` every 250 ms until `stop` is cancelled, then hands them back.
pub fn watch(
    mut resources: Resources,
    stop: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<Resources> {
    tokio::spawn(async move {
        loop {
            resources.sample();
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
        }
        resources.sample();
        resources
    })
}

//! The chromedriver process behind each [`crate::harness::Browser`], and the throwaway
//! Chromium profile folder it uses.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Debian's Chromium (a wrapper script around /usr/lib/chromium/chromium).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver, the same version as [`CHROMIUM`].
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver on a free local port. Dropping it kills chromedriver and every process under
/// it (Chromium and its helpers), also when a test panics mid-session. They stay in the test's
/// process group, so nextest's kill of a test that ran out of time reaches them too.
pub struct Chromedriver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Chromedriver {
    /// Starts chromedriver and waits until `/status` says it is ready.
    pub async fn start() -> Self {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: run scripts/browser-deps.sh (installs Debian's chromium and \
                 chromium-driver, and axe-core) before the browser tests"
            );
        }
        // The port is picked by binding port 0 and letting go of it; another process may grab
        // it in between, so a chromedriver that dies at once is started again on another.
        let mut last_err = String::new();
        for _ in 0..3 {
            let port = free_port();
            // Output goes to a file, not a pipe nobody reads (Chromium's own messages pass
            // through chromedriver and would fill it); it is quoted when chromedriver fails.
            let log = std::env::temp_dir().join(format!("govhall-chromedriver-{port}.log"));
            let out = std::fs::File::create(&log).unwrap();
            let mut child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
            let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    let output = tail(&log);
                    let _ = std::fs::remove_file(&log);
                    last_err = format!("chromedriver exited ({status}): {output}");
                    break;
                }
                if status_ready(port).await {
                    return Self { child, port, log };
                }
                if tokio::time::Instant::now() > deadline {
                    let output = tail(&log);
                    drop(Self { child, port, log });
                    panic!("chromedriver on port {port} was not ready after 20 s: {output}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        panic!("chromedriver did not start: {last_err}");
    }

    /// The WebDriver endpoint.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // Killing chromedriver alone would leave its Chromium running; its descendants are
        // found first (they are re-parented once chromedriver is gone).
        let mut pids: Vec<String> = descendants(self.child.id())
            .iter()
            .map(u32::to_string)
            .collect();
        pids.push(self.child.id().to_string());
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(&pids)
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Every process below `root`, from the parent ids in /proc/<pid>/stat.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the
        // last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// The last 40 lines of chromedriver's output in `log`.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A free TCP port on 127.0.0.1 at the time of asking.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free local port: {e}"))
}

/// Whether chromedriver's `/status` answers `"ready": true`. One raw HTTP/1.1 request, no
/// client needed; chromedriver refuses HTTP/1.0 and may keep the connection open, so the
/// answer is read until it says ready or not.
async fn status_ready(port: u16) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request =
        format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let read = async {
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
            let text = String::from_utf8_lossy(&answer).replace(' ', "");
            if text.contains("\"ready\":true") {
                return true;
            }
            if text.contains("\"ready\":false") {
                return false;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(2), read)
        .await
        .unwrap_or(false)
}

/// A fresh `--user-data-dir` for one Chromium, removed when dropped.
pub struct Profile(PathBuf);

impl Profile {
    /// A new empty folder under the system's temp folder.
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "govhall-chromium-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

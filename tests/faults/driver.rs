//! A steady load of cases driven through the gateway the way a patient client would: every
//! call is retried while the system is partly down (transport errors, 5xx, 429), a creating
//! POST keeps its `Idempotency-Key` across retries, and an action whose answer was lost is
//! checked against the case's state instead of being repeated blindly.

use std::{
    collections::HashMap,
    path::Path,
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use govhall_web::Role;
use serde_json::{Value, json};

use crate::{flow, helpers::Tokens};

/// How long one step of a case may wait for the system to come back.
const STEP_LIMIT: Duration = Duration::from_secs(150);
const RETRY_EVERY: Duration = Duration::from_millis(250);

/// The departments of the parallel matter (lead first) and of the single one.
pub const PARALLEL_DEPARTMENTS: [&str; 4] =
    ["320102-GTJ", "320102-ZJJ", "320102-HBJ", "320102-RFB"];
pub const SINGLE_DEPARTMENTS: [&str; 1] = ["320102-SCJGJ"];

/// The `n`-th case's matter and reviewing departments: parallel and single in turn.
pub fn matter_of(n: usize) -> (&'static str, &'static [&'static str]) {
    if n.is_multiple_of(2) {
        (flow::PARALLEL, &PARALLEL_DEPARTMENTS)
    } else {
        (flow::SINGLE, &SINGLE_DEPARTMENTS)
    }
}

/// What became of one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The case id, once the submission was answered.
    pub id: Option<String>,
    /// Departments reviewing it.
    pub departments: usize,
    /// `Err` with the step and last answer when it got stuck.
    pub result: Result<(), String>,
    /// Submission to completion.
    pub took: Duration,
    /// Calls that had to be repeated.
    pub retries: usize,
}

struct Answer {
    status: u16,
    body: Value,
}

enum Step<T> {
    Done(T),
    Retry(String),
    Fail(String),
}

impl<T> Step<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Step<U> {
        match self {
            Step::Done(value) => Step::Done(f(value)),
            Step::Retry(why) => Step::Retry(why),
            Step::Fail(why) => Step::Fail(why),
        }
    }
}

/// Drives cases through the gateway at `base`.
pub struct Driver {
    base: String,
    http: awc::Client,
    tokens: Tokens,
    forms: HashMap<&'static str, Value>,
    retries: Mutex<usize>,
}

impl Driver {
    /// A driver minting tokens with the development key at `key_file`; `forms` holds a valid
    /// form per matter.
    pub fn new(base: &str, key_file: &Path, forms: HashMap<&'static str, Value>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: awc::Client::builder()
                .timeout(Duration::from_secs(15))
                .finish(),
            tokens: Tokens::new_at(key_file),
            forms,
            retries: Mutex::new(0),
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Result<Answer, String> {
        let method = awc::http::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(key) = key {
            req = req.insert_header(("Idempotency-Key", key));
        }
        let sent = match body {
            Some(body) => req.send_json(body).await,
            None => req.send().await,
        };
        let mut res = sent.map_err(|e| format!("{path}: {e}"))?;
        let status = res.status().as_u16();
        let bytes = res
            .body()
            .limit(4 << 20)
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer { status, body })
    }

    /// Calls `attempt` until it is done, fails, or `STEP_LIMIT` passes.
    async fn until<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T, String>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Step<T>>,
    {
        let started = Instant::now();
        let mut tries = 0usize;
        loop {
            match attempt().await {
                Step::Done(value) => {
                    *self.retries.lock().unwrap() += tries;
                    return Ok(value);
                }
                Step::Fail(why) => return Err(format!("{what}: {why}")),
                Step::Retry(why) => {
                    if started.elapsed() > STEP_LIMIT {
                        return Err(format!("{what}: still failing after {STEP_LIMIT:?}: {why}"));
                    }
                }
            }
            tries += 1;
            tokio::time::sleep(RETRY_EVERY).await;
        }
    }

    /// Sorts an answer: a status in `ok` is done; the system being (partly) down (transport
    /// error, 5xx, 429) is worth a retry, and so is a 409 for an action (`conflict_retries`:
    /// an earlier attempt is still being answered, or the state moved on and is read
    /// again); anything else is a failure.
    fn judge(answer: Result<Answer, String>, ok: &[u16], conflict_retries: bool) -> Step<Value> {
        match answer {
            Err(e) => Step::Retry(e),
            Ok(a) if ok.contains(&a.status) => Step::Done(a.body),
            Ok(a)
                if a.status >= 500 || a.status == 429 || (conflict_retries && a.status == 409) =>
            {
                Step::Retry(format!("{} {}", a.status, a.body))
            }
            Ok(a) => Step::Fail(format!("{} {}", a.status, a.body)),
        }
    }

    async fn case(&self, id: &str, citizen: &str) -> Step<Value> {
        let answer = self
            .call("GET", &format!("/api/v1/cases/{id}"), citizen, None, None)
            .await;
        match Self::judge(answer, &[200], false) {
            Step::Fail(why) => Step::Fail(format!("reading the case: {why}")),
            other => other,
        }
    }

    /// Waits until the case satisfies `done`.
    async fn wait_case(
        &self,
        what: &str,
        id: &str,
        citizen: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value, String> {
        self.until(what, || async {
            match self.case(id, citizen).await {
                Step::Done(case) if done(&case) => Step::Done(case),
                Step::Done(case) => Step::Retry(format!("state {}", case["state"])),
                Step::Retry(why) => Step::Retry(why),
                Step::Fail(why) => Step::Fail(why),
            }
        })
        .await
    }

    /// One case from submission to completion: submit → accept → every department's
    /// opinion → decision → hand-over → completed with its due time.
    pub async fn run_case(&self, citizen: &str, n: usize) -> Outcome {
        let (matter, departments) = matter_of(n);
        let started = Instant::now();
        let retries_before = *self.retries.lock().unwrap();
        let mut id = None;
        let result = self.steps(citizen, matter, departments, &mut id).await;
        Outcome {
            id,
            departments: departments.len(),
            result,
            took: started.elapsed(),
            retries: self.retries.lock().unwrap().saturating_sub(retries_before),
        }
    }

    async fn steps(
        &self,
        citizen_sub: &str,
        matter: &str,
        departments: &[&str],
        id_out: &mut Option<String>,
    ) -> Result<(), String> {
        let citizen = self.tokens.citizen(citizen_sub);
        let body = flow::application(matter, self.forms[matter].clone(), "11010519491231002X");
        let key = uuid::Uuid::new_v4().to_string();
        let id: String = self
            .until("submit", || async {
                let answer = self
                    .call("POST", "/api/v1/cases", &citizen, Some(&body), Some(&key))
                    .await;
                Self::judge(answer, &[201, 200], true)
                    .map(|case| case["id"].as_str().unwrap_or_default().to_owned())
            })
            .await?;
        *id_out = Some(id.clone());

        let clerk = self
            .tokens
            .staff("clerk-f", &[Role::WindowClerk], flow::DIVISION, None);
        self.until("accept", || async {
            let case = match self.case(&id, &citizen).await {
                Step::Done(case) => case,
                Step::Retry(why) => return Step::Retry(why),
                Step::Fail(why) => return Step::Fail(why),
            };
            if case["state"] != "submitted" {
                // Accepted already (an earlier answer was lost on the way back).
                return Step::Done(());
            }
            let answer = self
                .call(
                    "POST",
                    &format!("/api/v1/cases/{id}/acceptance"),
                    &clerk,
                    Some(&json!({"version": case["version"]})),
                    None,
                )
                .await;
            Self::judge(answer, &[200], true).map(drop)
        })
        .await?;

        for dept in departments {
            let reviewer = self.tokens.staff(
                &format!("reviewer-{dept}"),
                &[Role::Reviewer],
                flow::DIVISION,
                Some(dept),
            );
            self.until(&format!("opinion of {dept}"), || async {
                let answer = self
                    .call(
                        "GET",
                        &format!("/api/v1/tasks?case_id={id}"),
                        &reviewer,
                        None,
                        None,
                    )
                    .await;
                let task = match Self::judge(answer, &[200], false) {
                    Step::Done(inbox) => match inbox["items"].get(0) {
                        Some(task) => task.clone(),
                        None => return Step::Retry("no task yet".into()),
                    },
                    Step::Retry(why) => return Step::Retry(why),
                    Step::Fail(why) => return Step::Fail(format!("inbox: {why}")),
                };
                if task["state"] == "done" {
                    return Step::Done(());
                }
                let task_id = task["id"].as_str().unwrap_or_default();
                let answer = self
                    .call(
                        "POST",
                        &format!("/api/v1/tasks/{task_id}/opinion"),
                        &reviewer,
                        Some(&json!({"outcome": "approved", "comment": "材料齐全，符合法定条件"})),
                        None,
                    )
                    .await;
                Self::judge(answer, &[200], true).map(drop)
            })
            .await?;
        }

        let decided = self
            .wait_case("the decision", &id, &citizen, |c| {
                c["state"] == "decided" || c["state"] == "completed"
            })
            .await?;
        if decided["outcome"] != "approved" {
            return Err(format!("decided {}", decided["outcome"]));
        }
        self.until("hand-over", || async {
            let case = match self.case(&id, &citizen).await {
                Step::Done(case) => case,
                Step::Retry(why) => return Step::Retry(why),
                Step::Fail(why) => return Step::Fail(why),
            };
            if case["state"] != "decided" {
                return Step::Done(());
            }
            let answer = self
                .call(
                    "POST",
                    &format!("/api/v1/cases/{id}/delivery"),
                    &clerk,
                    Some(&json!({"method": "pickup"})),
                    None,
                )
                .await;
            Self::judge(answer, &[200], true).map(drop)
        })
        .await?;
        self.wait_case("completion with its due time", &id, &citizen, |c| {
            c["state"] == "completed" && c["due_at"].is_string()
        })
        .await?;
        Ok(())
    }

    /// `workers` clients, each running case after case until `stop` is set; every outcome
    /// lands in `outcomes`.
    pub async fn load(
        &self,
        label: &str,
        workers: usize,
        stop: &AtomicBool,
        outcomes: &Mutex<Vec<Outcome>>,
    ) {
        futures::future::join_all((0..workers).map(|w| async move {
            let mut n = w;
            while !stop.load(Ordering::SeqCst) {
                let outcome = self.run_case(&format!("citizen-{label}-{n}"), n).await;
                if let Err(why) = &outcome.result {
                    println!("{label}: case {:?} stuck: {why}", outcome.id);
                }
                outcomes.lock().unwrap().push(outcome);
                n += workers;
            }
        }))
        .await;
    }
}

impl Driver {
    /// What the API shows of `outcomes`' cases, read as staff of the division: each
    /// completed, each once-only timeline entry once, one task per reviewing department and
    /// one clock per kind and department, every clock stopped. The anomalies, one line each.
    pub async fn audit(&self, outcomes: &[&Outcome]) -> Vec<String> {
        let clerk = self
            .tokens
            .staff("clerk-audit", &[Role::WindowClerk], flow::DIVISION, None);
        let mut found = Vec::new();
        for outcome in outcomes {
            let Some(id) = &outcome.id else { continue };
            let read = |path: String, token: String| async move {
                self.until(&format!("GET {path}"), || async {
                    let answer = self.call("GET", &path, &token, None, None).await;
                    Self::judge(answer, &[200], false)
                })
                .await
            };
            let case = match read(format!("/api/v1/cases/{id}"), clerk.clone()).await {
                Ok(case) => case,
                Err(e) => {
                    found.push(format!("case {id}: {e}"));
                    continue;
                }
            };
            if case["state"] != "completed" {
                found.push(format!("case {id}: {}", case["state"]));
            }
            let mut kinds: HashMap<String, usize> = HashMap::new();
            for entry in case["timeline"].as_array().into_iter().flatten() {
                let kind = entry["kind"].as_str().unwrap_or_default().to_owned();
                *kinds.entry(kind).or_default() += 1;
            }
            for (kind, count) in &kinds {
                if *count > 1 && !kind.starts_with("clock_") {
                    found.push(format!("case {id}: timeline entry {kind} {count} times"));
                }
            }
            for dept in departments_of(outcome) {
                let reviewer = self.tokens.staff(
                    &format!("reviewer-{dept}"),
                    &[Role::Reviewer],
                    flow::DIVISION,
                    Some(dept),
                );
                match read(format!("/api/v1/tasks?case_id={id}"), reviewer).await {
                    Ok(tasks) => {
                        let n = tasks["items"].as_array().map_or(0, Vec::len);
                        if n != 1 {
                            found.push(format!("case {id}: {n} tasks for {dept}"));
                        }
                    }
                    Err(e) => found.push(format!("case {id}: {e}")),
                }
            }
            match read(format!("/api/v1/clocks?case_id={id}"), clerk.clone()).await {
                Ok(clocks) => {
                    let mut seen: HashMap<(String, String), usize> = HashMap::new();
                    for clock in clocks["items"].as_array().into_iter().flatten() {
                        let key = (
                            clock["kind"].as_str().unwrap_or_default().to_owned(),
                            clock["department_code"].as_str().unwrap_or("-").to_owned(),
                        );
                        *seen.entry(key).or_default() += 1;
                        if clock["state"] != "stopped" {
                            found.push(format!(
                                "case {id}: clock {} {}",
                                clock["kind"], clock["state"]
                            ));
                        }
                    }
                    for ((kind, dept), count) in &seen {
                        if *count > 1 {
                            found.push(format!("case {id}: {count} {kind} clocks for {dept}"));
                        }
                    }
                    let task_clocks = seen.keys().filter(|(k, _)| k == "task").count();
                    if task_clocks != outcome.departments {
                        found.push(format!(
                            "case {id}: {task_clocks} task clocks for {} departments",
                            outcome.departments
                        ));
                    }
                }
                Err(e) => found.push(format!("case {id}: {e}")),
            }
        }
        found
    }
}

/// The departments that reviewed `outcome`'s case.
fn departments_of(outcome: &Outcome) -> &'static [&'static str] {
    if outcome.departments == PARALLEL_DEPARTMENTS.len() {
        &PARALLEL_DEPARTMENTS
    } else {
        &SINGLE_DEPARTMENTS
    }
}

/// Percentile `p` (0–100) of `samples`.
pub fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) * p) / 100]
}

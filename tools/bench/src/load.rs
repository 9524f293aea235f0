//! The HTTP phases, driven through the gateway by `concurrency` workers for a fixed time:
//! submit, full flow (the calls of tests/e2e/flow.rs) and status reads.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use futures::future::join_all;
use govhall_web::Role;
use serde_json::{Value, json};

use crate::{
    client::{Api, Reply, Tokens},
    stats::Tally,
};

/// The matter every case applies for and who handles it.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Matter implementation code.
    pub matter: String,
    /// Division of the accepting window and of the reviewing departments.
    pub division: String,
    /// The reviewing departments: the lead first, then the co-departments.
    pub departments: Vec<String>,
    /// Interval between two polls while waiting for a task or a state.
    pub poll: Duration,
}

/// Everything the workers share.
pub struct Ctx {
    api: Api,
    scenario: Scenario,
    form: Value,
    citizens: Vec<String>,
    clerk: String,
    reviewers: Vec<String>,
}

/// Why an operation failed, as counted in the summary (`"accept: 409 invalid_state"`).
type Failure = String;

impl Ctx {
    /// Mints the tokens of `workers` citizens, a clerk and one reviewer per department, and
    /// reads the matter's example form from the public catalog.
    pub async fn new(
        api: Api,
        tokens: &Tokens,
        scenario: Scenario,
        workers: usize,
    ) -> anyhow::Result<Arc<Self>> {
        let matter = api
            .get(&format!("/api/v1/matters/{}", scenario.matter), None)
            .await?;
        anyhow::ensure!(
            matter.status == 200,
            "matter {}: {} {}",
            scenario.matter,
            matter.status,
            matter.body
        );
        let form = matter.body["form_schema"]["examples"][0].clone();
        let citizens = (0..workers)
            .map(|w| tokens.citizen(&format!("bench-citizen-{w}")))
            .collect::<anyhow::Result<_>>()?;
        let clerk = tokens.staff("bench-clerk", Role::WindowClerk, &scenario.division, None)?;
        let reviewers = scenario
            .departments
            .iter()
            .map(|d| {
                tokens.staff(
                    &format!("bench-reviewer-{d}"),
                    Role::Reviewer,
                    &scenario.division,
                    Some(d),
                )
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Arc::new(Self {
            api,
            scenario,
            form,
            citizens,
            clerk,
            reviewers,
        }))
    }

    /// Submits one application as citizen `worker`; returns the case id.
    async fn submit(&self, worker: usize) -> Result<String, Failure> {
        let body = json!({
            "matter_code": self.scenario.matter,
            "applicant": {"kind": "natural_person", "name": "张三", "id_number": "11010519491231002X"},
            "form": self.form,
        });
        let key = uuid::Uuid::new_v4().to_string();
        let r = self
            .api
            .post("/api/v1/cases", &self.citizens[worker], &body, Some(&key))
            .await;
        let r = expect("submit", r, 201)?;
        r.body["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "submit: no id in the reply".to_owned())
    }

    /// GET `path` every poll interval until `done` holds (at most 60 s).
    async fn wait_for(
        &self,
        what: &str,
        path: &str,
        token: &str,
        done: impl Fn(&Reply) -> bool,
    ) -> Result<Reply, Failure> {
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let r = self
                .api
                .get(path, Some(token))
                .await
                .map_err(|e| format!("{what}: {}", transport(&e)))?;
            if done(&r) {
                return Ok(r);
            }
            if r.status >= 500 {
                return Err(format!("{what}: {}", problem(&r)));
            }
            if Instant::now() > until {
                return Err(format!("{what}: not within 60 s"));
            }
            tokio::time::sleep(self.scenario.poll).await;
        }
    }

    /// The open task of department `dept` on `case`, once approval has opened it.
    async fn task_of(&self, case: &str, dept: usize) -> Result<String, Failure> {
        let inbox = self
            .wait_for(
                "task opened",
                &format!("/api/v1/tasks?case_id={case}"),
                &self.reviewers[dept],
                |r| r.status == 200 && r.body["items"].as_array().is_some_and(|a| !a.is_empty()),
            )
            .await?;
        inbox.body["items"][0]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "task opened: no id".to_owned())
    }

    /// Department `dept` approves in its task.
    async fn approve(&self, task: &str, dept: usize) -> Result<(), Failure> {
        let body = json!({"outcome": "approved", "comment": "材料齐全，符合法定条件"});
        let r = self
            .api
            .post(
                &format!("/api/v1/tasks/{task}/opinion"),
                &self.reviewers[dept],
                &body,
                None,
            )
            .await;
        expect("opinion", r, 200).map(drop)
    }

    /// submit → accept → every department reviews (in parallel) → decided → delivered →
    /// completed, as citizen `worker`.
    async fn flow(&self, worker: usize) -> Result<Steps, Failure> {
        let mut steps = Steps::start();
        let case = self.submit(worker).await?;
        steps.lap("submit");
        let r = self
            .api
            .post(
                &format!("/api/v1/cases/{case}/acceptance"),
                &self.clerk,
                &json!({}),
                None,
            )
            .await;
        expect("accept", r, 200)?;
        steps.lap("accept");
        let departments = 0..self.reviewers.len();
        let tasks = join_all(departments.clone().map(|d| self.task_of(&case, d)))
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        steps.lap("every task opened");
        for r in join_all(departments.map(|d| self.approve(&tasks[d], d))).await {
            r?;
        }
        steps.lap("every opinion given");
        let citizen = &self.citizens[worker];
        let path = format!("/api/v1/cases/{case}");
        self.wait_for("decided", &path, citizen, |r| r.body["state"] == "decided")
            .await?;
        steps.lap("review concluded → case decided");
        let r = self
            .api
            .post(
                &format!("/api/v1/cases/{case}/delivery"),
                &self.clerk,
                &json!({"method": "pickup"}),
                None,
            )
            .await;
        let handed = expect("delivery", r, 200)?;
        if handed.body["state"] != "completed" {
            self.wait_for("completed", &path, citizen, |r| {
                r.body["state"] == "completed"
            })
            .await?;
        }
        steps.lap("delivery → completed");
        Ok(steps)
    }
}

/// Time spent in each step of one flow.
pub struct Steps {
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Steps {
    fn start() -> Self {
        Self {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, step: &'static str) {
        let now = Instant::now();
        self.laps.push((step, now - self.last));
        self.last = now;
    }
}

fn transport(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    if text.contains("timed out") {
        "client timeout".into()
    } else {
        "connection error".into()
    }
}

fn problem(r: &Reply) -> String {
    match r.body["code"].as_str() {
        Some(code) => format!("{} {code}", r.status),
        None => r.status.to_string(),
    }
}

fn expect(what: &str, r: anyhow::Result<Reply>, status: u16) -> Result<Reply, Failure> {
    match r {
        Ok(r) if r.status == status => Ok(r),
        Ok(r) => Err(format!("{what}: {}", problem(&r))),
        Err(e) => Err(format!("{what}: {}", transport(&e))),
    }
}

/// Runs `op(worker)` in a loop on every worker for `secs`; returns what they recorded, the
/// time it took (until the last started operation finished) and what each success returned.
async fn run<T, F, Fut>(
    ctx: &Arc<Ctx>,
    secs: u64,
    op: F,
) -> anyhow::Result<(Tally, Duration, Vec<(usize, T)>)>
where
    T: Send + 'static,
    F: Fn(Arc<Ctx>, usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Result<T, Failure>> + Send,
{
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let workers = (0..ctx.citizens.len()).map(|w| {
        let ctx = ctx.clone();
        let op = op.clone();
        tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut out = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                match op(ctx.clone(), w).await {
                    Ok(v) => {
                        tally.ok(t.elapsed());
                        out.push((w, v));
                    }
                    Err(e) => tally.error(e),
                }
            }
            (tally, out)
        })
    });
    let mut tally = Tally::default();
    let mut outs = Vec::new();
    for done in join_all(workers).await {
        let (t, o) = done.context("a load worker panicked")?;
        tally.merge(t);
        outs.extend(o);
    }
    Ok((tally, started.elapsed(), outs))
}

/// Submit phase: applications per second and latency. Returns the figures and the cases
/// created (with the worker whose citizen owns each).
pub async fn submit(ctx: &Arc<Ctx>, secs: u64) -> anyhow::Result<(Value, Vec<(usize, String)>)> {
    let (mut tally, took, cases) =
        run(ctx, secs, |ctx, w| async move { ctx.submit(w).await }).await?;
    Ok((tally.summary(took), cases))
}

/// Full-flow phase: completed cases per second and end-to-end latency.
/// The figures carry `steps`: p50 and p99 of each step, to show where the time goes.
pub async fn flow(ctx: &Arc<Ctx>, secs: u64) -> anyhow::Result<Value> {
    let (mut tally, took, flows) =
        run(ctx, secs, |ctx, w| async move { ctx.flow(w).await }).await?;
    let mut by_step: Vec<(&str, Tally)> = Vec::new();
    for (_, steps) in flows {
        for (i, (name, d)) in steps.laps.into_iter().enumerate() {
            if by_step.len() <= i {
                by_step.push((name, Tally::default()));
            }
            by_step[i].1.ok(d);
        }
    }
    let mut out = tally.summary(took);
    out["steps"] = by_step
        .into_iter()
        .map(|(name, mut t)| {
            let s = t.summary(took);
            json!({"step": name, "p50_ms": s["p50_ms"], "p99_ms": s["p99_ms"]})
        })
        .collect();
    Ok(out)
}

/// Read phase: each worker reads its own citizen's cases (GET /api/v1/cases/{id}) in turn.
pub async fn read(ctx: &Arc<Ctx>, secs: u64, cases: Vec<(usize, String)>) -> anyhow::Result<Value> {
    let mut mine: Vec<Vec<String>> = vec![Vec::new(); ctx.citizens.len()];
    for (w, id) in cases {
        mine[w].push(id);
    }
    anyhow::ensure!(
        mine.iter().all(|m| !m.is_empty()),
        "the read phase needs cases submitted by every worker"
    );
    let mine = Arc::new(mine);
    let next = Arc::new(
        (0..ctx.citizens.len())
            .map(|_| std::sync::atomic::AtomicUsize::new(0))
            .collect::<Vec<_>>(),
    );
    let ctx2 = ctx.clone();
    let (mut tally, took, _) = run(&ctx2, secs, move |ctx, w| {
        let mine = mine.clone();
        let next = next.clone();
        async move {
            let i = next[w].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let id = &mine[w][i % mine[w].len()];
            let r = ctx
                .api
                .get(&format!("/api/v1/cases/{id}"), Some(&ctx.citizens[w]))
                .await;
            expect("read", r, 200).map(drop)
        }
    })
    .await?;
    Ok(tally.summary(took))
}

//! The embedded deployment (`govhall standalone`: SQLite and the in-process bus) under a
//! steady load of cases, killed with SIGKILL at random moments and started again on the same
//! data folder: the outbox keeps every message that was not yet handled, so nothing is lost,
//! and the inboxes keep the redelivered ones from having a second effect.

use std::{
    collections::HashMap,
    sync::{Mutex, atomic::AtomicBool},
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::{
    cluster::kill,
    distributed::seed,
    driver::{Driver, Outcome, percentile},
    flow,
    helpers::{Api, Tokens, spawn, standalone_env, temp_dir, without_rate_limits},
};

const WORKERS: usize = 3;
const CRASHES: usize = 3;

#[actix_web::test]
async fn no_case_is_lost_or_duplicated_when_standalone_is_killed_mid_flow() {
    let started = Instant::now();
    let seed = seed();
    println!("faults: standalone seed {seed} (GOVHALL_FAULTS_SEED={seed} repeats the moments)");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = temp_dir();
    let tokens = Tokens::new(&dir);
    let mut env = standalone_env(&dir, &tokens);
    // The clients call as fast as they can; the limiter is not what is tested here.
    env.extend(without_rate_limits());
    let first = spawn("standalone", &["standalone"], &env).await;
    let url = first.url.clone();
    let mut proc = Some(first);
    // Started again on the same port, where the clients expect it.
    let port = url.rsplit(':').next().unwrap().to_owned();
    env.push(("GOVHALL_HTTP__PORT".to_owned(), port));

    let api = Api::new(&url);
    let mut forms = HashMap::new();
    for matter in [flow::PARALLEL, flow::SINGLE] {
        forms.insert(matter, flow::example_form(&api, matter).await);
    }
    let driver = Driver::new(&url, &tokens.key_file, forms);
    let baseline = driver.run_case("citizen-sprobe-0", 0).await;
    baseline
        .result
        .clone()
        .expect("a case completes before any fault");
    let mut probes: Vec<Outcome> = vec![baseline];

    let stop = AtomicBool::new(false);
    let outcomes = Mutex::new(Vec::new());
    let load = driver.load("s", WORKERS, &stop, &outcomes);
    let mut recoveries = Vec::new();
    let chaos = async {
        for n in 1..=CRASHES {
            tokio::time::sleep(Duration::from_millis(rng.random_range(1000..4000))).await;
            let at = Instant::now();
            kill(proc.take().unwrap()).await;
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..1000))).await;
            proc = Some(spawn("standalone", &["standalone"], &env).await);
            let outcome = driver.run_case(&format!("citizen-sprobe-{n}"), n).await;
            recoveries.push(at.elapsed());
            probes.push(outcome);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    futures::join!(load, chaos);

    let outcomes = outcomes.into_inner().unwrap();
    let all: Vec<&Outcome> = outcomes.iter().chain(&probes).collect();
    let stuck: Vec<_> = all.iter().filter(|o| o.result.is_err()).collect();
    let found = driver.audit(&all).await;
    let completed = all.iter().filter(|o| o.result.is_ok()).count();
    let took: Vec<Duration> = all
        .iter()
        .filter(|o| o.result.is_ok())
        .map(|o| o.took)
        .collect();
    let longest = recoveries.iter().max().copied().unwrap_or_default();
    println!("faults: ── standalone ─────────────────────────────────────────────");
    for (i, took) in recoveries.iter().enumerate() {
        println!(
            "faults: recovery after kill -9 standalone #{} {took:>8.1?}",
            i + 1
        );
    }
    println!(
        "faults: cases {} | completed {completed} | lost {} | stuck {} | duplicated effects {} | \
         longest recovery {longest:.1?} | case time p50 {:.1?} p99 {:.1?} | run {:.1?}",
        all.len(),
        all.len() - completed,
        stuck.len(),
        found.len(),
        percentile(&took, 50),
        percentile(&took, 99),
        started.elapsed()
    );
    for f in &found {
        println!("faults: FOUND {f}");
    }
    assert!(stuck.is_empty(), "cases stuck: {stuck:#?}");
    assert!(
        found.is_empty(),
        "duplicated or missing effects: {found:#?}"
    );
    let status = proc.unwrap().terminate().await;
    assert!(status.success(), "the last start stops cleanly: {status:?}");
}

//! The distributed deployment (one `govhall serve` process per service on PostgreSQL,
//! RabbitMQ and Redis) under a steady load of cases, while it is hit by one fault after
//! another, with every message delivered twice throughout.

use std::{
    collections::HashMap,
    sync::{Mutex, atomic::AtomicBool},
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

use crate::{
    audit,
    broker::{self, BrokerStopped, PostgresStopped, Tap},
    cluster::{Cluster, Vhosts, amqp, backlog, connect, scalar},
    driver::{Driver, Outcome, percentile},
    flow,
    helpers::{binary, without_rate_limits},
};

const SERVICES: [&str; 4] = ["intake", "deadline", "approval", "joint"];
/// Clients submitting and pushing cases through, one case at a time each.
const WORKERS: usize = 4;
/// Deliveries of a message before it is dead-lettered: the default, so that the PostgreSQL
/// restart shows that an outage longer than the redelivery backoffs dead-letters nothing.
const DELIVERY_LIMIT: u64 = 5;

/// The seed of the random moments: `GOVHALL_FAULTS_SEED`, or from the clock (printed, so a
/// failing run can be repeated).
pub fn seed() -> u64 {
    std::env::var("GOVHALL_FAULTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
}

/// A message the deadline service can never handle: a case-accepted event whose payload is
/// not one.
fn poison() -> (uuid::Uuid, Vec<u8>) {
    let id = uuid::Uuid::now_v7();
    let envelope = json!({
        "message_id": id,
        "type": "intake.case.accepted",
        "schema_version": 1,
        "occurred_at": chrono::Utc::now().to_rfc3339(),
        "producer": "intake",
        "correlation_id": uuid::Uuid::now_v7(),
        "causation_id": null,
        "traceparent": null,
        "division_code": "320102",
        "payload": {"accepted": "not like this"},
    });
    (id, serde_json::to_vec(&envelope).unwrap())
}

/// The dead letters of `service` as `govhall dead-letters --json` shows them to an operator.
fn dead_letters(cluster: &Cluster, service: &str) -> Vec<Value> {
    let out = std::process::Command::new(binary())
        .args(["dead-letters", service, "--json"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .envs(cluster.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "govhall dead-letters {service}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[actix_web::test]
async fn no_case_is_lost_or_duplicated_through_crashes_broker_and_database_restarts_poison_and_double_delivery()
 {
    let started = Instant::now();
    let seed = seed();
    println!("faults: seed {seed} (GOVHALL_FAULTS_SEED={seed} repeats the moments)");
    let mut rng = StdRng::seed_from_u64(seed);

    // A vhost of its own: closing "all" connections hits this deployment only.
    let vhost = format!("govhall-faults-{}", uuid::Uuid::new_v4().simple());
    let _vhosts = Vhosts::new(std::slice::from_ref(&vhost));
    let prefix = govhall_test_support::unique_prefix();
    let mut cluster = Cluster::on(amqp(&vhost), prefix.clone(), None).await;
    // Production queues: none expires while unused (the dead-letter queues have no
    // consumer); the vhost takes them all away at the end.
    cluster
        .env
        .retain(|(k, _)| k != "GOVHALL_BUS__QUEUE_EXPIRES_MS");
    cluster.env.extend(without_rate_limits());
    for service in SERVICES {
        cluster.start(service).await;
    }
    cluster.start_gateway().await;
    let gateway_url = cluster.gateway.as_ref().unwrap().url.clone();
    let (exchange, tap_queue) = (format!("{prefix}events"), format!("{prefix}faults.tap"));
    let mut tap = Some(Tap::start(&amqp(&vhost), &exchange, &tap_queue));
    let mut copied = 0;

    let api = cluster.api();
    let mut forms = HashMap::new();
    for matter in [flow::PARALLEL, flow::SINGLE] {
        forms.insert(matter, flow::example_form(&api, matter).await);
    }
    let driver = Driver::new(&gateway_url, &cluster.tokens.key_file, forms);
    let mut probes: Vec<Outcome> = Vec::new();
    let baseline = driver.run_case("citizen-probe-0", 0).await;
    baseline
        .result
        .clone()
        .expect("a case completes before any fault");
    println!("faults: one case alone takes {:.1?}", baseline.took);
    probes.push(baseline);

    let stop = AtomicBool::new(false);
    let outcomes = Mutex::new(Vec::new());
    let load = driver.load("f", WORKERS, &stop, &outcomes);
    let mut recoveries: Vec<(String, Duration)> = Vec::new();
    let mut poisoned = None;
    let chaos = async {
        // Recovery: from the fault until a case submitted after it has completed.
        let probe = |name: String, since: Instant, n: usize| {
            let driver = &driver;
            async move {
                let outcome = driver.run_case(&format!("citizen-probe-{n}"), n).await;
                (name, since.elapsed(), outcome)
            }
        };
        let mut n = 1;
        for service in SERVICES.iter().chain(&["gateway"]) {
            tokio::time::sleep(Duration::from_millis(rng.random_range(1000..4000))).await;
            let at = Instant::now();
            let url = cluster.crash(service).await;
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..1500))).await;
            cluster.restart(service, &url).await;
            let (name, took, outcome) = probe(format!("kill -9 {service}"), at, n).await;
            recoveries.push((name, took));
            probes.push(outcome);
            n += 1;
        }

        tokio::time::sleep(Duration::from_millis(rng.random_range(1000..3000))).await;
        let at = Instant::now();
        broker::close_connections(&vhost);
        let (name, took, outcome) = probe("close all broker connections".into(), at, n).await;
        recoveries.push((name, took));
        probes.push(outcome);
        n += 1;

        tokio::time::sleep(Duration::from_millis(rng.random_range(1000..3000))).await;
        let at = Instant::now();
        let stopped = BrokerStopped::stop();
        tokio::time::sleep(Duration::from_secs(3)).await;
        stopped.start();
        let (name, took, outcome) =
            probe("stop and start the RabbitMQ application".into(), at, n).await;
        recoveries.push((name, took));
        probes.push(outcome);
        n += 1;

        // PostgreSQL stops for a few seconds. So that messages reach the consumers while it is
        // down (the outboxes cannot publish then), the tap pauses a second before and its
        // copies pile up; it resumes once PostgreSQL is down and they all arrive meanwhile.
        tokio::time::sleep(Duration::from_millis(rng.random_range(1000..3000))).await;
        copied += tap.take().unwrap().stop().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let at = Instant::now();
        let stopped = PostgresStopped::stop();
        tap = Some(Tap::start(&amqp(&vhost), &exchange, &tap_queue));
        tokio::time::sleep(Duration::from_secs(4)).await;
        stopped.start();
        println!("faults: PostgreSQL down for {:.1?}", at.elapsed());
        let (name, took, outcome) = probe("stop and start PostgreSQL".into(), at, n).await;
        recoveries.push((name, took));
        probes.push(outcome);
        n += 1;

        // The poison goes straight into the deadline queue; a case flows meanwhile, and the
        // deadline service's inbox shows what it handled while the poison was being retried.
        let (poison_id, body) = poison();
        let at = Instant::now();
        let sent_at = chrono::Utc::now();
        broker::publish_to_queue(&amqp(&vhost), &format!("{prefix}deadline"), &body)
            .await
            .unwrap();
        let (name, took, outcome) = probe("a poison message".into(), at, n).await;
        recoveries.push((name, took));
        probes.push(outcome);
        let listed = loop {
            let letters = dead_letters(&cluster, "deadline");
            if let Some(letter) = letters
                .iter()
                .find(|l| l["message_id"] == poison_id.to_string())
            {
                break letter.clone();
            }
            assert!(
                at.elapsed() < Duration::from_secs(60),
                "the poison message never reached the dead letters: {letters:?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        poisoned = Some((poison_id, sent_at, listed));

        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    futures::join!(load, chaos);
    let flow_time = started.elapsed();
    copied += tap.take().unwrap().stop().await;

    // The poison: listed for the operator with its reason and deliveries, alone in the dead
    // letters, and the deadline queue kept moving while it was retried.
    let (poison_id, sent_at, listed) = poisoned.unwrap();
    println!("faults: the operator sees the poison as {listed}");
    let reason = listed["reason"].as_str().unwrap_or_default();
    assert!(
        !reason.is_empty() && reason != "unknown",
        "the dead letter says why: {listed}"
    );
    assert_eq!(listed["deliveries"], DELIVERY_LIMIT);
    let deadline = connect(&cluster, "deadline").await;
    let dead_at = listed["dead_at"].as_str().unwrap().to_owned();
    let handled_meanwhile = scalar(
        &deadline,
        &format!(
            "SELECT count(*)::text FROM inbox WHERE processed_at > '{}' AND processed_at < '{dead_at}'",
            sent_at.to_rfc3339()
        ),
    )
    .await;
    println!(
        "faults: deadline handled {handled_meanwhile} other messages while the poison was retried"
    );
    assert!(handled_meanwhile > 0, "the poison held up its queue");

    // Every case the clients started: completed, nothing stuck, no effect twice.
    let outcomes = outcomes.into_inner().unwrap();
    let all: Vec<&Outcome> = outcomes.iter().chain(&probes).collect();
    let stuck: Vec<_> = all.iter().filter(|o| o.result.is_err()).collect();
    let cases: Vec<(String, usize)> = all
        .iter()
        .filter_map(|o| o.id.clone().map(|id| (id, o.departments)))
        .collect();
    let audit = audit::effects(&cluster, &cases, "faults").await;
    let mut found = audit.found;
    found.extend(driver.audit(&all).await);
    let lost = all.len() as i64 - audit.completed;

    // Nothing left in the queues but the poison in the deadline's dead letters.
    let settle = Instant::now();
    let expected_dead = format!("{prefix}deadline.dead 1 0");
    let leftovers = || {
        let (queues, _) = backlog(Some(&vhost), &prefix);
        queues
            .into_iter()
            .filter(|q| !q.starts_with(&format!("{prefix}faults.tap")))
            .filter(|q| *q != expected_dead && !q.ends_with(" 0 0"))
            .collect::<Vec<_>>()
    };
    let mut left = leftovers();
    while !left.is_empty() && settle.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        left = leftovers();
    }
    if !left.is_empty() {
        found.push(format!("messages left in queues: {left:?}"));
    }
    let remaining = dead_letters(&cluster, "deadline");
    if remaining.len() != 1 || remaining[0]["message_id"] != poison_id.to_string() {
        found.push(format!(
            "deadline dead letters besides the poison: {remaining:?}"
        ));
    }
    for service in ["intake", "approval", "joint"] {
        let letters = dead_letters(&cluster, service);
        if !letters.is_empty() {
            found.push(format!("{service} dead letters: {letters:?}"));
        }
    }
    let inboxed: i64 = {
        let mut total = 0;
        for service in SERVICES {
            let db = connect(&cluster, service).await;
            total += scalar(&db, "SELECT count(*)::text FROM inbox").await;
        }
        total
    };

    let took: Vec<Duration> = all
        .iter()
        .filter(|o| o.result.is_ok())
        .map(|o| o.took)
        .collect();
    let retries: usize = all.iter().map(|o| o.retries).sum();
    println!("faults: ── distributed ────────────────────────────────────────────");
    for (fault, took) in &recoveries {
        println!("faults: recovery after {fault:<42} {took:>8.1?}");
    }
    let longest = recoveries.iter().map(|(_, d)| *d).max().unwrap_or_default();
    println!(
        "faults: cases {} | completed {} | lost {lost} | stuck {} | duplicated effects {} | \
         longest recovery {longest:.1?}",
        all.len(),
        audit.completed,
        stuck.len(),
        found.len()
    );
    println!(
        "faults: messages delivered twice by the tap {copied}; handled once each by the inboxes \
         ({inboxed} inbox rows); client retries {retries}; case time p50 {:.1?} p99 {:.1?}; \
         unsent outbox rows {}; run {flow_time:.1?}",
        percentile(&took, 50),
        percentile(&took, 99),
        audit.unsent
    );
    for f in &found {
        println!("faults: FOUND {f}");
    }
    for s in &stuck {
        println!("faults: STUCK {:?}: {:?}", s.id, s.result);
    }
    assert!(copied > 0, "the tap delivered messages a second time");
    assert!(stuck.is_empty(), "cases stuck: {stuck:#?}");
    assert_eq!(lost, 0, "cases lost");
    assert!(
        found.is_empty(),
        "duplicated effects or leftovers: {found:#?}"
    );
}

//! Two replicas of every service as separate processes on one PostgreSQL, RabbitMQ and
//! Redis: many cases complete, one replica of each service is killed halfway, and no
//! effect is duplicated (the deadline scheduler and the outbox relays are replica-safe).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use sea_orm::ConnectionTrait;

use crate::{
    audit,
    cluster::{Cluster, backlog, connect, kill},
    flow,
};

const SERVICES: [&str; 4] = ["intake", "deadline", "approval", "joint"];
const CASES: usize = 20;
const PARALLEL_DEPARTMENTS: [&str; 4] = ["320102-GTJ", "320102-ZJJ", "320102-HBJ", "320102-RFB"];
const SINGLE_DEPARTMENTS: [&str; 1] = ["320102-SCJGJ"];

fn departments(i: usize) -> (&'static str, &'static [&'static str]) {
    if i.is_multiple_of(2) {
        (flow::PARALLEL, &PARALLEL_DEPARTMENTS)
    } else {
        (flow::SINGLE, &SINGLE_DEPARTMENTS)
    }
}

#[actix_web::test]
async fn two_replicas_of_every_service_complete_many_cases_without_duplicated_effects() {
    let started = Instant::now();
    let mut cluster = Cluster::new().await;
    for service in SERVICES {
        cluster.start(service).await;
    }
    let mut replicas = Vec::new();
    for service in SERVICES {
        replicas.push(cluster.start_replica(service).await);
    }
    cluster.start_gateway().await;
    let api = cluster.api();
    let prefix = cluster
        .env
        .iter()
        .find(|(k, _)| k == "GOVHALL_BUS__PREFIX")
        .unwrap()
        .1
        .clone();

    // Every case runs concurrently; once half of them are accepted, the second replica of
    // every service is killed and the first one carries on with whatever was in flight.
    let accepted = Arc::new(AtomicUsize::new(0));
    let cases = futures::future::join_all((0..CASES).map(|i| {
        let (api, tokens, accepted) = (&api, &cluster.tokens, accepted.clone());
        async move {
            let (matter, depts) = departments(i);
            // Staggered, so the kill below lands while cases are at every stage.
            tokio::time::sleep(Duration::from_millis(150 * i as u64)).await;
            let citizen = format!("citizen-r{i}");
            let id = flow::submit_and_accept(api, tokens, &citizen, matter).await;
            accepted.fetch_add(1, Ordering::SeqCst);
            // The processing clock's due time travels deadline → outbox → intake; the
            // shared flow asserts it on the completed case, so it is awaited here (a lost
            // event times out) and its latency is reported.
            let t = Instant::now();
            api.wait_for(
                &format!("/api/v1/cases/{id}"),
                Some(&tokens.citizen(&citizen)),
                60,
                "the processing due time on the case",
                |r| r.body["due_at"].is_string(),
            )
            .await;
            let due_latency = t.elapsed();
            flow::review_and_complete(api, tokens, &citizen, &id, depts).await;
            (id, due_latency)
        }
    }));
    let deadline_db = connect(&cluster, "deadline").await;
    let killer = async {
        // Days cannot pass in a test: until half the cases are accepted, the running
        // processing and statutory clocks are made overdue in place every 300 ms, so both
        // replicas' schedulers race to fire their whole warning ladder.
        let mut aged = 0;
        loop {
            aged += deadline_db
                .execute_unprepared(
                    "UPDATE clocks SET due_at = now() - interval '3 days', next_fire_at = now() \
                     WHERE state = 'running' AND NOT overdue AND kind IN ('processing', 'statutory')",
                )
                .await
                .unwrap()
                .rows_affected();
            if accepted.load(Ordering::SeqCst) >= CASES / 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        println!("replicas: {aged} clock rows made overdue for both schedulers to fire");
        for proc in replicas.drain(..) {
            kill(proc).await;
        }
        println!(
            "replicas: killed the second replica of every service after {:.1?}",
            started.elapsed()
        );
    };
    let (done, ()) = futures::join!(cases, killer);
    let ids: Vec<String> = done.iter().map(|(id, _)| id.clone()).collect();
    let slowest_due = done.iter().map(|(_, d)| *d).max().unwrap();
    let flow_time = started.elapsed();

    // Let the relays and consumers settle before looking for leftovers.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let cases: Vec<(String, usize)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), departments(i).1.len()))
        .collect();
    let audit = audit::effects(&cluster, &cases, "replicas").await;
    assert_eq!(
        audit.completed, CASES as i64,
        "every case reached completed"
    );
    let (mut found, unsent) = (audit.found, audit.unsent);
    // A message still held after the system settled is work nobody finished.
    let settle = Instant::now();
    let (mut mine, mut waiting) = backlog(None, &prefix);
    while waiting > 0 && settle.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        (mine, waiting) = backlog(None, &prefix);
    }
    for line in &mine {
        println!("replicas: queue {line}");
    }
    if waiting > 0 {
        found.push(format!(
            "queues not drained after a further {:.1?}: {mine:?}",
            settle.elapsed()
        ));
    }
    println!(
        "replicas: {} queues under {prefix}, {waiting} messages ready or unacknowledged \
         (drained after a further {:.1?})",
        mine.len(),
        settle.elapsed()
    );

    println!(
        "replicas: {CASES} cases completed on 2 replicas per service in {flow_time:.1?} \
         (total {:.1?}); slowest due time to reach a case {slowest_due:.1?}; unsent outbox rows {unsent}; duplicates/anomalies found: {}",
        started.elapsed(),
        found.len()
    );
    for f in &found {
        println!("replicas: FOUND {f}");
    }
    assert!(found.is_empty(), "duplicated effects: {found:#?}");
}

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

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

use crate::{distributed::Cluster, flow, helpers::Proc};

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

async fn connect(cluster: &Cluster, service: &str) -> DatabaseConnection {
    let key = format!("GOVHALL_DATABASE__{}", service.to_uppercase());
    let url = &cluster.env.iter().find(|(k, _)| *k == key).unwrap().1;
    Database::connect(url.as_str()).await.unwrap()
}

/// Rows of `sql` (every column cast to text by the query), each joined with " | ".
async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<String> {
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

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    rows(db, sql).await[0].parse().unwrap()
}

/// Records what `sql` (which lists offending rows) finds under `what`.
async fn check(db: &DatabaseConnection, what: &str, sql: &str, found: &mut Vec<String>) {
    for row in rows(db, sql).await {
        found.push(format!("{what}: {row}"));
    }
}

/// The deployment's queues (name, ready, unacknowledged) and their total backlog.
fn backlog(prefix: &str) -> (Vec<String>, i64) {
    let out = std::process::Command::new("rabbitmqctl")
        .args([
            "list_queues",
            "-q",
            "name",
            "messages_ready",
            "messages_unacknowledged",
        ])
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
async fn kill(mut proc: Proc) {
    proc.child.start_kill().unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), proc.child.wait()).await;
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

    let intake = connect(&cluster, "intake").await;
    let approval = connect(&cluster, "approval").await;
    let deadline = connect(&cluster, "deadline").await;
    let joint = connect(&cluster, "joint").await;
    let in_ids = ids
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(",");
    let mut found = Vec::new();

    // Intake: every case completed, each once-only timeline entry once.
    let completed = scalar(
        &intake,
        &format!("SELECT count(*)::text FROM cases WHERE id IN ({in_ids}) AND state = 'completed'"),
    )
    .await;
    assert_eq!(completed, CASES as i64, "every case reached completed");
    for row in rows(
        &intake,
        "SELECT kind::text, count(*)::text, count(DISTINCT case_id)::text FROM case_events GROUP BY kind ORDER BY kind",
    )
    .await
    {
        println!("replicas: case_events kind | rows | cases: {row}");
    }
    check(
        &intake,
        "case_events repeated",
        "SELECT case_id::text, kind::text, summary::text, count(*)::text FROM case_events \
         WHERE kind NOT LIKE 'clock\\_%' GROUP BY case_id, kind, summary HAVING count(*) > 1",
        &mut found,
    )
    .await;
    // Alerts: one timeline entry per alert the deadline service fired — a red one per
    // overdue processing or statutory clock, a yellow/warning one per processing warning.
    let fired = rows(
        &deadline,
        "SELECT e.case_id::text, (count(*) FILTER (WHERE e.operation = 'overdue'))::text, \
         (count(*) FILTER (WHERE e.operation = 'warned' AND c.kind = 'processing'))::text \
         FROM clock_events e JOIN clocks c ON c.id = e.clock_id \
         WHERE c.kind IN ('processing', 'statutory') AND e.operation IN ('overdue', 'warned') \
         GROUP BY e.case_id ORDER BY 1",
    )
    .await;
    let noted = rows(
        &intake,
        "SELECT case_id::text, (count(*) FILTER (WHERE kind = 'clock_red'))::text, \
         (count(*) FILTER (WHERE kind <> 'clock_red'))::text \
         FROM case_events WHERE kind LIKE 'clock\\_%' GROUP BY case_id ORDER BY 1",
    )
    .await;
    println!(
        "replicas: alerts fired by deadline (case | overdue | warned): {fired:?}; noted by intake (case | red | other): {noted:?}"
    );
    if fired != noted {
        found.push(format!(
            "alerts on the timeline differ from the alerts fired: fired {fired:?}, noted {noted:?}"
        ));
    }
    check(
        &intake,
        "notices repeated",
        "SELECT case_id::text, kind::text, count(*)::text FROM notices GROUP BY case_id, kind HAVING count(*) > 1",
        &mut found,
    )
    .await;

    // Approval: one review per case, one task per (review, department, step), one opinion
    // per task, and as many tasks as the matter has departments.
    check(
        &approval,
        "reviews repeated",
        "SELECT case_id::text, count(*)::text FROM reviews GROUP BY case_id HAVING count(*) > 1",
        &mut found,
    )
    .await;
    check(
        &approval,
        "tasks repeated",
        "SELECT review_id::text, department_code, step_index::text, count(*)::text FROM tasks \
         GROUP BY review_id, department_code, step_index HAVING count(*) > 1",
        &mut found,
    )
    .await;
    check(
        &approval,
        "tasks without exactly one opinion",
        "SELECT id::text, state::text, coalesce(outcome::text, 'NULL') FROM tasks \
         WHERE state::text <> 'done' OR outcome IS NULL",
        &mut found,
    )
    .await;
    for (i, id) in ids.iter().enumerate() {
        let n = scalar(
            &approval,
            &format!("SELECT count(*)::text FROM tasks WHERE case_id = '{id}'"),
        )
        .await;
        if n != departments(i).1.len() as i64 {
            found.push(format!(
                "case {id}: {n} tasks, expected {}",
                departments(i).1.len()
            ));
        }
    }
    for row in rows(
        &approval,
        "SELECT action::text, count(*)::text, count(DISTINCT review_id)::text FROM review_log GROUP BY action ORDER BY action",
    )
    .await
    {
        println!("replicas: review_log action | rows | reviews: {row}");
    }

    // Deadline: one clock per (case, kind, department), the task clocks one per department,
    // and no operation recorded twice on a clock where it happens once.
    check(
        &deadline,
        "clocks repeated",
        "SELECT case_id::text, kind::text, coalesce(department_code, '-'), count(*)::text FROM clocks \
         GROUP BY case_id, kind, department_code HAVING count(*) > 1",
        &mut found,
    )
    .await;
    for (i, id) in ids.iter().enumerate() {
        let n = scalar(
            &deadline,
            &format!(
                "SELECT count(*)::text FROM clocks WHERE case_id = '{id}' AND kind::text = 'task'"
            ),
        )
        .await;
        if n != departments(i).1.len() as i64 {
            found.push(format!(
                "case {id}: {n} task clocks, expected {}",
                departments(i).1.len()
            ));
        }
    }
    for row in rows(
        &deadline,
        "SELECT operation::text, count(*)::text, count(DISTINCT clock_id)::text FROM clock_events GROUP BY operation ORDER BY operation",
    )
    .await
    {
        println!("replicas: clock_events operation | rows | clocks: {row}");
    }
    check(
        &deadline,
        "clock_events repeated",
        "SELECT clock_id::text, operation::text, coalesce(details->>'step', '-'), count(*)::text \
         FROM clock_events GROUP BY clock_id, operation, details->>'step' HAVING count(*) > 1",
        &mut found,
    )
    .await;

    // Joint: one route per case (its key), no transfer for these local cases.
    check(
        &joint,
        "transfers for local cases",
        &format!("SELECT case_id::text, count(*)::text FROM transfers WHERE case_id IN ({in_ids}) GROUP BY case_id"),
        &mut found,
    )
    .await;

    // Nothing left in any outbox, nothing left in the deployment's queues.
    let mut unsent = 0;
    for (name, db) in [
        ("intake", &intake),
        ("approval", &approval),
        ("deadline", &deadline),
        ("joint", &joint),
    ] {
        let n = scalar(
            db,
            "SELECT count(*)::text FROM outbox WHERE sent_at IS NULL",
        )
        .await;
        let total = scalar(db, "SELECT count(*)::text FROM outbox").await;
        println!("replicas: {name} outbox: {total} rows, {n} unsent");
        if n > 0 {
            found.push(format!("{name}: {n} outbox rows unsent"));
        }
        unsent += n;
    }
    // A message still held after the system settled is work nobody finished.
    let settle = Instant::now();
    let (mut mine, mut waiting) = backlog(&prefix);
    while waiting > 0 && settle.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        (mine, waiting) = backlog(&prefix);
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

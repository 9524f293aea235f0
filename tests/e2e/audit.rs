//! What the services' databases say after a run: every case completed and no effect
//! duplicated (timeline entries, alerts, notices, reviews, tasks, opinions, clocks, clock
//! events, transfers), nothing left in an outbox.

use crate::cluster::{Cluster, check, connect, rows, scalar};

/// The anomalies found (empty when all is well), with the figures printed under `label`.
pub struct Audit {
    /// Every anomaly, one line each.
    pub found: Vec<String>,
    /// Cases that reached `completed`.
    pub completed: i64,
    /// Outbox rows never sent, over every service.
    pub unsent: i64,
}

/// Audits `cases` (case id, departments that review it) of `cluster`.
pub async fn effects(cluster: &Cluster, cases: &[(String, usize)], label: &str) -> Audit {
    let intake = connect(cluster, "intake").await;
    let approval = connect(cluster, "approval").await;
    let deadline = connect(cluster, "deadline").await;
    let joint = connect(cluster, "joint").await;
    let in_ids = cases
        .iter()
        .map(|(id, _)| id)
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
    if completed != cases.len() as i64 {
        found.push(format!("{} of {} cases completed", completed, cases.len()));
    }
    for row in rows(
        &intake,
        "SELECT kind::text, count(*)::text, count(DISTINCT case_id)::text FROM case_events GROUP BY kind ORDER BY kind",
    )
    .await
    {
        println!("{label}: case_events kind | rows | cases: {row}");
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
    for (id, departments) in cases {
        let n = scalar(
            &approval,
            &format!("SELECT count(*)::text FROM tasks WHERE case_id = '{id}'"),
        )
        .await;
        if n != *departments as i64 {
            found.push(format!("case {id}: {n} tasks, expected {departments}"));
        }
    }
    for row in rows(
        &approval,
        "SELECT action::text, count(*)::text, count(DISTINCT review_id)::text FROM review_log GROUP BY action ORDER BY action",
    )
    .await
    {
        println!("{label}: review_log action | rows | reviews: {row}");
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
    for (id, departments) in cases {
        let n = scalar(
            &deadline,
            &format!(
                "SELECT count(*)::text FROM clocks WHERE case_id = '{id}' AND kind::text = 'task'"
            ),
        )
        .await;
        if n != *departments as i64 {
            found.push(format!(
                "case {id}: {n} task clocks, expected {departments}"
            ));
        }
    }
    for row in rows(
        &deadline,
        "SELECT operation::text, count(*)::text, count(DISTINCT clock_id)::text FROM clock_events GROUP BY operation ORDER BY operation",
    )
    .await
    {
        println!("{label}: clock_events operation | rows | clocks: {row}");
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
        println!("{label}: {name} outbox: {total} rows, {n} unsent");
        if n > 0 {
            found.push(format!("{name}: {n} outbox rows unsent"));
        }
        unsent += n;
    }
    Audit {
        found,
        completed,
        unsent,
    }
}

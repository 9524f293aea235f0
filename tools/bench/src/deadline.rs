//! The deadline service of the distributed topology under a million running clocks: most are
//! seeded by SQL in bulk (not the service path), a sample is scheduled through the real bus
//! and consumer, then a burst of clocks is made due at one instant by SQL and the real
//! scheduler's firing lag is read from the clock history it writes.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use govhall_bus::{Bus, RabbitBus, Topology};
use govhall_contracts::{Envelope, envelope::Origin, events::intake::CaseSubmitted};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::stats::percentile;

/// Matter code of the clocks scheduled through the bus, to tell them from the others.
const SAMPLE_MATTER: &str = "BENCH-SCHEDULE";

async fn exec(db: &DatabaseConnection, sql: &str) -> anyhow::Result<u64> {
    let r = db
        .execute_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .with_context(|| format!("Failed to run {}", &sql[..sql.len().min(60)]))?;
    Ok(r.rows_affected())
}

async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await?
    .context("no row")?
    .try_get::<i64>("", "n")
    .context("Failed to read a count")
}

/// Seeds running clocks due in 20–40 days, in bulk (the same rows `clock_bench` writes).
pub async fn seed(db: &DatabaseConnection, n: u64) -> anyhow::Result<f64> {
    let started = Instant::now();
    exec(db, &format!(
        "INSERT INTO clocks (id, case_id, kind, division_code, matter_code, limit_value, limit_unit, state, started_at, due_at, \
         counting_from, counting_value, counting_unit, extended, extended_by, ladder_warning_days, ladder_yellow_days, ladder_step, \
         next_fire_at, overdue, version) \
         SELECT gen_random_uuid(), gen_random_uuid(), 'processing', '320102', 'M', 20, 'working_days', 'running', now(), \
         now() + interval '40 days', now(), 20, 'working_days', false, 0, 3, 1, 0, now() + interval '20 days' + (g % 14400) * interval '1 minute', false, 1 \
         FROM generate_series(1, {n}) g"
    )).await?;
    exec(db, "ANALYZE clocks").await?;
    Ok(started.elapsed().as_secs_f64())
}

/// Publishes `n` `intake.case.submitted` events on the real bus and waits until the deadline
/// service has started a clock for each; the rate is clocks per second from the first publish.
pub async fn schedule(
    db: &DatabaseConnection,
    bus: &RabbitBus,
    n: u64,
    timeout: Duration,
) -> anyhow::Result<Value> {
    let started_sql = "SELECT COUNT(*) AS n FROM clock_events WHERE operation = 'started'";
    let before = count(db, started_sql).await?;
    let events = (0..n)
        .map(|_| {
            let case_id = uuid::Uuid::now_v7();
            let event = CaseSubmitted {
                case_id,
                case_number: "bench".into(),
                matter_code: SAMPLE_MATTER.into(),
                division_code: "320102".into(),
                channel: "api".into(),
                submitted_at: Utc::now().fixed_offset(),
            };
            let origin = Origin {
                producer: "intake",
                correlation_id: case_id,
                causation_id: None,
                traceparent: None,
                division_code: "320102".into(),
            };
            Envelope::wrap(&event, origin)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    let mut publish_errors = 0;
    for batch in events.chunks(1000) {
        publish_errors += bus
            .publish(batch)
            .await
            .iter()
            .filter(|r| r.is_err())
            .count();
    }
    let published = started.elapsed().as_secs_f64();
    let mut progress = Vec::new();
    let done = loop {
        let now = count(db, started_sql).await? - before;
        progress.push((started.elapsed().as_secs_f64(), now));
        if now as u64 >= n || started.elapsed() > timeout {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let took = started.elapsed().as_secs_f64();
    // The steady rate: from 10% to 90% of the clocks, leaving out start-up and the tail.
    let at = |share: f64| {
        progress
            .iter()
            .find(|(_, c)| *c as f64 >= share * n as f64)
            .map(|(t, c)| (*t, *c))
    };
    let steady = match (at(0.1), at(0.9)) {
        (Some((t1, c1)), Some((t2, c2))) if t2 > t1 => Some((c2 - c1) as f64 / (t2 - t1)),
        _ => None,
    };
    let in_table = count(
        db,
        &format!("SELECT COUNT(*) AS n FROM clocks WHERE matter_code = '{SAMPLE_MATTER}'"),
    )
    .await?;
    Ok(json!({
        "events": n,
        "publish_seconds": published,
        "publish_errors": publish_errors,
        "clocks_started": done,
        "clocks_in_table": in_table,
        "seconds": took,
        "per_second": done as f64 / took.max(f64::EPSILON),
        "steady_per_second": steady,
    }))
}

/// Makes `n` running clocks due at one instant a few seconds ahead (SQL) and waits for the
/// real scheduler to mark each overdue; the lag is the history entry's time minus the due time.
pub async fn burst(db: &DatabaseConnection, n: u64, timeout: Duration) -> anyhow::Result<Value> {
    let due = (Utc::now() + chrono::Duration::seconds(5)).to_rfc3339();
    let made_due = exec(
        db,
        &format!(
            "UPDATE clocks SET due_at = '{due}', ladder_step = 2, next_fire_at = '{due}' \
             WHERE id IN (SELECT id FROM clocks WHERE state = 'running' AND matter_code = 'M' ORDER BY id LIMIT {n})"
        ),
    )
    .await?;
    let at_due = format!(
        "operation = 'overdue' AND (details->>'scheduled_for')::timestamptz = '{due}'::timestamptz"
    );
    let waited = Instant::now();
    let fired = loop {
        let fired = count(
            db,
            &format!("SELECT COUNT(*) AS n FROM clock_events WHERE {at_due}"),
        )
        .await?;
        if fired as u64 >= made_due || waited.elapsed() > timeout {
            break fired;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT (EXTRACT(EPOCH FROM (at - (details->>'scheduled_for')::timestamptz)) * 1000)::float8 AS lag_ms \
                 FROM clock_events WHERE {at_due}"
            ),
        ))
        .await?;
    let mut lag: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.try_get::<f64>("", "lag_ms").ok())
        .collect();
    lag.sort_by(f64::total_cmp);
    Ok(json!({
        "clocks": made_due,
        "fired": fired,
        "lag_ms_p50": percentile(&lag, 50.0),
        "lag_ms_p99": percentile(&lag, 99.0),
        "lag_ms_max": lag.last(),
    }))
}

/// The bus the deadline service consumes from, under the run's prefix.
pub fn bus(amqp_url: &str, prefix: &str) -> RabbitBus {
    RabbitBus::new(
        amqp_url,
        Topology {
            prefix: prefix.to_owned(),
            delivery_limit: 5,
            queue_expires_ms: Some(60_000),
        },
    )
}

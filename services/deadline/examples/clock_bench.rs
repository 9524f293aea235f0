//! Deadline under load on PostgreSQL: a table of running clocks (1,000,000 by default), the
//! rate at which the real consumer path schedules new clocks on top of them, and the firing
//! lag of the real scheduler under a burst of clocks falling due at the same instant.
//!
//! Run by `scripts/bench.sh`; prints one line of JSON with the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::{sync::Arc, time::Instant};

use chrono::Utc;
use govhall_bus::{Handler, outbox::RelayHandle};
use govhall_contracts::{Envelope, envelope::Origin, events::intake::CaseSubmitted};
use govhall_deadline::{
    calendars::CalendarCell, consumers::DeadlineConsumer, migrations::Migrator,
    scheduler::Scheduler,
};
use govhall_runtime::clock::SystemClock;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sea_orm_migration::MigratorTrait;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let clocks = arg("--clocks", 1_000_000);
    let scheduled = arg("--scheduled", 20_000);
    let burst = arg("--burst", 10_000);
    let concurrency = arg("--concurrency", 16);
    let url = govhall_test_support::fresh_postgres_url().await.unwrap();
    let db = govhall_runtime::connect_database(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();

    // 1. The background: running clocks due in 20–40 days, inserted in bulk (not the service path).
    let started = Instant::now();
    exec(&db, &format!(
        "INSERT INTO clocks (id, case_id, kind, division_code, matter_code, limit_value, limit_unit, state, started_at, due_at, \
         counting_from, counting_value, counting_unit, extended, extended_by, ladder_warning_days, ladder_yellow_days, ladder_step, \
         next_fire_at, overdue, version) \
         SELECT gen_random_uuid(), gen_random_uuid(), 'processing', '320102', 'M', 20, 'working_days', 'running', now(), \
         now() + interval '40 days', now(), 20, 'working_days', false, 0, 3, 1, 0, now() + interval '20 days' + (g % 14400) * interval '1 minute', false, 1 \
         FROM generate_series(1, {clocks}) g"
    ))
    .await;
    exec(&db, "ANALYZE clocks").await;
    let load_secs = started.elapsed().as_secs_f64();
    let rss_loaded = rss_mib();

    // 2. Scheduling through the real consumer (inbox, per-case lock, clock, history, outbox in
    //    one transaction per message), `concurrency` messages at a time.
    let cell = CalendarCell::shipped().unwrap();
    cell.load(&db).await.unwrap();
    let consumer = Arc::new(DeadlineConsumer {
        db: db.clone(),
        relay: RelayHandle::default(),
        calendars: cell.clone(),
    });
    let per_worker = scheduled / concurrency;
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let consumer = consumer.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_worker as usize);
            for _ in 0..per_worker {
                let case_id = Uuid::now_v7();
                let event = CaseSubmitted {
                    case_id,
                    case_number: "bench".into(),
                    matter_code: "M".into(),
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
                let envelope = Envelope::wrap(&event, origin).unwrap();
                let t = Instant::now();
                consumer.handle(&envelope).await.unwrap();
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    let mut schedule_ms: Vec<f64> = Vec::new();
    for w in workers {
        schedule_ms.extend(w.await.unwrap());
    }
    let schedule_secs = started.elapsed().as_secs_f64();
    schedule_ms.sort_by(f64::total_cmp);

    // 3. Normal load: `steady_rate` clocks fall due per second, evenly, for `steady_secs`
    //    (the newest clocks; yellow already shown, so each fires exactly its red step).
    let steady_rate = arg("--steady-rate", 200);
    let steady_secs = arg("--steady-seconds", 20);
    let steady_n = steady_rate * steady_secs;
    let t0 = Utc::now() + chrono::Duration::seconds(3);
    exec(
        &db,
        &format!(
            "WITH picked AS (SELECT id, row_number() OVER (ORDER BY id DESC) - 1 AS n FROM clocks \
             WHERE state = 'running' ORDER BY id DESC LIMIT {steady_n}) \
             UPDATE clocks c SET due_at = '{t0}'::timestamptz + p.n * interval '1 second' / {steady_rate}, \
             ladder_step = 2, next_fire_at = '{t0}'::timestamptz + p.n * interval '1 second' / {steady_rate} \
             FROM picked p WHERE c.id = p.id",
            t0 = t0.to_rfc3339()
        ),
    )
    .await;
    // 4. A burst: `burst` clocks fall due at the same instant, after the steady phase.
    let due = t0 + chrono::Duration::seconds(steady_secs as i64 + 3);
    exec(
        &db,
        &format!(
            "UPDATE clocks SET due_at = '{due}', ladder_step = 2, next_fire_at = '{due}' \
         WHERE id IN (SELECT id FROM clocks WHERE state = 'running' ORDER BY id LIMIT {burst})",
            due = due.to_rfc3339()
        ),
    )
    .await;
    let scheduler = Scheduler {
        db: db.clone(),
        calendars: cell,
        clock: Arc::new(SystemClock),
        relay: RelayHandle::default(),
        poll: std::time::Duration::from_millis(250),
        workers: arg("--scheduler-workers", 4) as usize,
    };
    let stop = CancellationToken::new();
    let running = tokio::spawn(scheduler.run(stop.clone()));
    let waited = Instant::now();
    loop {
        let fired = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM clock_events WHERE operation = 'overdue'".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        if fired as u64 >= burst + steady_n || waited.elapsed().as_secs() > 300 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let burst_done = Utc::now();
    stop.cancel();
    running.await.unwrap();
    let lags = |filter: String| {
        let db = db.clone();
        async move {
            let rows = db
                .query_all_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT EXTRACT(EPOCH FROM (at - (details->>'scheduled_for')::timestamptz)) * 1000 AS lag_ms \
                     FROM clock_events WHERE operation = 'overdue' AND {filter}"),
                ))
                .await
                .unwrap();
            let mut lag_ms: Vec<f64> = rows
                .iter()
                .filter_map(|r| {
                    r.try_get::<f64>("", "lag_ms").ok().or_else(|| {
                        r.try_get::<sea_orm::prelude::Decimal>("", "lag_ms")
                            .ok()
                            .map(|d| d.to_string().parse().unwrap_or(f64::NAN))
                    })
                })
                .collect();
            lag_ms.sort_by(f64::total_cmp);
            lag_ms
        }
    };
    let at_due = format!(
        "(details->>'scheduled_for')::timestamptz = '{}'::timestamptz",
        due.to_rfc3339()
    );
    let lag_ms = lags(at_due.clone()).await;
    let steady_ms = lags(format!("NOT ({at_due})")).await;

    let out = json!({
        "clocks_in_table": clocks + scheduled,
        "bulk_load_seconds": load_secs,
        "schedule": {
            "messages": schedule_ms.len(),
            "concurrency": concurrency,
            "per_second": schedule_ms.len() as f64 / schedule_secs,
            "latency_ms_p50": percentile(&schedule_ms, 50.0),
            "latency_ms_p99": percentile(&schedule_ms, 99.0),
        },
        "steady": {
            "clocks": steady_n,
            "per_second": steady_rate,
            "fired": steady_ms.len(),
            "lag_ms_p50": percentile(&steady_ms, 50.0),
            "lag_ms_p99": percentile(&steady_ms, 99.0),
            "lag_ms_max": steady_ms.last().copied().unwrap_or(f64::NAN),
        },
        "burst": {
            "clocks": burst,
            "fired": lag_ms.len(),
            "all_fired_after_due_ms": (burst_done - due).num_milliseconds(),
            "lag_ms_p50": percentile(&lag_ms, 50.0),
            "lag_ms_p99": percentile(&lag_ms, 99.0),
        },
        "rss_mib": {"after_load": rss_loaded, "after_burst": rss_mib()},
        "database": url.rsplit('/').next(),
    });
    println!("{out}");
}

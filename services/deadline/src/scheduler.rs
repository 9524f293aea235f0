//! The scheduler: fires the warning ladder of every running clock on time. Timers are
//! durable (each clock's `next_fire_at`), so none is lost across restarts, and one due while
//! the service was down fires once when it starts. Replicas share the work: on PostgreSQL a
//! batch of due clocks is claimed with `FOR UPDATE SKIP LOCKED`, and each step is recorded
//! with the clock's version, so it fires once however many replicas run.

use std::{sync::Arc, time::Duration};

use crate::calendars::CalendarCell;
use govhall_bus::outbox::{self, RelayHandle};
use govhall_runtime::clock::Clock;
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use crate::{ops, store::clocks};

/// Runs the scheduler.
pub struct Scheduler {
    /// The deadline database.
    pub db: DatabaseConnection,
    /// The calendars in force.
    pub calendars: Arc<CalendarCell>,
    /// "Now".
    pub clock: Arc<dyn Clock>,
    /// Wakes the relay after a commit.
    pub relay: RelayHandle,
    /// Wait between polls when nothing is due (well under the one-second target).
    pub poll: Duration,
    /// Claim loops run side by side (PostgreSQL hands each a disjoint batch; SQLite has one
    /// writer, so one loop there).
    pub workers: usize,
}

impl Scheduler {
    /// Fires due steps until `shutdown`, with `workers` claim loops.
    pub async fn run(self, shutdown: CancellationToken) {
        let workers = self.workers.max(1);
        let this = Arc::new(self);
        let loops: Vec<_> = (0..workers)
            .map(|_| {
                let (this, shutdown) = (this.clone(), shutdown.clone());
                tokio::spawn(async move { this.run_loop(shutdown).await })
            })
            .collect();
        for handle in loops {
            let _ = handle.await;
        }
    }

    async fn run_loop(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            let fired = tokio::select! {
                () = shutdown.cancelled() => return,
                fired = self.tick() => fired,
            };
            match fired {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = format!("{e:#}"), "scheduler tick failed"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Fires the steps due now for one batch of clocks; returns how many clocks it handled.
    pub async fn tick(&self) -> anyhow::Result<usize> {
        let now = self.clock.now().fixed_offset();
        let txn = govhall_bus::begin_write(&self.db).await?;
        let due = clocks::claim_due(&txn, now, 100).await?;
        let calendars = self.calendars.current();
        let mut out = Vec::new();
        for clock in &due {
            match ops::fire_due_steps(&txn, &calendars, clock, now).await {
                Ok(events) => out.extend(events),
                // Changed under us (a pause, a stop): it is looked at again on the next tick.
                Err(ops::OpError::VersionConflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        outbox::enqueue(&txn, &out).await?;
        txn.commit().await?;
        if !out.is_empty() {
            self.relay.notify();
        }
        // How late each step fired after its due time: the scheduler's promise is < 1 s.
        for clock in &due {
            if let Some(at) = clock.next_fire_at {
                let lag = (now - at).num_milliseconds().max(0) as f64 / 1000.0;
                metrics::histogram!("govhall_deadline_fire_lag_seconds").record(lag);
            }
        }
        metrics::counter!("govhall_deadline_clocks_fired_total").increment(due.len() as u64);
        Ok(due.len())
    }
}

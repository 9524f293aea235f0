//! The calendars in force: loaded from the database (seeded with the shipped national
//! years on first start), swapped atomically when an administrator changes them, and
//! reloaded by every replica when another one did.

use std::{
    sync::{Arc, RwLock},
    time::Duration,
};

use chrono::Utc;
use govhall_calendar::Calendars;
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use crate::store::calendar_years::{self, NATIONAL};

/// Which rows (scope, year, version) a compiled `Calendars` was built from.
type Stamp = Vec<(String, i32, i32)>;

/// The calendars in force, shared by handlers, consumer and scheduler.
pub struct CalendarCell {
    current: RwLock<(Arc<Calendars>, Stamp)>,
}

impl CalendarCell {
    /// The shipped national calendars, until [`CalendarCell::load`] reads the database.
    pub fn shipped() -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            current: RwLock::new((Arc::new(Calendars::national_defaults()?), Vec::new())),
        }))
    }

    /// Seeds the shipped national years that are missing, then loads every stored year.
    pub async fn load(&self, db: &DatabaseConnection) -> anyhow::Result<()> {
        for year in Calendars::shipped_years()? {
            if calendar_years::find(db, NATIONAL, year.year)
                .await?
                .is_none()
            {
                let put = calendar_years::put(
                    db,
                    NATIONAL,
                    &year,
                    None,
                    "system",
                    Some("shipped with govhall".into()),
                    Utc::now().fixed_offset(),
                )
                .await;
                // Another replica seeding at the same time is fine: its row is the same.
                if let Err(e) = put {
                    tracing::warn!(error = %e, calendar.year = year.year, "seeding a shipped calendar failed; another replica may have done it");
                }
            }
        }
        self.reload(db).await?;
        Ok(())
    }

    /// The calendars in force now.
    pub fn current(&self) -> Arc<Calendars> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
            .clone()
    }

    /// Reloads from the database; returns whether anything changed.
    pub async fn reload(&self, db: &DatabaseConnection) -> anyhow::Result<bool> {
        let rows = calendar_years::all(db).await?;
        let stamp: Stamp = rows
            .iter()
            .map(|r| (r.scope.clone(), r.year, r.version))
            .collect();
        let mut current = self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if current.1 == stamp {
            return Ok(false);
        }
        *current = (Arc::new(calendar_years::compile(&rows)), stamp);
        tracing::info!(years = ?current.0.loaded_years(), "calendars loaded");
        Ok(true)
    }

    /// Reloads every `every` until `shutdown`, so replicas follow a change made elsewhere.
    pub async fn follow(
        self: Arc<Self>,
        db: DatabaseConnection,
        every: Duration,
        shutdown: CancellationToken,
    ) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            if let Err(e) = self.reload(&db).await {
                tracing::warn!(error = %e, "reloading calendars failed");
            }
            // A calendar change whose clocks were not all moved (a crash mid-way) resumes here.
            if let Err(e) =
                crate::recompute::resume_pending(&db, &self, Utc::now().fixed_offset()).await
            {
                tracing::warn!(error = %e, "resuming a calendar recompute failed");
            }
        }
    }
}

/// Readiness detail: the loaded years, and this year or next if missing (such dates are
/// counted Monday to Friday). Never makes the service unready: it keeps counting.
pub struct CalendarProbe {
    /// The calendars in force.
    pub cell: Arc<CalendarCell>,
    /// "Now".
    pub clock: Arc<dyn govhall_runtime::clock::Clock>,
}

#[async_trait::async_trait]
impl govhall_web::health::Probe for CalendarProbe {
    fn name(&self) -> &'static str {
        "calendar"
    }

    async fn check(&self) -> anyhow::Result<()> {
        Ok(())
    }

    async fn detail(&self) -> Option<serde_json::Value> {
        let (loaded, missing) = self.years();
        self.report();
        if !missing.is_empty() {
            tracing::warn!(years = ?missing, "no calendar loaded: dates in these years count Monday to Friday");
        }
        Some(serde_json::json!({"loaded_years": loaded, "missing_years": missing}))
    }
}

impl CalendarProbe {
    /// The loaded years, and this year or next when missing.
    pub fn years(&self) -> (Vec<i32>, Vec<i32>) {
        use chrono::Datelike;
        let loaded: Vec<i32> = self.cell.current().loaded_years().into_iter().collect();
        let this_year = govhall_calendar::due::local_date(self.clock.now().fixed_offset()).year();
        let missing = [this_year, this_year + 1]
            .into_iter()
            .filter(|y| !loaded.contains(y))
            .collect();
        (loaded, missing)
    }

    /// Sets the metric `govhall_calendar_missing{year}`: 1 for this year or next when no
    /// calendar is loaded for it (dates in it count Monday to Friday), 0 once loaded.
    pub fn report(&self) {
        use chrono::Datelike;
        let (_, missing) = self.years();
        let this_year = govhall_calendar::due::local_date(self.clock.now().fixed_offset()).year();
        for year in [this_year, this_year + 1] {
            let value = if missing.contains(&year) { 1.0 } else { 0.0 };
            metrics::gauge!("govhall_calendar_missing", "year" => year.to_string()).set(value);
        }
    }

    /// Reports every `every` until `shutdown`.
    pub async fn keep_reporting(self, every: Duration, shutdown: CancellationToken) {
        loop {
            self.report();
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    }
}

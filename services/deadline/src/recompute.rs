//! Moving the due dates of running clocks after a calendar change, in batches.
//!
//! A change of a national year touches every running clock; one transaction over a million
//! of them would hold locks and grow the WAL for minutes. The change itself commits with a
//! job row; the clocks are then recomputed [`BATCH`] at a time, each batch with its events
//! and the job's progress in one transaction. A crash resumes from the last committed batch
//! ([`resume_pending`], run by the calendar follower); on PostgreSQL a replica already working
//! on a job holds its row, and the others skip it.

use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::LockBehavior, sea_query::LockType,
};
use uuid::Uuid;

use crate::{
    calendars::CalendarCell,
    domain::division::prefix,
    ops::{self, Actor, OpError},
    store::{calendar_years::NATIONAL, clocks, recomputes},
};

/// Clocks per transaction.
pub const BATCH: u64 = 500;

/// Records a job for a change of `scope`, inside the change's own transaction.
pub async fn enqueue(
    txn: &impl sea_orm::ConnectionTrait,
    scope: &str,
    actor: &Actor,
    now: DateTime<FixedOffset>,
) -> Result<Uuid, sea_orm::DbErr> {
    let id = Uuid::now_v7();
    recomputes::ActiveModel {
        id: Set(id),
        scope: Set(scope.to_owned()),
        actor: Set(actor.subject.clone()),
        reason: Set(actor.reason.clone()),
        after_id: Set(None),
        moved: Set(0),
        done: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(id)
}

/// Runs job `id` to its end on the calendars in force; returns the clocks it moved (all of
/// the job's, also those moved before a restart). `None` when another replica holds it.
pub async fn run(
    db: &DatabaseConnection,
    cell: &CalendarCell,
    id: Uuid,
    now: DateTime<FixedOffset>,
) -> anyhow::Result<Option<i64>> {
    loop {
        let txn = govhall_bus::begin_write(db).await?;
        let mut query = recomputes::Entity::find_by_id(id);
        if db.get_database_backend() == DbBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let Some(job) = query.one(&txn).await? else {
            return Ok(None);
        };
        if job.done {
            return Ok(Some(job.moved));
        }
        let actor = Actor {
            subject: job.actor.clone(),
            reason: job.reason.clone(),
            legal_basis: None,
            traceparent: None,
        };
        let mut batch = clocks::Entity::find().filter(clocks::Column::State.eq("running"));
        if job.scope != NATIONAL {
            batch = batch.filter(clocks::Column::DivisionCode.starts_with(prefix(&job.scope)));
        }
        if let Some(after) = job.after_id {
            batch = batch.filter(clocks::Column::Id.gt(after));
        }
        let batch = batch
            .order_by_asc(clocks::Column::Id)
            .limit(BATCH)
            .all(&txn)
            .await?;
        let calendars = cell.current();
        let mut events = Vec::new();
        for clock in &batch {
            // A clock the scheduler touched since it was read is read again once.
            let moved = match ops::recompute_due(&txn, &calendars, clock, &actor, now).await {
                Err(OpError::VersionConflict) => match clocks::find(&txn, clock.id).await? {
                    Some(fresh) => {
                        ops::recompute_due(&txn, &calendars, &fresh, &actor, now).await?
                    }
                    None => None,
                },
                other => other?,
            };
            events.extend(moved);
        }
        let moved = job.moved + events.len() as i64;
        let done = (batch.len() as u64) < BATCH;
        recomputes::ActiveModel {
            id: Set(job.id),
            after_id: Set(batch.last().map(|c| c.id).or(job.after_id)),
            moved: Set(moved),
            done: Set(done),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        govhall_bus::outbox::enqueue(&txn, &events).await?;
        txn.commit().await?;
        if done {
            tracing::info!(calendar.scope = %job.scope, clocks_moved = moved, "calendar recompute done");
            return Ok(Some(moved));
        }
    }
}

/// Resumes every unfinished job (after a crash, or on another replica).
pub async fn resume_pending(
    db: &DatabaseConnection,
    cell: &CalendarCell,
    now: DateTime<FixedOffset>,
) -> anyhow::Result<()> {
    let pending = recomputes::Entity::find()
        .filter(recomputes::Column::Done.eq(false))
        .order_by_asc(recomputes::Column::CreatedAt)
        .all(db)
        .await?;
    for job in pending {
        run(db, cell, job.id, now).await?;
    }
    Ok(())
}

//! Merged supplement requests (一次性告知 during review): a department asks; its task waits;
//! the requests of one review within [`Supplements::window`] go to intake as one; after the
//! applicant's supplement only the askers review again.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use govhall_bus::outbox::{self, RelayHandle};
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::approval::{DepartmentSupplement, SupplementRequested},
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, LockBehavior, LockType},
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    SERVICE,
    store::{reviews, supplements, supplements::requests, tasks},
};

/// Default window in which departments' requests are merged.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(10 * 60);

/// The batch a new request of `review` joins: the collecting one, or a new one closing after
/// `window`.
pub async fn batch_for(
    txn: &impl sea_orm::ConnectionTrait,
    review: &reviews::Model,
    window: Duration,
    now: DateTime<FixedOffset>,
) -> Result<Uuid, sea_orm::DbErr> {
    if let Some(open) = supplements::Entity::find()
        .filter(supplements::Column::ReviewId.eq(review.id))
        .filter(supplements::Column::State.eq("collecting"))
        .one(txn)
        .await?
    {
        return Ok(open.id);
    }
    let id = Uuid::now_v7();
    let flush_at = now + chrono::Duration::from_std(window).unwrap_or_default();
    supplements::ActiveModel {
        id: Set(id),
        review_id: Set(review.id),
        case_id: Set(review.case_id),
        division_code: Set(review.division_code.clone()),
        flush_at: Set(flush_at),
        state: Set("collecting".into()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(id)
}

/// Sends the batches whose window closed; runs until `shutdown`.
pub struct Flusher {
    /// The approval database.
    pub db: DatabaseConnection,
    /// Wakes the relay.
    pub relay: RelayHandle,
    /// How often to look.
    pub poll: Duration,
}

impl Flusher {
    /// Runs until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.flush().await {
                tracing::warn!(error = %e, "sending supplement requests failed");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Sends every due batch, each in its own transaction with its event.
    pub async fn flush(&self) -> anyhow::Result<()> {
        let now = Utc::now().fixed_offset();
        let due = supplements::Entity::find()
            .filter(supplements::Column::State.eq("collecting"))
            .filter(supplements::Column::FlushAt.lte(now))
            .all(&self.db)
            .await?;
        for batch in due {
            let txn = govhall_bus::begin_write(&self.db).await?;
            let mut query = supplements::Entity::find_by_id(batch.id)
                .filter(supplements::Column::State.eq("collecting"));
            if self.db.get_database_backend() == DbBackend::Postgres {
                query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
            }
            // Another replica has it, or it was sent meanwhile.
            if query.one(&txn).await?.is_none() {
                continue;
            }
            let review = reviews::Entity::find_by_id(batch.review_id)
                .one(&txn)
                .await?;
            let live = review.as_ref().is_some_and(|r| r.state == "open");
            let state = if live { "sent" } else { "cancelled" };
            supplements::Entity::update_many()
                .col_expr(supplements::Column::State, Expr::value(state))
                .filter(supplements::Column::Id.eq(batch.id))
                .exec(&txn)
                .await?;
            if live {
                let rows = requests::Entity::find()
                    .filter(requests::Column::BatchId.eq(batch.id))
                    .all(&txn)
                    .await?;
                let mut merged: Vec<DepartmentSupplement> = Vec::new();
                for r in rows {
                    let items: Vec<String> = serde_json::from_value(r.items).unwrap_or_default();
                    match merged
                        .iter_mut()
                        .find(|m| m.department_code == r.department_code)
                    {
                        Some(m) => m.items.extend(items),
                        None => merged.push(DepartmentSupplement {
                            department_code: r.department_code,
                            items,
                        }),
                    }
                }
                let event = SupplementRequested {
                    review_id: batch.review_id,
                    case_id: batch.case_id,
                    requests: merged,
                    requested_at: now,
                };
                let origin = Origin {
                    producer: SERVICE,
                    correlation_id: batch.case_id,
                    causation_id: None,
                    traceparent: None,
                    division_code: batch.division_code.clone(),
                };
                outbox::enqueue(&txn, &[Envelope::wrap(&event, origin)?]).await?;
            }
            txn.commit().await?;
            self.relay.notify();
            tracing::info!(review.id = %batch.review_id, state, "supplement requests sent as one");
        }
        Ok(())
    }
}

/// The applicant supplemented: the tasks that asked review again.
pub async fn reopen(
    txn: &impl sea_orm::ConnectionTrait,
    case_id: Uuid,
) -> Result<u64, sea_orm::DbErr> {
    let waiting = tasks::Entity::find()
        .filter(tasks::Column::CaseId.eq(case_id))
        .filter(tasks::Column::State.eq("awaiting_supplement"))
        .all(txn)
        .await?;
    for t in &waiting {
        tasks::Entity::update_many()
            .col_expr(tasks::Column::State, Expr::value("open"))
            .col_expr(tasks::Column::Version, Expr::value(t.version + 1))
            .filter(tasks::Column::Id.eq(t.id))
            .exec(txn)
            .await?;
    }
    Ok(waiting.len() as u64)
}

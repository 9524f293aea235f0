//! Messages the joint-handling service consumes.

use std::sync::Arc;

use async_trait::async_trait;
use govhall_bus::{
    Handler, inbox,
    outbox::{self, RelayHandle},
};
use govhall_contracts::{
    Envelope,
    events::{
        approval::ReviewConcluded,
        deadline::{ClockDueChanged, ClockExtended, ClockKind, ClockOverdue, ClockStarted},
        intake::{CaseAccepted, CaseCompleted, CaseTerminated, CaseWithdrawn},
        joint::{StageReturned, StageSent},
    },
};
use govhall_runtime::clock::Clock;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use crate::{
    SERVICE,
    chain::{self, ChainError},
    store::{case_routes, transfers},
};

/// Handles the joint queue.
pub struct JointConsumer {
    /// The joint database.
    pub db: DatabaseConnection,
    /// Wakes the relay after a commit.
    pub relay: RelayHandle,
    /// "Now".
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl Handler for JointConsumer {
    #[tracing::instrument(skip_all, fields(message.id = %message.message_id, message.type = %message.message_type, case.id = %message.correlation_id))]
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        let now = self.clock.now().fixed_offset();
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        let mut out = Vec::new();
        if message.is::<CaseAccepted>() {
            let event: CaseAccepted = message.decode()?;
            if case_routes::Entity::find_by_id(event.case_id)
                .one(&txn)
                .await?
                .is_none()
            {
                out = chain::plan(&txn, message, &event, now)
                    .await
                    .map_err(anyhow_of)?;
            }
        } else if message.is::<ReviewConcluded>() {
            let event: ReviewConcluded = message.decode()?;
            let route = case_routes::Entity::find_by_id(event.case_id)
                .one(&txn)
                .await?;
            match route {
                Some(route) if route.state == "in_review" => {
                    out = chain::stage_concluded(&txn, &route, message, &event, now)
                        .await
                        .map_err(anyhow_of)?;
                }
                _ => {}
            }
        } else if message.is::<StageSent>() {
            let event: StageSent = message.decode()?;
            chain::take_in(&txn, &event, now).await.map_err(anyhow_of)?;
        } else if message.is::<StageReturned>() {
            let event: StageReturned = message.decode()?;
            chain::returned_elsewhere(&txn, &event, now)
                .await
                .map_err(anyhow_of)?;
        } else if message.is::<ClockOverdue>() {
            let event: ClockOverdue = message.decode()?;
            if matches!(event.kind, ClockKind::Task | ClockKind::Stage) {
                chain::mark_overdue(&txn, event.case_id).await?;
            }
        } else if message.is::<ClockStarted>() {
            let e: ClockStarted = message.decode()?;
            stage_due(&txn, e.kind, e.task_id, e.due_at).await?;
        } else if message.is::<ClockExtended>() {
            let e: ClockExtended = message.decode()?;
            stage_due(&txn, e.kind, e.task_id, e.due_at).await?;
        } else if message.is::<ClockDueChanged>() {
            let e: ClockDueChanged = message.decode()?;
            stage_due(&txn, e.kind, e.task_id, e.due_at).await?;
        } else if message.is::<CaseWithdrawn>() || message.is::<CaseTerminated>() {
            chain::end(&txn, message.correlation_id, "cancelled", now).await?;
        } else if message.is::<CaseCompleted>() {
            let event: CaseCompleted = message.decode()?;
            chain::end(&txn, event.case_id, "completed", now).await?;
        }
        outbox::enqueue(&txn, &out).await?;
        txn.commit().await?;
        if !out.is_empty() {
            self.relay.notify();
        }
        Ok(())
    }
}

/// A stage clock's due time is shown on its transfer.
async fn stage_due(
    txn: &impl sea_orm::ConnectionTrait,
    kind: ClockKind,
    task_id: Option<Uuid>,
    due_at: chrono::DateTime<chrono::FixedOffset>,
) -> Result<(), sea_orm::DbErr> {
    let (ClockKind::Stage, Some(transfer_id)) = (kind, task_id) else {
        return Ok(());
    };
    transfers::Entity::update_many()
        .col_expr(transfers::Column::DueAt, Expr::value(due_at))
        .filter(transfers::Column::Id.eq(transfer_id))
        .exec(txn)
        .await?;
    Ok(())
}

fn anyhow_of(e: ChainError) -> anyhow::Error {
    match e {
        // A concurrent change of the route: the delivery is retried on the fresh row.
        ChainError::Conflict => anyhow::anyhow!("route changed concurrently"),
        ChainError::Db(e) => e.into(),
        ChainError::Other(e) => e,
    }
}

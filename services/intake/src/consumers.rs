//! Messages the intake service consumes.

use async_trait::async_trait;
use chrono::Utc;
use govhall_bus::{
    Handler, inbox,
    outbox::{self, RelayHandle},
};
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        Outcome,
        approval::ReviewConcluded,
        deadline::{ClockKind, ClockStarted},
        intake::{CaseCompleted, CaseDecided},
    },
};
use sea_orm::{DatabaseConnection, sea_query::Expr};

use crate::{SERVICE, domain::CaseState, store::cases};

/// Handles the intake queue.
pub struct IntakeConsumer {
    /// The intake database.
    pub db: DatabaseConnection,
    /// Wakes the relay after a commit.
    pub relay: RelayHandle,
}

#[async_trait]
impl Handler for IntakeConsumer {
    #[tracing::instrument(skip_all, fields(message.id = %message.message_id, message.type = %message.message_type, case.id = %message.correlation_id))]
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        if message.is::<ReviewConcluded>() {
            self.review_concluded(message).await
        } else if message.is::<ClockStarted>() {
            self.clock_started(message).await
        } else {
            // Clock stops and route plans carry nothing the case shows yet.
            Ok(())
        }
    }
}

impl IntakeConsumer {
    /// The review concluded: record the decision and, as result delivery is not modelled
    /// yet, complete the case at once.
    async fn review_concluded(&self, message: &Envelope) -> anyhow::Result<()> {
        let event: ReviewConcluded = message.decode()?;
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        let Some(case) = cases::find(&txn, event.case_id).await? else {
            anyhow::bail!("review concluded for an unknown case");
        };
        if CaseState::parse(&case.state) != Some(CaseState::Accepted) {
            tracing::warn!(state = %case.state, "review concluded for a case that is not under review; ignored");
            txn.commit().await?;
            return Ok(());
        }
        let now = Utc::now().fixed_offset();
        let outcome = match event.outcome {
            Outcome::Approved => "approved",
            Outcome::Denied => "denied",
        };
        let changed = cases::update_if_version(
            &txn,
            case.id,
            case.version,
            vec![
                (
                    cases::Column::State,
                    Expr::value(CaseState::Completed.as_str()),
                ),
                (cases::Column::Outcome, Expr::value(outcome)),
                (cases::Column::DecidedAt, Expr::value(now)),
                (cases::Column::CompletedAt, Expr::value(now)),
            ],
        )
        .await?;
        if !changed {
            // Changed meanwhile: roll back and let the redelivery see the new version.
            anyhow::bail!("case changed concurrently");
        }
        let decided = Envelope::wrap(
            &CaseDecided {
                case_id: case.id,
                outcome: event.outcome,
                decided_at: now,
            },
            Origin::caused_by(SERVICE, message),
        )?;
        let mut completed_origin = Origin::caused_by(SERVICE, message);
        completed_origin.causation_id = Some(decided.message_id);
        let completed = Envelope::wrap(
            &CaseCompleted {
                case_id: case.id,
                completed_at: now,
            },
            completed_origin,
        )?;
        outbox::enqueue(&txn, &[decided, completed]).await?;
        txn.commit().await?;
        self.relay.notify();
        tracing::info!(outcome, "case decided and completed");
        Ok(())
    }

    /// A processing clock started: show its due time on the case.
    async fn clock_started(&self, message: &Envelope) -> anyhow::Result<()> {
        let event: ClockStarted = message.decode()?;
        if event.kind != ClockKind::Processing {
            return Ok(());
        }
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        cases::Entity::update_many()
            .col_expr(cases::Column::DueAt, Expr::value(event.due_at))
            .filter(cases::Column::Id.eq(event.case_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }
}

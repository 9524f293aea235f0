//! Messages the joint-handling service consumes.

use async_trait::async_trait;
use govhall_bus::{
    Handler, inbox,
    outbox::{self, RelayHandle},
};
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        intake::{CaseAccepted, CaseCompleted},
        joint::RoutePlanned,
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::Expr,
};

use crate::{SERVICE, store::case_routes};

/// Handles the joint queue.
pub struct JointConsumer {
    /// The joint database.
    pub db: DatabaseConnection,
    /// Wakes the relay after a commit.
    pub relay: RelayHandle,
}

#[async_trait]
impl Handler for JointConsumer {
    #[tracing::instrument(skip_all, fields(message.id = %message.message_id, message.type = %message.message_type, case.id = %message.correlation_id))]
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        if message.is::<CaseAccepted>() {
            let event: CaseAccepted = message.decode()?;
            let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
                return Ok(());
            };
            // Single-level until staged routing arrives: the accepting division decides.
            let stages = vec![message.division_code.clone()];
            case_routes::ActiveModel {
                case_id: Set(event.case_id),
                division_code: Set(message.division_code.clone()),
                stages: Set(serde_json::to_value(&stages)?),
                state: Set("planned".into()),
                planned_at: Set(chrono::Utc::now().fixed_offset()),
            }
            .insert(&txn)
            .await?;
            let planned = RoutePlanned {
                case_id: event.case_id,
                stages,
            };
            outbox::enqueue(
                &txn,
                &[Envelope::wrap(
                    &planned,
                    Origin::caused_by(SERVICE, message),
                )?],
            )
            .await?;
            txn.commit().await?;
            self.relay.notify();
        } else if message.is::<CaseCompleted>() {
            let event: CaseCompleted = message.decode()?;
            let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
                return Ok(());
            };
            case_routes::Entity::update_many()
                .col_expr(case_routes::Column::State, Expr::value("completed"))
                .filter(case_routes::Column::CaseId.eq(event.case_id))
                .exec(&txn)
                .await?;
            txn.commit().await?;
        }
        Ok(())
    }
}

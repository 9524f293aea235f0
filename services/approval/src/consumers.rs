//! Messages the approval service consumes: an accepted case opens its review.

use async_trait::async_trait;
use govhall_bus::{
    Handler, inbox,
    outbox::{self, RelayHandle},
};
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{approval::TaskOpened, intake::CaseAccepted},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use uuid::Uuid;

use crate::{
    SERVICE,
    routes::tasks::join_rule_str,
    store::{reviews, tasks},
};

/// Handles the approval queue.
pub struct ApprovalConsumer {
    /// The approval database.
    pub db: DatabaseConnection,
    /// Wakes the relay after a commit.
    pub relay: RelayHandle,
}

#[async_trait]
impl Handler for ApprovalConsumer {
    #[tracing::instrument(skip_all, fields(message.id = %message.message_id, message.type = %message.message_type, case.id = %message.correlation_id))]
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        if !message.is::<CaseAccepted>() {
            return Ok(());
        }
        let event: CaseAccepted = message.decode()?;
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        let review_id = Uuid::now_v7();
        let now = chrono::Utc::now().fixed_offset();
        reviews::ActiveModel {
            id: Set(review_id),
            case_id: Set(event.case_id),
            division_code: Set(message.division_code.clone()),
            join_rule: Set(join_rule_str(event.plan.join_rule).into()),
            state: Set("open".into()),
            outcome: Set(None),
            plan: Set(serde_json::to_value(&event.plan)?),
            version: Set(1),
            opened_at: Set(now),
            concluded_at: Set(None),
        }
        .insert(&txn)
        .await?;
        let mut out = Vec::new();
        for dept in &event.plan.departments {
            let task_id = Uuid::now_v7();
            tasks::ActiveModel {
                id: Set(task_id),
                review_id: Set(review_id),
                case_id: Set(event.case_id),
                department_code: Set(dept.department_code.clone()),
                department_name: Set(dept.name.clone()),
                lead: Set(dept.lead),
                state: Set("open".into()),
                outcome: Set(None),
                comment: Set(None),
                reviewer: Set(None),
                opened_at: Set(now),
                recorded_at: Set(None),
                version: Set(1),
            }
            .insert(&txn)
            .await?;
            let opened = TaskOpened {
                task_id,
                review_id,
                case_id: event.case_id,
                department_code: dept.department_code.clone(),
                lead: dept.lead,
                time_limit: dept.time_limit,
                opened_at: now,
            };
            out.push(Envelope::wrap(
                &opened,
                Origin::caused_by(SERVICE, message),
            )?);
        }
        outbox::enqueue(&txn, &out).await?;
        txn.commit().await?;
        self.relay.notify();
        tracing::info!(review.id = %review_id, tasks = out.len(), "review opened");
        Ok(())
    }
}

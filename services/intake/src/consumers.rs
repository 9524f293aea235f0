//! Messages the intake service consumes: the review's tasks (who reviews a case, so may read
//! it) and conclusion, the deadline service's clocks (due dates, warnings, overdue, expiry →
//! deemed acceptance or termination), and joint handling's routing.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use govhall_bus::{
    Handler, inbox,
    outbox::{self, RelayHandle},
};
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        Outcome,
        approval::{
            ReviewConcluded, ReviewResumed, ReviewReturned, ReviewSuspended, SupplementRequested,
            TaskOpened,
        },
        deadline::{
            ClockDueChanged, ClockExpired, ClockExtended, ClockKind, ClockOverdue, ClockResumed,
            ClockStarted, ClockWarned, WarningLevel,
        },
        intake::{
            CaseAccepted, CaseDecided, CaseResumed, CaseSupplementRequested, CaseSuspended,
            CaseTerminated,
        },
        joint::{ResultReturned, RoutePlanned},
    },
};
use govhall_runtime::clock::Clock;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    SERVICE,
    domain::{CaseState, case::Action},
    routes::{matters::spec_of, support::cst},
    store::{case_reviewers, cases, matters, notices, ratings::rectifications, timeline},
};

/// Handles the intake queue.
pub struct IntakeConsumer {
    /// The intake database.
    pub db: DatabaseConnection,
    /// Wakes the relay after a commit.
    pub relay: RelayHandle,
    /// "Now".
    pub clock: Arc<dyn Clock>,
}

/// A case change made by a message, inside the message's inbox transaction.
struct Step<'a> {
    txn: &'a DatabaseTransaction,
    cause: &'a Envelope,
    now: DateTime<FixedOffset>,
    out: Vec<Envelope>,
}

#[async_trait]
impl Handler for IntakeConsumer {
    #[tracing::instrument(skip_all, fields(message.id = %message.message_id, message.type = %message.message_type, case.id = %message.correlation_id))]
    async fn handle(&self, message: &Envelope) -> anyhow::Result<()> {
        if !has_effect(message)? {
            return Ok(());
        }
        let Some(txn) = inbox::claim(&self.db, SERVICE, message).await? else {
            return Ok(());
        };
        let mut step = Step {
            txn: &txn,
            cause: message,
            now: self.clock.now().with_timezone(&cst()),
            out: Vec::new(),
        };
        if message.is::<ReviewConcluded>() {
            step.review_concluded(message.decode()?).await?;
        } else if message.is::<TaskOpened>() {
            step.task_opened(message.decode()?).await?;
        } else if message.is::<ClockStarted>() {
            let e: ClockStarted = message.decode()?;
            step.due(e.case_id, e.kind, e.due_at).await?;
        } else if message.is::<ClockResumed>() {
            let e: ClockResumed = message.decode()?;
            step.due(e.case_id, e.kind, e.due_at).await?;
        } else if message.is::<ClockExtended>() {
            let e: ClockExtended = message.decode()?;
            step.due(e.case_id, e.kind, e.due_at).await?;
        } else if message.is::<ClockDueChanged>() {
            let e: ClockDueChanged = message.decode()?;
            step.due(e.case_id, e.kind, e.due_at).await?;
        } else if message.is::<ClockWarned>() {
            let e: ClockWarned = message.decode()?;
            if e.kind == ClockKind::Processing {
                let level = if e.level == WarningLevel::Yellow {
                    "yellow"
                } else {
                    "warning"
                };
                step.alert(
                    e.case_id,
                    level,
                    if level == "yellow" {
                        "办理时限黄牌预警"
                    } else {
                        "办理时限即将到期预警"
                    },
                )
                .await?;
            }
        } else if message.is::<ClockOverdue>() {
            let e: ClockOverdue = message.decode()?;
            if matches!(e.kind, ClockKind::Processing | ClockKind::Statutory) {
                step.alert(e.case_id, "red", "已超过办理时限（红牌）")
                    .await?;
            }
        } else if message.is::<ClockExpired>() {
            let e: ClockExpired = message.decode()?;
            match e.kind {
                ClockKind::Acceptance => step.deem_accepted(e.case_id).await?,
                ClockKind::Commitment => step.commitment_broken(e.case_id).await?,
                _ => {}
            }
        } else if message.is::<ReviewReturned>() {
            let e: ReviewReturned = message.decode()?;
            if let Some(case) = cases::find(&txn, e.case_id).await? {
                step.transition(
                    &case,
                    Action::ReturnToWindow,
                    vec![],
                    "returned_to_window",
                    format!("审查部门退回窗口：{}", e.reason),
                )
                .await?;
            }
        } else if message.is::<SupplementRequested>() {
            step.review_supplement(message.decode()?).await?;
        } else if message.is::<ReviewSuspended>() {
            step.review_suspended(message.decode()?).await?;
        } else if message.is::<ReviewResumed>() {
            step.review_resumed(message.decode()?).await?;
        } else if message.is::<ResultReturned>() {
            step.result_returned(message.decode()?).await?;
        } else if message.is::<RoutePlanned>() {
            let e: RoutePlanned = message.decode()?;
            if cases::find(&txn, e.case_id).await?.is_some() {
                timeline::record(
                    &txn,
                    e.case_id,
                    step.now,
                    "route_planned",
                    "system",
                    "已确定跨层级办理路线",
                    Some(serde_json::to_value(&e)?),
                )
                .await?;
            }
        }
        let out = std::mem::take(&mut step.out);
        outbox::enqueue(&txn, &out).await?;
        txn.commit().await?;
        if !out.is_empty() {
            self.relay.notify();
        }
        Ok(())
    }
}

/// Whether `message` can change anything here. Most clock events concern clocks a case does
/// not show (acceptance, task and stage clocks starting; any clock stopping or pausing): they
/// are acknowledged without a transaction, which saves the inbox commit (a flush to disk)
/// each would cost for nothing — they are most of this queue (about a dozen clock events per
/// case of a three-department review, two of which matter here), and the queue is handled
/// one message at a time. A message without an effect needs no inbox row to be idempotent.
/// Every other message goes through the inbox: a task opened (`approval.task.opened`) always
/// records its department ([`Step::task_opened`]), whatever the task.
/// Keep in step with the branches of [`IntakeConsumer::handle`] and [`Step::due`].
fn has_effect(message: &Envelope) -> anyhow::Result<bool> {
    use ClockKind::{Acceptance, Commitment, Processing, Rectification, Statutory};
    let clock_event = message
        .message_type
        .starts_with(govhall_contracts::routing::DEADLINE_CLOCK_ANY.trim_end_matches('*'));
    let shown = |kind: ClockKind| matches!(kind, Processing | Commitment | Rectification);
    Ok(if !clock_event {
        true
    } else if message.is::<ClockStarted>() {
        shown(message.decode::<ClockStarted>()?.kind)
    } else if message.is::<ClockResumed>() {
        shown(message.decode::<ClockResumed>()?.kind)
    } else if message.is::<ClockExtended>() {
        shown(message.decode::<ClockExtended>()?.kind)
    } else if message.is::<ClockDueChanged>() {
        shown(message.decode::<ClockDueChanged>()?.kind)
    } else if message.is::<ClockWarned>() {
        message.decode::<ClockWarned>()?.kind == Processing
    } else if message.is::<ClockOverdue>() {
        matches!(
            message.decode::<ClockOverdue>()?.kind,
            Processing | Statutory
        )
    } else if message.is::<ClockExpired>() {
        matches!(
            message.decode::<ClockExpired>()?.kind,
            Acceptance | Commitment
        )
    } else {
        false
    })
}

impl Step<'_> {
    fn origin(&self) -> Origin {
        Origin::caused_by(SERVICE, self.cause)
    }

    /// Changes a case by a transition of its state machine, guarded by its version. A
    /// concurrent change fails the message; its redelivery sees the new version.
    async fn transition(
        &mut self,
        case: &cases::Model,
        action: Action,
        mut columns: Vec<(cases::Column, sea_orm::sea_query::SimpleExpr)>,
        timeline_kind: &str,
        summary: String,
    ) -> anyhow::Result<bool> {
        let Some(current) = CaseState::parse(&case.state) else {
            anyhow::bail!("unknown state {}", case.state)
        };
        let Ok(next) = current.apply(action) else {
            tracing::info!(case.state = %case.state, ?action, "message does not apply to the case's state; ignored");
            return Ok(false);
        };
        columns.push((cases::Column::State, Expr::value(next.as_str())));
        if !cases::update_if_version(self.txn, case.id, case.version, columns, self.now).await? {
            anyhow::bail!("case changed concurrently");
        }
        timeline::record(
            self.txn,
            case.id,
            self.now,
            timeline_kind,
            "system",
            summary,
            None,
        )
        .await?;
        Ok(true)
    }

    /// A review task was opened for a department, one of the plan's or one added during
    /// review (加签): the department, at the review's division, may read the case from now
    /// on. Closing the task (an opinion, 减签, the review's end) takes nothing away: a
    /// department that took part keeps reading what it judged.
    async fn task_opened(&mut self, e: TaskOpened) -> anyhow::Result<()> {
        if cases::find(self.txn, e.case_id).await?.is_none() {
            // A case of another deployment (its handling side runs here): nothing to read here.
            tracing::debug!("task opened for a case not taken in here; ignored");
            return Ok(());
        }
        // Producers before the field was added: the envelope carries the review's division.
        let division = e
            .division_code
            .as_deref()
            .unwrap_or(&self.cause.division_code);
        case_reviewers::record(
            self.txn,
            e.case_id,
            division,
            &e.department_code,
            e.opened_at,
        )
        .await?;
        Ok(())
    }

    async fn review_concluded(&mut self, e: ReviewConcluded) -> anyhow::Result<()> {
        let Some(case) = cases::find(self.txn, e.case_id).await? else {
            // A case of another deployment (its handling side runs here): not ours to change.
            tracing::debug!("review concluded for a case not taken in here; ignored");
            return Ok(());
        };
        // In a cross-level chain the accepting level only reviews first (初审); the deciding
        // level's result comes back through joint handling.
        // A case taken in at another region's window is decided by the handling division,
        // whose result likewise comes back through joint handling (跨域通办).
        let kind = case
            .plan
            .as_ref()
            .and_then(|p| p.get("kind"))
            .and_then(|k| k.as_str())
            .unwrap_or_default();
        if matches!(kind, "cross_level" | "cross_region") {
            let word = if e.outcome == Outcome::Approved {
                "同意"
            } else {
                "不同意"
            };
            let (event, line) = if kind == "cross_level" {
                (
                    "initial_review",
                    format!("初审完成（{word}），报上级审查决定"),
                )
            } else {
                (
                    "handling_review",
                    format!("办理地审查完成（{word}），结果返回受理地"),
                )
            };
            timeline::record(self.txn, case.id, self.now, event, "system", line, None).await?;
            return Ok(());
        }
        let word = match e.outcome {
            Outcome::Approved => "approved",
            Outcome::Denied => "denied",
        };
        let decision =
            json!({"review_id": e.review_id, "opinions": serde_json::to_value(&e.opinions)?});
        let changed = self
            .transition(
                &case,
                Action::Decide,
                vec![
                    (cases::Column::Outcome, Expr::value(word)),
                    (cases::Column::DecidedAt, Expr::value(e.concluded_at)),
                    (cases::Column::Decision, Expr::value(decision)),
                    (
                        cases::Column::Suspension,
                        Expr::value(Option::<serde_json::Value>::None),
                    ),
                ],
                "decided",
                format!(
                    "审查完成：{}",
                    if e.outcome == Outcome::Approved {
                        "准予许可"
                    } else {
                        "不予许可"
                    }
                ),
            )
            .await?;
        if changed {
            self.out.push(Envelope::wrap(
                &CaseDecided {
                    case_id: case.id,
                    outcome: e.outcome,
                    decided_at: e.concluded_at,
                },
                self.origin(),
            )?);
        }
        Ok(())
    }

    /// The reviewing departments need a supplement: one notice lists every department's items
    /// (一次性告知); the case waits for the applicant, its clocks stopped.
    async fn review_supplement(&mut self, e: SupplementRequested) -> anyhow::Result<()> {
        let Some(case) = cases::find(self.txn, e.case_id).await? else {
            // A case of another deployment (its handling side runs here): not ours to change.
            tracing::debug!("supplement requested for a case not taken in here; ignored");
            return Ok(());
        };
        let lines: Vec<String> = e
            .requests
            .iter()
            .flat_map(|r| {
                r.items
                    .iter()
                    .map(move |i| format!("{}：{i}", r.department_code))
            })
            .collect();
        let changed = self
            .transition(
                &case,
                Action::RequestReviewSupplement,
                vec![],
                "supplement_requested",
                format!("审查部门一次性告知需补正 {} 项", lines.len()),
            )
            .await?;
        if !changed {
            return Ok(());
        }
        notices::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_id: Set(case.id),
            kind: Set("supplement".into()),
            verification_code: Set(crate::routes::cases::verification_code()),
            body: Set(json!({"case_number": case.case_number, "matter_name": case.matter_name, "lines": lines, "departments": serde_json::to_value(&e.requests)?,
                "issued_at": self.now, "note": "请一次性补正上述全部材料；补正期间不计入审查时限。"})),
            issued_by: Set("system".into()),
            issued_at: Set(self.now),
        }
        .insert(self.txn)
        .await?;
        self.out.push(Envelope::wrap(
            &CaseSupplementRequested {
                case_id: case.id,
                items: lines,
                requested_at: e.requested_at,
            },
            self.origin(),
        )?);
        Ok(())
    }

    /// The lead department suspended the review for a special procedure: so is the case, and
    /// its clocks stop (deadline reacts to `intake.case.suspended`).
    async fn review_suspended(&mut self, e: ReviewSuspended) -> anyhow::Result<()> {
        let Some(case) = cases::find(self.txn, e.case_id).await? else {
            // A case of another deployment (its handling side runs here): not ours to change.
            tracing::debug!("review suspended for a case not taken in here; ignored");
            return Ok(());
        };
        let suspension = json!({"procedure": e.procedure, "legal_basis": e.legal_basis, "note": e.comment, "since": e.suspended_at, "by": "lead_department"});
        let label = crate::domain::codes::SpecialProcedure::parse(&e.procedure)
            .map_or("特别程序", |p| p.label());
        let changed = self
            .transition(
                &case,
                Action::Suspend,
                vec![(cases::Column::Suspension, Expr::value(suspension))],
                "suspended",
                format!("牵头部门启动特别程序：{label}"),
            )
            .await?;
        if changed {
            let event = CaseSuspended {
                case_id: case.id,
                procedure: e.procedure,
                legal_basis: e.legal_basis,
                suspended_at: e.suspended_at,
            };
            self.out.push(Envelope::wrap(&event, self.origin())?);
        }
        Ok(())
    }

    /// The lead department resumed the review: the case and its clocks run again.
    async fn review_resumed(&mut self, e: ReviewResumed) -> anyhow::Result<()> {
        let Some(case) = cases::find(self.txn, e.case_id).await? else {
            // A case of another deployment (its handling side runs here): not ours to change.
            tracing::debug!("review resumed for a case not taken in here; ignored");
            return Ok(());
        };
        let changed = self
            .transition(
                &case,
                Action::Resume,
                vec![(
                    cases::Column::Suspension,
                    Expr::value(Option::<serde_json::Value>::None),
                )],
                "resumed",
                "特别程序结束，恢复审查".into(),
            )
            .await?;
        if changed {
            self.out.push(Envelope::wrap(
                &CaseResumed {
                    case_id: case.id,
                    resumed_at: e.resumed_at,
                },
                self.origin(),
            )?);
        }
        Ok(())
    }

    /// The deciding level returned its result: the case is decided.
    async fn result_returned(&mut self, e: ResultReturned) -> anyhow::Result<()> {
        let Some(case) = cases::find(self.txn, e.case_id).await? else {
            // A case of another deployment (its handling side runs here): not ours to change.
            tracing::debug!("result returned for a case not taken in here; ignored");
            return Ok(());
        };
        let word = match e.outcome {
            Outcome::Approved => "approved",
            Outcome::Denied => "denied",
        };
        let decision =
            json!({"decided_by_division": e.decided_by_division, "opinions": e.opinions});
        let changed = self
            .transition(
                &case,
                Action::Decide,
                vec![
                    (cases::Column::Outcome, Expr::value(word)),
                    (cases::Column::DecidedAt, Expr::value(e.returned_at)),
                    (cases::Column::Decision, Expr::value(decision)),
                    (
                        cases::Column::Suspension,
                        Expr::value(Option::<serde_json::Value>::None),
                    ),
                ],
                "decided",
                format!(
                    "上级（{}）审查决定：{}",
                    e.decided_by_division,
                    if e.outcome == Outcome::Approved {
                        "准予许可"
                    } else {
                        "不予许可"
                    }
                ),
            )
            .await?;
        if changed {
            self.out.push(Envelope::wrap(
                &CaseDecided {
                    case_id: case.id,
                    outcome: e.outcome,
                    decided_at: e.returned_at,
                },
                self.origin(),
            )?);
        }
        Ok(())
    }

    /// A clock's due time: the processing clock's is the case's; the commitment's and a
    /// rectification's are shown on them.
    async fn due(
        &mut self,
        case_id: Uuid,
        kind: ClockKind,
        due_at: DateTime<FixedOffset>,
    ) -> anyhow::Result<()> {
        let column = match kind {
            ClockKind::Processing => cases::Column::DueAt,
            ClockKind::Commitment => cases::Column::CommitmentDueAt,
            ClockKind::Rectification => {
                rectifications::Entity::update_many()
                    .col_expr(rectifications::Column::DueAt, Expr::value(due_at))
                    .filter(rectifications::Column::CaseId.eq(case_id))
                    .filter(rectifications::Column::State.eq("open"))
                    .exec(self.txn)
                    .await?;
                return Ok(());
            }
            _ => return Ok(()),
        };
        // Not a state change: only the due date shown, so no version bump is needed.
        cases::Entity::update_many()
            .col_expr(column, Expr::value(due_at))
            .filter(cases::Column::Id.eq(case_id))
            .exec(self.txn)
            .await?;
        Ok(())
    }

    /// Raises the case's alert (never lowers it) and notes it on the timeline.
    async fn alert(&mut self, case_id: Uuid, level: &str, summary: &str) -> anyhow::Result<()> {
        let Some(case) = cases::find(self.txn, case_id).await? else {
            return Ok(());
        };
        let rank = |l: &str| match l {
            "warning" => 1,
            "yellow" => 2,
            "red" => 3,
            _ => 0,
        };
        if rank(level) > rank(&case.alert) {
            cases::Entity::update_many()
                .col_expr(cases::Column::Alert, Expr::value(level))
                .filter(cases::Column::Id.eq(case_id))
                .exec(self.txn)
                .await?;
        }
        timeline::record(
            self.txn,
            case_id,
            self.now,
            &format!("clock_{level}"),
            "system",
            summary,
            None,
        )
        .await?;
        Ok(())
    }

    /// The acceptance time ran out with no decision and no notice: the case is accepted by
    /// law as of the day its materials were received (行政许可法 art. 32).
    async fn deem_accepted(&mut self, case_id: Uuid) -> anyhow::Result<()> {
        let Some(case) = cases::find(self.txn, case_id).await? else {
            return Ok(());
        };
        if CaseState::parse(&case.state) != Some(CaseState::Submitted) {
            return Ok(());
        }
        let matter = matters::find(self.txn, case.matter_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("matter version of a case is missing"))?;
        let spec = spec_of(&matter).map_err(|e| anyhow::anyhow!("{e}"))?;
        let plan = crate::routes::cases::plan_for(&case, &spec);
        let summary = crate::routes::cases::summary_of(self.txn, &case, &spec).await?;
        let as_of = case.received_at;
        let changed = self
            .transition(
                &case,
                Action::DeemAccept,
                vec![
                    (cases::Column::AcceptedAt, Expr::value(as_of)),
                    (cases::Column::Deemed, Expr::value(true)),
                    (
                        cases::Column::Plan,
                        Expr::value(serde_json::to_value(&plan)?),
                    ),
                ],
                "deemed_accepted",
                "受理期限届满未作处理，依法视为受理（自收到申请材料之日起）".into(),
            )
            .await?;
        if !changed {
            return Ok(());
        }
        notices::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_id: Set(case.id),
            kind: Set("acceptance".into()),
            verification_code: Set(crate::routes::cases::verification_code()),
            body: Set(json!({"case_number": case.case_number, "matter_name": case.matter_name, "accepted_at": as_of, "deemed": true,
                "legal_basis": "《中华人民共和国行政许可法》第三十二条"})),
            issued_by: Set("system".into()),
            issued_at: Set(self.now),
        }
        .insert(self.txn)
        .await?;
        self.out.push(Envelope::wrap(
            &CaseAccepted {
                case_id: case.id,
                case_number: case.case_number.clone(),
                accepted_at: as_of,
                plan,
                deemed: true,
                commitment: None,
                summary: Some(summary),
            },
            self.origin(),
        )?);
        Ok(())
    }

    /// A 容缺 commitment was not kept in time: the case is terminated and the applicant told why.
    async fn commitment_broken(&mut self, case_id: Uuid) -> anyhow::Result<()> {
        let Some(case) = cases::find(self.txn, case_id).await? else {
            return Ok(());
        };
        if case.commitment.is_none() {
            return Ok(());
        }
        let names = case
            .commitment
            .as_ref()
            .and_then(|c| c.get("names"))
            .and_then(|n| n.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_default();
        let reason = format!("未在承诺期限内补齐容缺材料（{names}），依容缺受理承诺终止办理");
        let changed = self
            .transition(
                &case,
                Action::Terminate,
                vec![
                    (cases::Column::ClosedAt, Expr::value(self.now)),
                    (cases::Column::CloseReason, Expr::value(reason.clone())),
                ],
                "terminated",
                format!("办件终止：{reason}"),
            )
            .await?;
        if !changed {
            return Ok(());
        }
        notices::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_id: Set(case.id),
            kind: Set("termination".into()),
            verification_code: Set(crate::routes::cases::verification_code()),
            body: Set(json!({"case_number": case.case_number, "matter_name": case.matter_name, "reason": reason, "terminated_at": self.now})),
            issued_by: Set("system".into()),
            issued_at: Set(self.now),
        }
        .insert(self.txn)
        .await?;
        self.out.push(Envelope::wrap(
            &CaseTerminated {
                case_id: case.id,
                reason,
                terminated_at: self.now,
            },
            self.origin(),
        )?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use govhall_contracts::events::deadline::ClockStopped;

    use super::*;

    fn wrap<E: govhall_contracts::Event>(event: &E) -> Envelope {
        let origin = Origin {
            producer: "deadline",
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            traceparent: None,
            division_code: "320102".into(),
        };
        Envelope::wrap(event, origin).unwrap()
    }

    fn overdue(kind: ClockKind) -> Envelope {
        wrap(&ClockOverdue {
            clock_id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            kind,
            department_code: None,
            due_at: chrono::Utc::now().fixed_offset(),
            task_id: None,
        })
    }

    #[test]
    fn clock_events_about_clocks_a_case_does_not_show_are_skipped_without_a_transaction() {
        let stopped = wrap(&ClockStopped {
            clock_id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            kind: ClockKind::Processing,
            stopped_at: chrono::Utc::now().fixed_offset(),
            overdue: false,
        });
        assert!(!has_effect(&stopped).unwrap());
        assert!(!has_effect(&overdue(ClockKind::Task)).unwrap());
        assert!(has_effect(&overdue(ClockKind::Processing)).unwrap());
        assert!(has_effect(&overdue(ClockKind::Statutory)).unwrap());
        // Every other message goes through the inbox, decoded or not.
        let opened = wrap(&TaskOpened {
            task_id: Uuid::now_v7(),
            review_id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            department_code: "320102-ZJJ".into(),
            division_code: None,
            lead: false,
            time_limit: govhall_contracts::events::TimeLimit {
                value: 7,
                unit: govhall_contracts::events::LimitUnit::WorkingDays,
            },
            opened_at: chrono::Utc::now().fixed_offset(),
        });
        assert!(has_effect(&opened).unwrap());
        let mut concluded = stopped;
        concluded.message_type = govhall_contracts::routing::APPROVAL_REVIEW_CONCLUDED.into();
        assert!(has_effect(&concluded).unwrap());
    }

    #[test]
    fn an_undecodable_clock_event_is_an_error_as_before() {
        let mut broken = overdue(ClockKind::Task);
        broken.payload = json!({"kind": 5});
        assert!(has_effect(&broken).is_err());
    }
}

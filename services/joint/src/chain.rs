//! Moving a case along its chain of stages (跨层级联办): plan, send on, return the result,
//! send back and resend. Each function changes rows inside the caller's transaction and
//! returns the events to enqueue with them.

use chrono::{DateTime, FixedOffset};
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        Outcome,
        approval::{OpinionRecord, ReviewConcluded},
        intake::{CaseAccepted, JoinRule, PlanKind, StagePlan},
        joint::{Handover, ResultReturned, RoutePlanned, StageReceived, StageReturned, StageSent},
    },
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    SERVICE,
    store::{case_routes, transfers},
};

/// What a stage concluded, kept on the route and sent up in every later package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageOpinion {
    /// Stage index.
    pub stage: i32,
    /// Division of the stage.
    pub division_code: String,
    /// `approved` or `denied`.
    pub outcome: String,
    /// Each department's opinion.
    #[schema(value_type = Vec<Object>)]
    pub opinions: Vec<OpinionRecord>,
    /// When the stage concluded.
    pub concluded_at: DateTime<FixedOffset>,
}

/// Why a move along the chain was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The route or transfer changed since it was read.
    #[error("changed concurrently")]
    Conflict,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// A stored value could not be read or an event built.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

fn origin(case_id: Uuid, division: &str, cause: Option<&Envelope>) -> Origin {
    match cause {
        Some(m) => Origin {
            division_code: division.to_owned(),
            ..Origin::caused_by(SERVICE, m)
        },
        None => Origin {
            producer: SERVICE,
            correlation_id: case_id,
            causation_id: None,
            traceparent: None,
            division_code: division.to_owned(),
        },
    }
}

fn wrap<E: govhall_contracts::Event>(event: &E, origin: Origin) -> Result<Envelope, ChainError> {
    Envelope::wrap(event, origin).map_err(|e| ChainError::Other(e.into()))
}

fn json<T: Serialize>(value: &T) -> Result<serde_json::Value, ChainError> {
    serde_json::to_value(value).map_err(|e| ChainError::Other(e.into()))
}

/// The stages of a stored route (empty for a single-level one).
pub fn stages_of(route: &case_routes::Model) -> Vec<StagePlan> {
    route
        .plan
        .clone()
        .and_then(|p| serde_json::from_value(p).ok())
        .unwrap_or_default()
}

/// The stage opinions of a stored route.
pub fn opinions_of(route: &case_routes::Model) -> Vec<StageOpinion> {
    route
        .opinions
        .clone()
        .and_then(|p| serde_json::from_value(p).ok())
        .unwrap_or_default()
}

fn join_rule_str(rule: JoinRule) -> &'static str {
    match rule {
        JoinRule::All => "all",
        JoinRule::Any => "any",
        JoinRule::LeadDecides => "lead_decides",
    }
}

/// Parses a stored join rule.
pub fn join_rule_of(s: &str) -> JoinRule {
    match s {
        "any" => JoinRule::Any,
        "lead_decides" => JoinRule::LeadDecides,
        _ => JoinRule::All,
    }
}

/// Records the route of an accepted case: a chain for a cross-level plan, else one level.
pub async fn plan(
    txn: &impl ConnectionTrait,
    message: &Envelope,
    event: &CaseAccepted,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope>, ChainError> {
    let chain = matches!(
        event.plan.kind,
        PlanKind::CrossLevel | PlanKind::CrossRegion
    ) && event.plan.stages.len() >= 2;
    let stages: Vec<String> = if chain {
        event
            .plan
            .stages
            .iter()
            .map(|s| s.division_code.clone())
            .collect()
    } else {
        vec![message.division_code.clone()]
    };
    let route = case_routes::ActiveModel {
        case_id: Set(event.case_id),
        division_code: Set(message.division_code.clone()),
        stages: Set(json(&stages)?),
        state: Set(if chain { "in_review" } else { "planned" }.into()),
        planned_at: Set(now),
        stage_index: Set(0),
        plan: Set(chain.then(|| json(&event.plan.stages)).transpose()?),
        summary: Set(event.summary.as_ref().map(json).transpose()?),
        opinions: Set(None),
        overdue: Set(false),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    let planned = RoutePlanned {
        case_id: event.case_id,
        stages,
    };
    let mut out = vec![wrap(&planned, Origin::caused_by(SERVICE, message))?];
    if chain && event.plan.kind == PlanKind::CrossRegion {
        // The accepting window reviews nothing: the case goes to the handling division now.
        let (_, sent) = send_up(
            txn,
            &route,
            1,
            Sending {
                actor: "system",
                resend_of: None,
            },
            Some(message),
            now,
        )
        .await?;
        out.extend(sent);
    }
    Ok(out)
}

/// Moves the route to `state` at `stage_index` if it is still at `version`.
async fn move_route(
    txn: &impl ConnectionTrait,
    route: &case_routes::Model,
    stage_index: i32,
    state: &str,
    extra: Vec<(case_routes::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<(), ChainError> {
    let mut update = case_routes::Entity::update_many()
        .col_expr(case_routes::Column::StageIndex, Expr::value(stage_index))
        .col_expr(case_routes::Column::State, Expr::value(state))
        .col_expr(case_routes::Column::Version, Expr::value(route.version + 1));
    for (column, value) in extra {
        update = update.col_expr(column, value);
    }
    let done = update
        .filter(case_routes::Column::CaseId.eq(route.case_id))
        .filter(case_routes::Column::Version.eq(route.version))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(ChainError::Conflict);
    }
    Ok(())
}

/// Ends a transfer in `state` if it is still at its version.
async fn finish_transfer(
    txn: &impl ConnectionTrait,
    transfer: &transfers::Model,
    state: &str,
    actor: &str,
    reason: Option<String>,
    outcome: Option<&str>,
    now: DateTime<FixedOffset>,
) -> Result<(), ChainError> {
    let done = transfers::Entity::update_many()
        .col_expr(transfers::Column::State, Expr::value(state))
        .col_expr(transfers::Column::FinishedBy, Expr::value(actor))
        .col_expr(transfers::Column::FinishedAt, Expr::value(now))
        .col_expr(transfers::Column::Reason, Expr::value(reason))
        .col_expr(transfers::Column::Outcome, Expr::value(outcome))
        .col_expr(
            transfers::Column::Version,
            Expr::value(transfer.version + 1),
        )
        .filter(transfers::Column::Id.eq(transfer.id))
        .filter(transfers::Column::Version.eq(transfer.version))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(ChainError::Conflict);
    }
    Ok(())
}

/// The transfer that brought the case to the stage it is at (none at the first stage).
async fn incoming(
    txn: &impl ConnectionTrait,
    route: &case_routes::Model,
) -> Result<Option<transfers::Model>, DbErr> {
    Ok(transfers::of_case(txn, route.case_id)
        .await?
        .into_iter()
        .rev()
        .find(|t| t.to_stage == route.stage_index && t.state == "received"))
}

/// What a new transfer needs beyond the route.
pub struct Sending<'a> {
    /// Who sends it.
    pub actor: &'a str,
    /// The sent-back transfer it replaces, with the resend's idempotency key and note.
    pub resend_of: Option<(&'a transfers::Model, Option<String>, Option<String>)>,
}

/// Sends the case from its current stage to the next one: a new transfer, its package, and
/// `joint.stage.sent` (the next stage's clock starts).
pub async fn send_up(
    txn: &impl ConnectionTrait,
    route: &case_routes::Model,
    to_stage: i32,
    sending: Sending<'_>,
    cause: Option<&Envelope>,
    now: DateTime<FixedOffset>,
) -> Result<(transfers::Model, Vec<Envelope>), ChainError> {
    let stages = stages_of(route);
    let from = usize::try_from(route.stage_index).unwrap_or_default();
    let to = usize::try_from(to_stage).unwrap_or_default();
    let (Some(from_stage), Some(to_plan)) = (stages.get(from), stages.get(to)) else {
        return Err(ChainError::Other(anyhow::anyhow!(
            "stage {to_stage} is not in the route"
        )));
    };
    let (departments, join_rule) = to_plan.review();
    let note = sending.resend_of.as_ref().and_then(|(_, _, n)| n.clone());
    let package = serde_json::json!({
        "summary": route.summary,
        "opinions": opinions_of(route),
        "note": note,
    });
    let id = Uuid::now_v7();
    let transfer = transfers::ActiveModel {
        id: Set(id),
        case_id: Set(route.case_id),
        from_division: Set(from_stage.division_code.clone()),
        to_division: Set(to_plan.division_code.clone()),
        from_stage: Set(route.stage_index),
        to_stage: Set(to_stage),
        departments: Set(json(&departments)?),
        join_rule: Set(join_rule_str(join_rule).into()),
        time_limit: Set(json(&to_plan.time_limit)?),
        package: Set(package),
        state: Set("sent".into()),
        late: Set(route.overdue),
        due_at: Set(None),
        sent_by: Set(sending.actor.to_owned()),
        sent_at: Set(now),
        received_by: Set(None),
        received_at: Set(None),
        finished_by: Set(None),
        finished_at: Set(None),
        reason: Set(note),
        outcome: Set(None),
        resent_from: Set(sending.resend_of.as_ref().map(|(t, _, _)| t.id)),
        idempotency_key: Set(sending.resend_of.as_ref().and_then(|(_, k, _)| k.clone())),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    move_route(
        txn,
        route,
        to_stage,
        "transferring",
        vec![(case_routes::Column::Overdue, Expr::value(false))],
    )
    .await?;
    let sent = StageSent {
        case_id: route.case_id,
        transfer_id: id,
        from_division: from_stage.division_code.clone(),
        to_division: to_plan.division_code.clone(),
        department_code: to_plan.department_code.clone(),
        time_limit: to_plan.time_limit,
        sent_at: now,
        handover: Some(Handover {
            accepting_division: route.division_code.clone(),
            from_stage: u32::try_from(route.stage_index).unwrap_or_default(),
            to_stage: u32::try_from(to_stage).unwrap_or_default(),
            stages: stages.clone(),
            package: transfer.package.clone(),
        }),
    };
    let out = vec![
        wrap(&sent, origin(route.case_id, &to_plan.division_code, cause))?
            .addressed_to(&to_plan.division_code),
    ];
    Ok((transfer, out))
}

/// A level's review concluded: the chain moves on, or — at the last stage — the result goes
/// back to the accepting window.
pub async fn stage_concluded(
    txn: &impl ConnectionTrait,
    route: &case_routes::Model,
    message: &Envelope,
    event: &ReviewConcluded,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope>, ChainError> {
    let stages = stages_of(route);
    let index = usize::try_from(route.stage_index).unwrap_or_default();
    let Some(stage) = stages.get(index) else {
        return Ok(Vec::new());
    };
    let outcome = match event.outcome {
        Outcome::Approved => "approved",
        Outcome::Denied => "denied",
    };
    let mut opinions = opinions_of(route);
    opinions.push(StageOpinion {
        stage: route.stage_index,
        division_code: stage.division_code.clone(),
        outcome: outcome.into(),
        opinions: event.opinions.clone(),
        concluded_at: event.concluded_at,
    });
    let actor = event
        .opinions
        .iter()
        .rev()
        .find(|o| !o.deemed)
        .map_or("system", |o| o.reviewer.as_str())
        .to_owned();
    let mut out = Vec::new();
    let arrived = incoming(txn, route).await?;
    let last = index + 1 == stages.len();
    if let Some(t) = &arrived {
        let state = if last { "returned" } else { "forwarded" };
        finish_transfer(txn, t, state, &actor, None, Some(outcome), now).await?;
        out.push(
            wrap(
                &StageReturned {
                    case_id: route.case_id,
                    transfer_id: t.id,
                    sent_back: false,
                    reason: None,
                    returned_at: now,
                },
                origin(route.case_id, &t.to_division, Some(message)),
            )?
            .addressed_to(&t.from_division),
        );
    }
    let mut updated = route.clone();
    updated.opinions = Some(json(&opinions)?);
    if last {
        move_route(
            txn,
            route,
            route.stage_index,
            "decided",
            vec![(case_routes::Column::Opinions, Expr::value(json(&opinions)?))],
        )
        .await?;
        let words = opinions
            .iter()
            .flat_map(|s| {
                let division = s.division_code.clone();
                s.opinions.iter().map(move |o| {
                    format!(
                        "{division} {}：{}{}",
                        o.department_code,
                        o.comment,
                        if o.deemed { "（视为同意）" } else { "" }
                    )
                })
            })
            .collect();
        out.push(
            wrap(
                &ResultReturned {
                    case_id: route.case_id,
                    decided_by_division: stage.division_code.clone(),
                    outcome: event.outcome,
                    opinions: words,
                    returned_at: now,
                },
                origin(route.case_id, &route.division_code, Some(message)),
            )?
            .addressed_to(&route.division_code),
        );
        return Ok(out);
    }
    // Record the opinions first (one version step), then send on from the same row.
    move_route(
        txn,
        route,
        route.stage_index,
        "in_review",
        vec![(case_routes::Column::Opinions, Expr::value(json(&opinions)?))],
    )
    .await?;
    updated.version = route.version + 1;
    let (_, sent) = send_up(
        txn,
        &updated,
        route.stage_index + 1,
        Sending {
            actor: &actor,
            resend_of: None,
        },
        Some(message),
        now,
    )
    .await?;
    out.extend(sent);
    Ok(out)
}

/// The receiving level signs for a transfer (签收): its departments' review opens.
pub async fn receive(
    txn: &impl ConnectionTrait,
    route: &case_routes::Model,
    transfer: &transfers::Model,
    actor: &str,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope>, ChainError> {
    let done = transfers::Entity::update_many()
        .col_expr(transfers::Column::State, Expr::value("received"))
        .col_expr(transfers::Column::ReceivedBy, Expr::value(actor))
        .col_expr(transfers::Column::ReceivedAt, Expr::value(now))
        .col_expr(
            transfers::Column::Version,
            Expr::value(transfer.version + 1),
        )
        .filter(transfers::Column::Id.eq(transfer.id))
        .filter(transfers::Column::Version.eq(transfer.version))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(ChainError::Conflict);
    }
    move_route(txn, route, transfer.to_stage, "in_review", Vec::new()).await?;
    let received = StageReceived {
        case_id: route.case_id,
        transfer_id: transfer.id,
        division: transfer.to_division.clone(),
        departments: serde_json::from_value(transfer.departments.clone())
            .map_err(|e| ChainError::Other(e.into()))?,
        join_rule: join_rule_of(&transfer.join_rule),
        time_limit: serde_json::from_value(transfer.time_limit.clone())
            .map_err(|e| ChainError::Other(e.into()))?,
        received_at: now,
    };
    Ok(vec![wrap(
        &received,
        origin(route.case_id, &transfer.to_division, None),
    )?])
}

/// The receiving level sends the case back to the lower level with a reason (退回).
pub async fn send_back(
    txn: &impl ConnectionTrait,
    route: &case_routes::Model,
    transfer: &transfers::Model,
    actor: &str,
    reason: &str,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope>, ChainError> {
    finish_transfer(
        txn,
        transfer,
        "sent_back",
        actor,
        Some(reason.to_owned()),
        None,
        now,
    )
    .await?;
    move_route(txn, route, transfer.from_stage, "sent_back", Vec::new()).await?;
    let returned = StageReturned {
        case_id: route.case_id,
        transfer_id: transfer.id,
        sent_back: true,
        reason: Some(reason.to_owned()),
        returned_at: now,
    };
    Ok(vec![
        wrap(
            &returned,
            origin(route.case_id, &transfer.to_division, None),
        )?
        .addressed_to(&transfer.from_division),
    ])
}

/// The lower level sends a sent-back case up again: the old transfer is `resent`, a new one
/// goes out.
pub async fn resend(
    txn: &impl ConnectionTrait,
    route: &case_routes::Model,
    transfer: &transfers::Model,
    actor: &str,
    note: Option<String>,
    key: Option<String>,
    now: DateTime<FixedOffset>,
) -> Result<(transfers::Model, Vec<Envelope>), ChainError> {
    let done = transfers::Entity::update_many()
        .col_expr(transfers::Column::State, Expr::value("resent"))
        .col_expr(
            transfers::Column::Version,
            Expr::value(transfer.version + 1),
        )
        .filter(transfers::Column::Id.eq(transfer.id))
        .filter(transfers::Column::Version.eq(transfer.version))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(ChainError::Conflict);
    }
    send_up(
        txn,
        route,
        transfer.to_stage,
        Sending {
            actor,
            resend_of: Some((transfer, key, note)),
        },
        None,
        now,
    )
    .await
}

/// Marks the route's current stage overdue (its upward submission will be late).
pub async fn mark_overdue(txn: &impl ConnectionTrait, case_id: Uuid) -> Result<(), DbErr> {
    case_routes::Entity::update_many()
        .col_expr(case_routes::Column::Overdue, Expr::value(true))
        .filter(case_routes::Column::CaseId.eq(case_id))
        .filter(case_routes::Column::State.eq("in_review"))
        .exec(txn)
        .await?;
    Ok(())
}

/// Ends the route (`completed`, `cancelled`) and every transfer still moving.
pub async fn end(
    txn: &impl ConnectionTrait,
    case_id: Uuid,
    state: &str,
    now: DateTime<FixedOffset>,
) -> Result<(), DbErr> {
    case_routes::Entity::update_many()
        .col_expr(case_routes::Column::State, Expr::value(state))
        .col_expr(
            case_routes::Column::Version,
            Expr::col(case_routes::Column::Version).add(1),
        )
        .filter(case_routes::Column::CaseId.eq(case_id))
        .exec(txn)
        .await?;
    if state == "cancelled" {
        transfers::Entity::update_many()
            .col_expr(transfers::Column::State, Expr::value("cancelled"))
            .col_expr(transfers::Column::FinishedBy, Expr::value("system"))
            .col_expr(transfers::Column::FinishedAt, Expr::value(now))
            .col_expr(
                transfers::Column::Version,
                Expr::col(transfers::Column::Version).add(1),
            )
            .filter(transfers::Column::CaseId.eq(case_id))
            .filter(transfers::Column::State.is_in(["sent", "received", "sent_back"]))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// A transfer sent from another deployment (its `joint.stage.sent` reached this broker
/// through a shovel): the route and the transfer are taken in here, so that this side's
/// staff sign for it. A transfer already known (sent from here) changes nothing.
pub async fn take_in(
    txn: &impl ConnectionTrait,
    event: &StageSent,
    now: DateTime<FixedOffset>,
) -> Result<(), ChainError> {
    let Some(h) = &event.handover else {
        return Ok(());
    };
    if transfers::Entity::find_by_id(event.transfer_id)
        .one(txn)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let to = usize::try_from(h.to_stage).unwrap_or_default();
    let Some(to_plan) = h.stages.get(to) else {
        return Err(ChainError::Other(anyhow::anyhow!(
            "a hand-over to stage {to} of a {}-stage chain",
            h.stages.len()
        )));
    };
    let to_stage = i32::try_from(h.to_stage).unwrap_or_default();
    let opinions = h.package.get("opinions").cloned();
    match case_routes::Entity::find_by_id(event.case_id)
        .one(txn)
        .await?
    {
        Some(route) => {
            let mut extra = Vec::new();
            if let Some(o) = &opinions {
                extra.push((case_routes::Column::Opinions, Expr::value(o.clone())));
            }
            move_route(txn, &route, to_stage, "transferring", extra).await?;
        }
        None => {
            let codes: Vec<String> = h.stages.iter().map(|s| s.division_code.clone()).collect();
            case_routes::ActiveModel {
                case_id: Set(event.case_id),
                division_code: Set(h.accepting_division.clone()),
                stages: Set(json(&codes)?),
                state: Set("transferring".into()),
                planned_at: Set(now),
                stage_index: Set(to_stage),
                plan: Set(Some(json(&h.stages)?)),
                summary: Set(h.package.get("summary").cloned()),
                opinions: Set(opinions),
                overdue: Set(false),
                version: Set(1),
            }
            .insert(txn)
            .await?;
        }
    }
    let (departments, join_rule) = to_plan.review();
    transfers::ActiveModel {
        id: Set(event.transfer_id),
        case_id: Set(event.case_id),
        from_division: Set(event.from_division.clone()),
        to_division: Set(event.to_division.clone()),
        from_stage: Set(i32::try_from(h.from_stage).unwrap_or_default()),
        to_stage: Set(to_stage),
        departments: Set(json(&departments)?),
        join_rule: Set(join_rule_str(join_rule).into()),
        time_limit: Set(json(&event.time_limit)?),
        package: Set(h.package.clone()),
        state: Set("sent".into()),
        late: Set(false),
        due_at: Set(None),
        sent_by: Set(format!("{}:remote", event.from_division)),
        sent_at: Set(event.sent_at),
        received_by: Set(None),
        received_at: Set(None),
        finished_by: Set(None),
        finished_at: Set(None),
        reason: Set(h
            .package
            .get("note")
            .and_then(|n| n.as_str())
            .map(str::to_owned)),
        outcome: Set(None),
        resent_from: Set(None),
        idempotency_key: Set(None),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The other deployment answered a transfer sent from here (`joint.stage.returned` through
/// a shovel): the transfer ends here too, and the route follows. A transfer this side ended
/// itself (the usual case in one deployment) changes nothing.
pub async fn returned_elsewhere(
    txn: &impl ConnectionTrait,
    event: &StageReturned,
    now: DateTime<FixedOffset>,
) -> Result<(), ChainError> {
    let Some(transfer) = transfers::Entity::find_by_id(event.transfer_id)
        .one(txn)
        .await?
        .filter(|t| matches!(t.state.as_str(), "sent" | "received"))
    else {
        return Ok(());
    };
    let Some(route) = case_routes::Entity::find_by_id(transfer.case_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let actor = format!("{}:remote", transfer.to_division);
    if event.sent_back {
        finish_transfer(
            txn,
            &transfer,
            "sent_back",
            &actor,
            event.reason.clone(),
            None,
            now,
        )
        .await?;
        move_route(txn, &route, transfer.from_stage, "sent_back", Vec::new()).await?;
    } else {
        let last =
            usize::try_from(transfer.to_stage).unwrap_or_default() + 1 == stages_of(&route).len();
        let state = if last { "returned" } else { "forwarded" };
        finish_transfer(txn, &transfer, state, &actor, None, None, now).await?;
        if last {
            move_route(txn, &route, transfer.to_stage, "decided", Vec::new()).await?;
        }
    }
    Ok(())
}

//! Transfers between levels (报送): the inbox and outbox of a division, signing for a
//! transfer (签收), sending it back (退回) and resending it.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_web::{Principal, PrincipalKind, Problem, Role, ValidatedJson};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::ExprTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{can_see, chain_problem, field, internal};
use crate::{
    chain,
    domain::division::prefix,
    startup::{AppState, Joint},
    store::{case_routes, divisions, transfers},
};

/// A hand-over of a case between levels.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = transfer_example)]
pub struct TransferOut {
    /// Transfer id.
    pub id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Sending division.
    pub from_division: String,
    /// Its name.
    pub from_division_name: Option<String>,
    /// Receiving division.
    pub to_division: String,
    /// Its name.
    pub to_division_name: Option<String>,
    /// Stage it leaves.
    pub from_stage: i32,
    /// Stage it goes to.
    pub to_stage: i32,
    /// Departments that review the receiving stage.
    #[schema(value_type = Vec<Object>)]
    pub departments: serde_json::Value,
    /// Their join rule.
    pub join_rule: String,
    /// Time the receiving stage has.
    #[schema(value_type = Object)]
    pub time_limit: serde_json::Value,
    /// What was sent: case summary, material references with SHA-256, opinions so far, note.
    #[schema(value_type = Object)]
    pub package: serde_json::Value,
    /// `sent`, `received`, `forwarded`, `returned`, `sent_back`, `resent`, `cancelled`.
    pub state: String,
    /// Sent after the sending stage's time ran out (supervision item).
    pub late: bool,
    /// When the receiving stage's time runs out (from the deadline service).
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Who sent it.
    pub sent_by: String,
    /// When.
    pub sent_at: DateTime<FixedOffset>,
    /// Who signed for it.
    pub received_by: Option<String>,
    /// When.
    pub received_at: Option<DateTime<FixedOffset>>,
    /// Who forwarded, returned or sent it back.
    pub finished_by: Option<String>,
    /// When.
    pub finished_at: Option<DateTime<FixedOffset>>,
    /// Reason of a send-back, note of a resend.
    pub reason: Option<String>,
    /// Result of the receiving stage's review.
    pub outcome: Option<String>,
    /// The sent-back transfer this one resends.
    pub resent_from: Option<Uuid>,
    /// Version (send it back as `version` or `If-Match`).
    pub version: i32,
}

impl TransferOut {
    /// The wire form of a stored transfer, with division names.
    pub fn new(t: transfers::Model, names: &HashMap<String, String>) -> Self {
        Self {
            from_division_name: names.get(&t.from_division).cloned(),
            to_division_name: names.get(&t.to_division).cloned(),
            id: t.id,
            case_id: t.case_id,
            from_division: t.from_division,
            to_division: t.to_division,
            from_stage: t.from_stage,
            to_stage: t.to_stage,
            departments: t.departments,
            join_rule: t.join_rule,
            time_limit: t.time_limit,
            package: t.package,
            state: t.state,
            late: t.late,
            due_at: t.due_at.map(super::cst),
            sent_by: t.sent_by,
            sent_at: super::cst(t.sent_at),
            received_by: t.received_by,
            received_at: t.received_at.map(super::cst),
            finished_by: t.finished_by,
            finished_at: t.finished_at.map(super::cst),
            reason: t.reason,
            outcome: t.outcome,
            resent_from: t.resent_from,
            version: t.version,
        }
    }
}

/// The example of [`TransferOut`] (also in the list): a hazardous chemicals licence handed
/// from 宜兴市 (county stage, concluded) up to 无锡市, where two departments review it.
fn transfer_example() -> serde_json::Value {
    serde_json::json!({"id": "01a21bd3-efa0-7e6a-93df-88d44227e820", "case_id": "01a20606-35c0-7fc4-982c-efb7e0ec0dea",
        "from_division": "320282", "from_division_name": "宜兴市", "to_division": "320200", "to_division_name": "无锡市",
        "from_stage": 0, "to_stage": 1,
        "departments": [
            {"department_code": "320200-YJGLJ", "name": "无锡市应急管理局", "lead": true, "steps": [], "time_limit": {"value": 10, "unit": "working_days"}},
            {"department_code": "320200-XFJYZD", "name": "无锡市消防救援支队", "lead": false, "steps": [], "time_limit": {"value": 7, "unit": "working_days"}}
        ],
        "join_rule": "lead_decides", "time_limit": {"value": 10, "unit": "working_days"},
        "package": {
            "summary": {"matter_code": "11320282MB1385902R3000126005", "matter_name": "危险化学品经营许可证核发（带有储存设施）",
                "applicant_kind": "legal_person", "applicant_masked": "宜兴某某化工贸易有限公司",
                "materials": [{"name": "危险化学品经营许可证申请表", "file_id": "01a20604-8810-7a0d-be1b-b4a1da543b3d",
                    "sha256": "4863397fefd3dc8a07aa6c909a17921e034c613006a91d9be7296bc884ac03f9"}]},
            "opinions": [{"stage": 0, "division_code": "320282", "outcome": "approved", "concluded_at": "2026-11-27T15:06:40+08:00",
                "opinions": [{"task_id": "01a20b11-1e68-7d9c-bbed-cd5ef78e1ffa", "department_code": "320282-YJGLJ", "reviewer": "reviewer-yx-3",
                    "outcome": "approved", "comment": "初审同意，报无锡市应急管理局审批", "deemed": false, "referred": false,
                    "recorded_at": "2026-11-27T15:06:40+08:00"}]}],
            "note": null
        },
        "state": "sent", "late": false, "due_at": "2026-12-12T00:00:00+08:00",
        "sent_by": "reviewer-yx-3", "sent_at": "2026-11-27T15:06:44+08:00", "received_by": null, "received_at": null,
        "finished_by": null, "finished_at": null, "reason": null, "outcome": null, "resent_from": null, "version": 1})
}

/// A page of transfers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [transfer_example()]}))]
pub struct TransferList {
    /// Transfers, least time left first.
    pub items: Vec<TransferOut>,
}

/// Which transfers to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    /// `incoming` (addressed to the caller's division, the default), `outgoing` (sent by it),
    /// or `below` (supervisors: every transfer from or to a division at or below theirs).
    #[serde(rename = "box")]
    pub r#box: Option<String>,
    /// Only this state.
    pub state: Option<String>,
    /// Only late upward submissions (supervision items).
    pub late: Option<bool>,
    /// Only this case.
    pub case_id: Option<Uuid>,
}

fn staff_division(principal: &Principal) -> Result<&str, Problem> {
    match (principal.kind, principal.division.as_deref()) {
        (PrincipalKind::Staff, Some(d)) => Ok(d),
        _ => Err(Problem::forbidden("staff of a division only")),
    }
}

/// Lists a division's incoming or outgoing transfers, or a supervisor's whole area.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "transfers", operation_id = "list_transfers",
    params(TransferQuery),
    responses(
        (status = 200, description = "The transfers", body = TransferList),
        (status = 400, description = "A malformed query parameter (e.g. late=perhaps)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or `below` without the supervisor role", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown box", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_transfers(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<TransferQuery>,
) -> Result<HttpResponse, Problem> {
    let mine = staff_division(&principal)?;
    let mut find = transfers::Entity::find();
    match query.r#box.as_deref().unwrap_or("incoming") {
        "incoming" => find = find.filter(transfers::Column::ToDivision.eq(mine)),
        "outgoing" => find = find.filter(transfers::Column::FromDivision.eq(mine)),
        "below" => {
            if !(principal.has_role(Role::Supervisor) || principal.has_role(Role::Admin)) {
                return Err(Problem::forbidden(
                    "only supervisors see the transfers below their division",
                ));
            }
            let p = prefix(mine);
            find = find.filter(
                transfers::Column::ToDivision
                    .starts_with(p)
                    .or(transfers::Column::FromDivision.starts_with(p)),
            );
        }
        _ => {
            return Err(field(
                "box",
                "one_of",
                "box 应为 incoming、outgoing 或 below",
            ));
        }
    }
    if let Some(s) = &query.state {
        find = find.filter(transfers::Column::State.eq(s.as_str()));
    }
    if let Some(late) = query.late {
        find = find.filter(transfers::Column::Late.eq(late));
    }
    if let Some(case_id) = query.case_id {
        find = find.filter(transfers::Column::CaseId.eq(case_id));
    }
    let rows = find
        .order_by_asc(transfers::Column::DueAt)
        .order_by_asc(transfers::Column::SentAt)
        .limit(500)
        .all(&state.db)
        .await
        .map_err(internal)?;
    let names = divisions::names(
        &state.db,
        rows.iter()
            .flat_map(|t| [t.from_division.clone(), t.to_division.clone()]),
    )
    .await
    .map_err(internal)?;
    Ok(HttpResponse::Ok().json(TransferList {
        items: rows
            .into_iter()
            .map(|t| TransferOut::new(t, &names))
            .collect(),
    }))
}

/// A transfer and its route, if the caller may see them (else 404).
async fn load(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<(transfers::Model, case_routes::Model), Problem> {
    let transfer = transfers::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("transfer"))?;
    let route = case_routes::Entity::find_by_id(transfer.case_id)
        .one(&state.db)
        .await
        .map_err(internal)?
        .filter(|r| can_see(principal, r))
        .ok_or_else(|| Problem::not_found("transfer"))?;
    Ok((transfer, route))
}

async fn answer(state: &AppState, id: Uuid, status: u16) -> Result<HttpResponse, Problem> {
    let t = transfers::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("transfer"))?;
    let names = divisions::names(&state.db, [t.from_division.clone(), t.to_division.clone()])
        .await
        .map_err(internal)?;
    let mut res = if status == 201 {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res
        .insert_header(("ETag", format!("\"{}\"", t.version)))
        .json(TransferOut::new(t, &names)))
}

/// Reads a transfer and its package.
#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "transfers", operation_id = "get_transfer",
    params(("id" = Uuid, Path, description = "Transfer id")),
    responses(
        (status = 200, description = "The transfer", body = TransferOut),
        (status = 404, description = "No such transfer, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_transfer(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let (transfer, _) = load(&state, &principal, *id).await?;
    answer(&state, transfer.id, 200).await
}

/// The version the caller last read: `If-Match` or the body's `version`.
fn expected(req: &HttpRequest, body: Option<i32>) -> Result<Option<i32>, Problem> {
    if let Some(v) = req.headers().get("If-Match") {
        let parsed = v
            .to_str()
            .ok()
            .map(|s| s.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|s| s.parse::<i32>().ok());
        return match parsed {
            Some(v) => Ok(Some(v)),
            None => Err(field("If-Match", "etag", "If-Match 应为读取时的 ETag")),
        };
    }
    Ok(body)
}

fn check_version(transfer: &transfers::Model, expected: Option<i32>) -> Result<(), Problem> {
    match expected {
        Some(v) if v != transfer.version => Err(Problem::conflict(
            "version_conflict",
            "the transfer changed since it was read",
        )),
        _ => Ok(()),
    }
}

fn wrong_state(transfer: &transfers::Model, action: &str) -> Problem {
    Problem::conflict(
        "wrong_state",
        format!("a transfer in state {} cannot be {action}", transfer.state),
    )
}

/// Signing for a transfer.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"version": 1}))]
pub struct ReceiptIn {
    /// Version last read (or send `If-Match`).
    pub version: Option<i32>,
}

/// Signs for a transfer addressed to the caller's division (签收); its review opens there.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/receipt", tag = "transfers", operation_id = "receive_transfer",
    params(("id" = Uuid, Path, description = "Transfer id"), ("If-Match" = Option<String>, Header, description = "ETag of the transfer last read")),
    request_body = ReceiptIn,
    responses(
        (status = 200, description = "Signed for", body = TransferOut),
        (status = 403, description = "Not staff of the receiving division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such transfer, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting to be signed for, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn receive_transfer(
    state: web::Data<AppState>,
    joint: web::Data<Joint>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ValidatedJson<ReceiptIn>,
) -> Result<HttpResponse, Problem> {
    let (transfer, route) = load(&state, &principal, *id).await?;
    if principal.division.as_deref() != Some(transfer.to_division.as_str())
        || !(principal.has_role(Role::WindowClerk)
            || principal.has_role(Role::Reviewer)
            || principal.has_role(Role::Leader))
    {
        return Err(Problem::forbidden(
            "only staff of the receiving division sign for a transfer",
        ));
    }
    check_version(&transfer, expected(&req, body.into_inner().version)?)?;
    if transfer.state != "sent" {
        return Err(wrong_state(&transfer, "signed for"));
    }
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    let out = chain::receive(&txn, &route, &transfer, &principal.sub, joint.now())
        .await
        .map_err(chain_problem)?;
    govhall_bus::outbox::enqueue(&txn, &out)
        .await
        .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    state.relay.notify();
    tracing::info!(transfer.id = %transfer.id, "transfer signed for");
    answer(&state, transfer.id, 200).await
}

/// Sending a transfer back.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "缺少县级初审意见的签章页，请补正后重新报送", "version": 2}))]
pub struct SendBackIn {
    /// Why (shown to the lower level).
    pub reason: String,
    /// Version last read (or send `If-Match`).
    pub version: Option<i32>,
}

/// Sends a transfer back to the lower level with a reason (退回); its review there ends.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/send-back", tag = "transfers", operation_id = "send_back_transfer",
    params(("id" = Uuid, Path, description = "Transfer id"), ("If-Match" = Option<String>, Header, description = "ETag of the transfer last read")),
    request_body = SendBackIn,
    responses(
        (status = 200, description = "Sent back", body = TransferOut),
        (status = 403, description = "Not a reviewer or leader of the receiving division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such transfer, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already answered, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn send_back_transfer(
    state: web::Data<AppState>,
    joint: web::Data<Joint>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ValidatedJson<SendBackIn>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(field("reason", "required", "请填写退回理由（500 字以内）"));
    }
    let (transfer, route) = load(&state, &principal, *id).await?;
    if principal.division.as_deref() != Some(transfer.to_division.as_str())
        || !(principal.has_role(Role::Reviewer) || principal.has_role(Role::Leader))
    {
        return Err(Problem::forbidden(
            "only reviewers or leaders of the receiving division send a transfer back",
        ));
    }
    check_version(&transfer, expected(&req, body.version)?)?;
    if !matches!(transfer.state.as_str(), "sent" | "received") {
        return Err(wrong_state(&transfer, "sent back"));
    }
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    let out = chain::send_back(&txn, &route, &transfer, &principal.sub, reason, joint.now())
        .await
        .map_err(chain_problem)?;
    govhall_bus::outbox::enqueue(&txn, &out)
        .await
        .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    state.relay.notify();
    tracing::info!(transfer.id = %transfer.id, "transfer sent back");
    answer(&state, transfer.id, 200).await
}

/// Resending a sent-back transfer.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"note": "已补充签章页", "version": 2}))]
pub struct ResendIn {
    /// What was put right (sent in the new package).
    pub note: Option<String>,
    /// Version of the sent-back transfer last read (or send `If-Match`).
    pub version: Option<i32>,
}

/// The lower level sends a sent-back case up again: a new transfer (201). Accepts an
/// `Idempotency-Key`: a repeat returns the transfer the first request created.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/resending", tag = "transfers", operation_id = "resend_transfer",
    params(("id" = Uuid, Path, description = "The sent-back transfer"),
        ("If-Match" = Option<String>, Header, description = "ETag of the transfer last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    request_body = ResendIn,
    responses(
        (status = 201, description = "The new transfer", body = TransferOut),
        (status = 200, description = "A repeat of an earlier request with the same key: the transfer it created", body = TransferOut),
        (status = 403, description = "Not staff of the sending division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such transfer, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not sent back, already resent, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Note too long or a malformed key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resend_transfer(
    state: web::Data<AppState>,
    joint: web::Data<Joint>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ValidatedJson<ResendIn>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let key = match req.headers().get("Idempotency-Key") {
        None => None,
        Some(v) => match v.to_str() {
            Ok(k) if !k.is_empty() && k.len() <= 128 => Some(k.to_owned()),
            _ => {
                return Err(field(
                    "Idempotency-Key",
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 128 visible ASCII characters",
                ));
            }
        },
    };
    let note = body
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(field("note", "length", "说明应在 500 字以内"));
    }
    let (transfer, route) = load(&state, &principal, *id).await?;
    if principal.division.as_deref() != Some(transfer.from_division.as_str())
        || !(principal.has_role(Role::WindowClerk)
            || principal.has_role(Role::Reviewer)
            || principal.has_role(Role::Leader))
    {
        return Err(Problem::forbidden(
            "only staff of the sending division resend a transfer",
        ));
    }
    // A repeat of the request that resent it.
    if let Some(k) = &key {
        let earlier = transfers::Entity::find()
            .filter(transfers::Column::ResentFrom.eq(transfer.id))
            .filter(transfers::Column::IdempotencyKey.eq(k.as_str()))
            .one(&state.db)
            .await
            .map_err(internal)?;
        if let Some(earlier) = earlier {
            return answer(&state, earlier.id, 200).await;
        }
    }
    check_version(&transfer, expected(&req, body.version)?)?;
    if transfer.state != "sent_back" || route.state != "sent_back" {
        return Err(wrong_state(&transfer, "resent"));
    }
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    let (new, out) = chain::resend(
        &txn,
        &route,
        &transfer,
        &principal.sub,
        note,
        key,
        joint.now(),
    )
    .await
    .map_err(chain_problem)?;
    govhall_bus::outbox::enqueue(&txn, &out)
        .await
        .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    state.relay.notify();
    tracing::info!(transfer.id = %new.id, resent_from = %transfer.id, "transfer resent");
    answer(&state, new.id, 201).await
}

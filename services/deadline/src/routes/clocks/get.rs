//! `GET /api/v1/clocks/{id}`: one clock and its history.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_web::{Principal, Problem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ClockError, ClockOut, load_visible};

use crate::{startup::AppState, store::history};

/// One operation in a clock's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClockEventOut {
    /// `started`, `paused`, `resumed`, `extended`, `warned`, `overdue`, `stopped`.
    pub operation: String,
    /// Who (`system` for events and the scheduler).
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
    /// Legal basis.
    pub legal_basis: Option<String>,
    /// Details (new due time, remaining time, step).
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A clock with its history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01a1ec4f-c830-7a7d-9ad6-b2dc694472d1", "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6",
    "kind": "task", "task_id": "01a1ec4f-c510-7b26-8ee6-f8170e8e2329", "division_code": "320102", "department_code": "320102-SCJGJ",
    "limit_value": 10, "limit_unit": "working_days", "state": "running",
    "started_at": "2026-11-18T09:40:14+08:00", "due_at": "2026-12-15T00:00:00+08:00",
    "paused_at": null, "pause_reason": null, "remaining_value": null, "remaining_unit": null,
    "extended": true, "warning": "none", "stopped_at": null, "overdue": false, "version": 4,
    "history": [
        {"operation": "started", "actor": "system", "reason": null, "legal_basis": null,
            "details": {"cause": "approval.task.opened", "due_at": "2026-12-03T00:00:00+08:00"}, "at": "2026-11-18T09:40:14+08:00"},
        {"operation": "paused", "actor": "leader-2", "reason": "组织专家评审", "legal_basis": "《中华人民共和国行政许可法》第四十五条",
            "details": {"pause_reason": "expert_review", "remaining": 8, "remaining_unit": "working_days"}, "at": "2026-11-20T15:00:00+08:00"},
        {"operation": "resumed", "actor": "leader-2", "reason": "专家评审结束", "legal_basis": null,
            "details": {"due_at": "2026-12-08T00:00:00+08:00"}, "at": "2026-11-25T09:30:00+08:00"},
        {"operation": "extended", "actor": "leader-2", "reason": "情况复杂，需延长审查期限", "legal_basis": "《中华人民共和国行政许可法》第四十二条",
            "details": {"by": 5, "unit": "working_days", "due_at": "2026-12-15T00:00:00+08:00"}, "at": "2026-11-30T16:20:00+08:00"}
    ]}))]
pub struct ClockDetailOut {
    /// The clock.
    #[serde(flatten)]
    pub clock: ClockOut,
    /// Its history, oldest first.
    pub history: Vec<ClockEventOut>,
}

/// Reads a clock with its history (staff of its division and department).
#[utoipa::path(get, path = "/api/v1/clocks/{id}", tag = "clocks", operation_id = "get_clock",
    params(("id" = Uuid, Path, description = "Clock id")),
    responses(
        (status = 200, description = "The clock", body = ClockDetailOut),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such clock visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_clock(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ClockError> {
    let clock = load_visible(&state.db, &principal, *id).await?;
    let history = history::of_clock(&state.db, clock.id)
        .await?
        .into_iter()
        .map(|h| ClockEventOut {
            operation: h.operation,
            actor: h.actor,
            reason: h.reason,
            legal_basis: h.legal_basis,
            details: h.details,
            at: super::local(h.at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(ClockDetailOut {
        clock: clock.into(),
        history,
    }))
}

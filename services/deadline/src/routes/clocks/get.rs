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
    #[schema(value_type = Object)]
    pub details: Option<serde_json::Value>,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A clock with its history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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

//! `POST /api/v1/cases/{id}/acceptance`: a window clerk accepts a case (受理).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use govhall_bus::outbox;
use govhall_contracts::{Envelope, envelope::Origin, events::intake::CaseAccepted};
use govhall_web::{Principal, Problem, RequestContext, Role, ValidatedJson};
use sea_orm::{TransactionTrait, sea_query::Expr};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{CaseError, CaseOut, load_visible};
use crate::{
    SERVICE,
    domain::{CaseState, matters},
    startup::AppState,
    store::cases,
};

/// An acceptance decision.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"version": 1}))]
pub struct AcceptanceIn {
    /// The version of the case the clerk saw; a stale version is refused with 409.
    pub version: Option<i32>,
}

/// Accepts a submitted case; the processing clock starts and the review opens.
#[utoipa::path(post, path = "/api/v1/cases/{id}/acceptance", tag = "cases", operation_id = "accept_case",
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = AcceptanceIn,
    responses(
        (status = 200, description = "Accepted", body = CaseOut),
        (status = 403, description = "Not a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not acceptable in its state, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn accept_case(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ValidatedJson<AcceptanceIn>,
) -> Result<HttpResponse, CaseError> {
    if !principal.has_role(Role::WindowClerk) {
        return Err(CaseError::Forbidden("only window clerks accept cases"));
    }
    let case = load_visible(&state.db, &principal, *id).await?;
    let current = CaseState::parse(&case.state).unwrap_or(CaseState::Submitted);
    if !current.can_accept() {
        return Err(CaseError::InvalidState(current));
    }
    if body.0.version.is_some_and(|v| v != case.version) {
        return Err(CaseError::VersionConflict);
    }
    let matter = matters::find(&case.matter_code).ok_or_else(|| {
        CaseError::Unexpected(anyhow::anyhow!("matter of a stored case is unknown"))
    })?;
    let plan = matter.plan();
    let now = Utc::now().fixed_offset();
    let plan_json = serde_json::to_value(&plan).map_err(anyhow::Error::from)?;
    let txn = state.db.begin().await?;
    let changed = cases::update_if_version(
        &txn,
        case.id,
        case.version,
        vec![
            (
                cases::Column::State,
                Expr::value(CaseState::Accepted.as_str()),
            ),
            (cases::Column::AcceptedAt, Expr::value(now)),
            (cases::Column::Plan, Expr::value(plan_json)),
        ],
    )
    .await?;
    if !changed {
        return Err(CaseError::VersionConflict);
    }
    let event = CaseAccepted {
        case_id: case.id,
        case_number: case.case_number.clone(),
        accepted_at: now,
        plan,
    };
    let origin = Origin {
        producer: SERVICE,
        correlation_id: case.id,
        causation_id: None,
        traceparent: Some(ctx.trace.header()),
        division_code: case.division_code.clone(),
    };
    outbox::enqueue(
        &txn,
        &[Envelope::wrap(&event, origin).map_err(anyhow::Error::from)?],
    )
    .await?;
    txn.commit().await?;
    state.relay.notify();
    let case = cases::find(&state.db, case.id)
        .await?
        .ok_or(CaseError::NotFound)?;
    tracing::info!("case accepted");
    Ok(HttpResponse::Ok().json(CaseOut::from(case)))
}

//! HTTP routes of the joint-handling service.

pub mod divisions;
pub mod get;
pub mod transfers;

use actix_web::web;
use govhall_web::{FieldError, Principal, PrincipalKind, Problem, Role};

use crate::{chain::ChainError, domain::division::covers, store::case_routes};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/routes/{case_id}", web::get().to(get::get_route))
            .route("/transfers", web::get().to(transfers::list_transfers))
            .route("/transfers/{id}", web::get().to(transfers::get_transfer))
            .route(
                "/transfers/{id}/receipt",
                web::post().to(transfers::receive_transfer),
            )
            .route(
                "/transfers/{id}/send-back",
                web::post().to(transfers::send_back_transfer),
            )
            .route(
                "/transfers/{id}/resending",
                web::post().to(transfers::resend_transfer),
            )
            .route("/divisions", web::get().to(divisions::list_divisions))
            .route("/divisions/{code}", web::get().to(divisions::get_division))
            .route(
                "/admin/divisions/{code}",
                web::put().to(divisions::put_division),
            )
            .route(
                "/admin/divisions/{code}/retirement",
                web::post().to(divisions::retire_division),
            )
            .route(
                "/admin/divisions/{code}/changes",
                web::get().to(divisions::division_changes),
            ),
    );
}

/// Every division a route passes through: the accepting one and each stage's.
pub fn chain_divisions(route: &case_routes::Model) -> Vec<String> {
    let mut all = vec![route.division_code.clone()];
    let stages: Vec<String> = serde_json::from_value(route.stages.clone()).unwrap_or_default();
    for s in stages {
        if !all.contains(&s) {
            all.push(s);
        }
    }
    all
}

/// May `principal` see the route? Staff of a division on it; supervisors (and admins) of a
/// division above any of them.
pub fn can_see(principal: &Principal, route: &case_routes::Model) -> bool {
    if principal.kind != PrincipalKind::Staff {
        return false;
    }
    let Some(mine) = principal.division.as_deref() else {
        return false;
    };
    let divisions = chain_divisions(route);
    divisions.iter().any(|d| d == mine)
        || ((principal.has_role(Role::Supervisor) || principal.has_role(Role::Admin))
            && divisions.iter().any(|d| covers(mine, d)))
}

/// A database failure, logged, as a 500 problem.
pub fn internal(e: impl std::fmt::Display) -> Problem {
    tracing::error!(error = %e, "joint handling failed");
    Problem::internal()
}

/// A chain error as a problem.
pub fn chain_problem(e: ChainError) -> Problem {
    match e {
        ChainError::Conflict => Problem::conflict(
            "version_conflict",
            "the case moved on meanwhile; read it again",
        ),
        ChainError::Db(e) => internal(e),
        ChainError::Other(e) => internal(e),
    }
}

/// One field's problem (422).
pub fn field(field: &str, code: &str, message: &str) -> Problem {
    Problem::validation(vec![FieldError {
        field: field.into(),
        message: message.into(),
        code: code.into(),
    }])
}

/// A stored time in China Standard Time (PostgreSQL hands them back in UTC).
pub fn cst(t: chrono::DateTime<chrono::FixedOffset>) -> chrono::DateTime<chrono::FixedOffset> {
    use chrono::Offset;
    let zone = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix());
    t.with_timezone(&zone)
}

//! Cases (办件): submit, read, list, accept.

pub mod accept;
pub mod get;
pub mod list;
pub mod submit;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use chrono::{DateTime, FixedOffset};
use govhall_web::{Principal, PrincipalKind, Problem, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    domain::{CaseState, id_number::mask},
    store::cases,
};

/// A case as its applicant and the staff see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseOut {
    /// Case id.
    pub id: Uuid,
    /// Case number (办件编号).
    pub case_number: String,
    /// Matter code.
    pub matter_code: String,
    /// Division of the accepting window.
    pub division_code: String,
    /// Channel.
    pub channel: String,
    /// State.
    pub state: CaseState,
    /// Outcome once decided (`approved` / `denied`).
    pub outcome: Option<String>,
    /// Applicant.
    pub applicant: ApplicantOut,
    /// When the processing time limit falls due.
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Version, for `If-Match`-style concurrency (`version` in change requests).
    pub version: i32,
    /// Submitted at.
    pub submitted_at: DateTime<FixedOffset>,
    /// Accepted at.
    pub accepted_at: Option<DateTime<FixedOffset>>,
    /// Decided at.
    pub decided_at: Option<DateTime<FixedOffset>>,
    /// Completed at.
    pub completed_at: Option<DateTime<FixedOffset>>,
}

/// The applicant, with the ID number masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicantOut {
    /// `natural_person` or `legal_person`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// ID number, masked (`320102********123X`).
    pub id_number_masked: String,
}

impl From<cases::Model> for CaseOut {
    fn from(m: cases::Model) -> Self {
        Self {
            id: m.id,
            case_number: m.case_number,
            matter_code: m.matter_code,
            division_code: m.division_code,
            channel: m.channel,
            state: CaseState::parse(&m.state).unwrap_or(CaseState::Submitted),
            outcome: m.outcome,
            applicant: ApplicantOut {
                kind: m.applicant_kind,
                name: m.applicant_name,
                id_number_masked: mask(&m.applicant_id_number),
            },
            due_at: m.due_at,
            version: m.version,
            submitted_at: m.submitted_at,
            accepted_at: m.accepted_at,
            decided_at: m.decided_at,
            completed_at: m.completed_at,
        }
    }
}

/// What can go wrong with a case request.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Bad or missing input, as a ready problem.
    #[error("{0}")]
    Invalid(Problem),
    /// The caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// No such case (or not visible to the caller).
    #[error("case not found")]
    NotFound,
    /// The case is not in a state that allows this.
    #[error("case is {0:?}")]
    InvalidState(CaseState),
    /// Someone else changed the case first.
    #[error("case was changed concurrently")]
    VersionConflict,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for CaseError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl CaseError {
    fn problem(&self) -> Problem {
        match self {
            Self::Invalid(p) => p.clone(),
            Self::Forbidden(why) => Problem::forbidden(*why),
            Self::NotFound => Problem::not_found("case"),
            Self::InvalidState(s) => {
                Problem::conflict("invalid_state", format!("the case is {}", s.as_str()))
            }
            Self::VersionConflict => Problem::conflict(
                "version_conflict",
                "the case was changed by someone else; reload it",
            ),
            Self::Unexpected(e) => {
                tracing::error!(error = ?e, "case request failed");
                Problem::internal()
            }
        }
    }
}

impl ResponseError for CaseError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Invalid(p) => p.status_code(),
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::InvalidState(_) | Self::VersionConflict => StatusCode::CONFLICT,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn error_response(&self) -> HttpResponse {
        self.problem().error_response()
    }
}

/// May `principal` see `case`? The applicant, and staff of the case's division (a
/// supervisor also sees the divisions below his own).
pub fn can_see(principal: &Principal, case: &cases::Model) -> bool {
    match principal.kind {
        PrincipalKind::Citizen | PrincipalKind::LegalPerson | PrincipalKind::Integrator => {
            principal.sub == case.submitted_by
        }
        PrincipalKind::Staff => match principal.division.as_deref() {
            Some(d) if d == case.division_code => true,
            Some(d) if principal.has_role(Role::Supervisor) => {
                case.division_code.starts_with(d.trim_end_matches('0'))
            }
            _ => false,
        },
    }
}

/// Loads a case visible to `principal`, or `NotFound` (existence is not revealed).
pub async fn load_visible(
    db: &sea_orm::DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> Result<cases::Model, CaseError> {
    match cases::find(db, id).await? {
        Some(case) if can_see(principal, &case) => Ok(case),
        _ => Err(CaseError::NotFound),
    }
}

//! The error of every intake request, mapped to problem+json.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use govhall_web::{FieldError, Problem};

use crate::domain::{CaseState, case::IllegalTransition};

/// What can go wrong with an intake request.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Bad or missing input, as a ready problem.
    #[error("{0}")]
    Invalid(Problem),
    /// Fields that failed validation.
    #[error("invalid fields")]
    Fields(Vec<FieldError>),
    /// The caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// No such resource (or not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The case's state does not allow the action.
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    /// The resource is not in a state that allows this (non-case resources).
    #[error("{0}")]
    Conflict(&'static str, String),
    /// Someone else changed the resource first, or the caller's version is stale.
    #[error("changed concurrently")]
    VersionConflict,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for IntakeError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl From<Problem> for IntakeError {
    fn from(p: Problem) -> Self {
        Self::Invalid(p)
    }
}

impl IntakeError {
    /// A single invalid field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Fields(vec![FieldError {
            field: field.into(),
            message: message.into(),
            code: code.into(),
        }])
    }

    fn problem(&self) -> Problem {
        match self {
            Self::Invalid(p) => p.clone(),
            Self::Fields(errors) => Problem::validation(errors.clone()),
            Self::Forbidden(why) => Problem::forbidden(*why),
            Self::NotFound(what) => Problem::not_found(what),
            Self::IllegalTransition(t) => {
                let mut p = Problem::conflict(
                    "invalid_state",
                    format!(
                        "办件当前状态为“{}”（{}），不能执行该操作",
                        t.state.label(),
                        t.state.as_str()
                    ),
                );
                p.title = format!("the case is {}", t.state.as_str());
                p
            }
            Self::Conflict(code, detail) => Problem::conflict(code, detail.clone()),
            Self::VersionConflict => Problem::conflict(
                "version_conflict",
                "已被他人修改，请刷新后重试 (the resource was changed; reload it)",
            ),
            Self::Unexpected(e) => {
                tracing::error!(error = ?e, "intake request failed");
                Problem::internal()
            }
        }
    }

    /// The current state named in a 409, for clients.
    pub fn current_state(&self) -> Option<CaseState> {
        match self {
            Self::IllegalTransition(t) => Some(t.state),
            _ => None,
        }
    }
}

impl ResponseError for IntakeError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Invalid(p) => p.status_code(),
            Self::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::IllegalTransition(_) | Self::Conflict(..) | Self::VersionConflict => {
                StatusCode::CONFLICT
            }
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.problem().error_response();
        if let Some(state) = self.current_state()
            && let Ok(value) = actix_web::http::header::HeaderValue::from_str(state.as_str())
        {
            response.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("x-case-state"),
                value,
            );
        }
        response
    }
}

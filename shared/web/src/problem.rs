//! RFC 9457 problem details (`application/problem+json`).

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `applicant.id_number` or `materials[0].name`.
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
    /// Stable machine code, e.g. `required`, `length`, `invalid_type`.
    pub code: String,
}

/// An RFC 9457 problem details body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// URI identifying the problem type.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Explanation specific to this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable snake_case code for programs.
    pub code: String,
    /// Invalid fields (422 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem with a status, code and title.
    pub fn new(status: StatusCode, code: &str, title: impl Into<String>) -> Self {
        Self {
            problem_type: format!("https://govhall.dev/problems/{}", code.replace('_', "-")),
            title: title.into(),
            status: status.as_u16(),
            detail: None,
            code: code.to_owned(),
            errors: Vec::new(),
        }
    }

    /// Adds a detail sentence.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// 422 with invalid fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "请求内容有误",
        );
        p.detail = Some(
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        );
        p.errors = errors;
        p
    }

    /// 400 for a malformed request.
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "请求格式错误").with_detail(detail)
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "资源不存在")
            .with_detail(format!("{what} not found"))
    }

    /// 409 for a state conflict.
    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "状态冲突").with_detail(detail)
    }

    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "需要登录").with_detail(detail)
    }

    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "无权操作").with_detail(detail)
    }

    /// 500 that says nothing internal; log the cause where it is handled.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "服务器内部错误",
        )
    }

    /// 503.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "服务暂不可用",
        )
        .with_detail(detail)
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.code)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        Problem::status_code(self)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(Problem::status_code(self))
            .content_type(PROBLEM_JSON)
            .json(self)
    }
}

/// `JsonConfig` whose failures are problem+json (used by plain `web::Json`).
pub fn json_config() -> actix_web::web::JsonConfig {
    actix_web::web::JsonConfig::default()
        .limit(1 << 20)
        .error_handler(|err, _req: &HttpRequest| {
            use actix_web::error::JsonPayloadError as E;
            let problem = match &err {
                E::OverflowKnownLength { .. } | E::Overflow { .. } => payload_too_large(),
                E::ContentType => Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "请求体须为 JSON",
                ),
                other => Problem::bad_request("malformed_json", other.to_string()),
            };
            problem.into()
        })
}

/// 413.
pub fn payload_too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "请求体过大",
    )
}

/// `PathConfig` whose failures are problem+json.
pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default().error_handler(|err, _req| {
        Problem::new(StatusCode::NOT_FOUND, "bad_path", "路径参数无效")
            .with_detail(err.to_string())
            .into()
    })
}

/// `QueryConfig` whose failures are problem+json.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default()
        .error_handler(|err, _req| Problem::bad_request("bad_query", err.to_string()).into())
}

/// `PayloadConfig` (raw bodies, `ValidatedJson`) with the 1 MiB default limit.
pub fn payload_config() -> actix_web::web::PayloadConfig {
    actix_web::web::PayloadConfig::new(1 << 20)
}

/// Registers the extractor configurations on an app or scope.
pub fn configure_extractors(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.app_data(json_config())
        .app_data(path_config())
        .app_data(query_config())
        .app_data(payload_config());
}

/// Default handler for unknown routes: 404 problem+json.
pub async fn not_found_route() -> HttpResponse {
    Problem::new(StatusCode::NOT_FOUND, "route_not_found", "接口不存在").error_response()
}

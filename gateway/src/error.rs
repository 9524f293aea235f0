//! Errors the gateway itself produces, each rendered as problem+json.

use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use govhall_web::Problem;

/// A request the gateway refuses or cannot forward.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GatewayError {
    /// No route covers the path.
    #[error("no route for this path")]
    RouteNotFound,
    /// The path contains dot segments or encoded slashes.
    #[error("path contains dot segments or encoded slashes")]
    BadPath,
    /// The path exists, but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<&'static str>),
    /// The route needs a principal and the caller is anonymous.
    #[error("login required")]
    LoginRequired,
    /// The caller is not among those the operation serves (named in the payload).
    #[error("operation reserved for {0}")]
    Forbidden(String),
    /// An integrator lacks the scope the operation needs.
    #[error("scope {0} required")]
    InsufficientScope(String),
    /// The bearer token failed verification.
    #[error("invalid bearer token: {0}")]
    InvalidToken(Box<Problem>),
    /// A bearer token arrived but no identity provider is configured.
    #[error("no identity provider is configured")]
    NoIdentityProvider,
    /// The client or principal has used up its rate limit; retry after the duration.
    #[error("rate limited")]
    RateLimited(std::time::Duration),
    /// The request body is larger than the operation accepts (the limit in bytes).
    #[error("request body larger than {0} bytes")]
    BodyTooLarge(u64),
    /// The caller's request body broke off while it was forwarded.
    #[error("request body could not be read")]
    RequestBody,
    /// The upstream could not be reached or broke the connection.
    #[error("upstream {0} unavailable")]
    UpstreamUnavailable(&'static str),
    /// The upstream did not answer within the timeout.
    #[error("upstream {0} timed out")]
    UpstreamTimeout(&'static str),
    /// A dependency of the gateway (its database) cannot answer now.
    #[error("unavailable: {0}")]
    Unavailable(Box<Problem>),
    /// Anything else; the cause is logged where it happens.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl GatewayError {
    fn problem(&self) -> Problem {
        match self {
            GatewayError::RouteNotFound => {
                Problem::new(StatusCode::NOT_FOUND, "route_not_found", "接口不存在")
            }
            GatewayError::BadPath => Problem::bad_request(
                "bad_path",
                "dot segments and encoded slashes are not allowed in paths",
            ),
            GatewayError::MethodNotAllowed(allowed) => Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "不支持该请求方法",
            )
            .with_detail(format!("this path accepts {}", allowed.join(", "))),
            GatewayError::LoginRequired => Problem::unauthorized("login required"),
            GatewayError::Forbidden(audience) => {
                Problem::forbidden(format!("this operation is for: {audience}"))
            }
            GatewayError::InsufficientScope(scope) => {
                Problem::new(StatusCode::FORBIDDEN, "insufficient_scope", "权限范围不足")
                    .with_detail(format!("the client needs the scope `{scope}`"))
            }
            GatewayError::InvalidToken(problem) => (**problem).clone(),
            GatewayError::NoIdentityProvider => {
                Problem::new(StatusCode::UNAUTHORIZED, "no_identity_provider", "需要登录")
                    .with_detail(
                        "no identity provider is configured; bearer tokens cannot be verified",
                    )
            }
            GatewayError::RateLimited(wait) => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "请求过于频繁，请稍后再试",
            )
            .with_detail(format!(
                "too many requests; retry after {} s",
                retry_after_secs(*wait)
            )),
            GatewayError::BodyTooLarge(limit) => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "请求内容过大",
            )
            .with_detail(format!(
                "this operation accepts at most {} MiB",
                limit.div_ceil(1024 * 1024)
            )),
            GatewayError::RequestBody => {
                Problem::bad_request("request_body_error", "the request body could not be read")
            }
            GatewayError::UpstreamUnavailable(name) => Problem::new(
                StatusCode::BAD_GATEWAY,
                "upstream_unavailable",
                "上游服务不可用",
            )
            .with_detail(format!("the {name} service could not be reached")),
            GatewayError::UpstreamTimeout(name) => Problem::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                "上游服务超时",
            )
            .with_detail(format!("the {name} service did not answer in time")),
            GatewayError::Unavailable(problem) => (**problem).clone(),
            GatewayError::Unexpected(_) => Problem::internal(),
        }
    }

    /// 401s carry a `WWW-Authenticate` challenge (RFC 6750).
    fn challenge(&self) -> Option<&'static str> {
        match self {
            GatewayError::LoginRequired | GatewayError::NoIdentityProvider => Some("Bearer"),
            GatewayError::InvalidToken(_) => Some(r#"Bearer error="invalid_token""#),
            GatewayError::InsufficientScope(_) => Some(r#"Bearer error="insufficient_scope""#),
            GatewayError::MethodNotAllowed(_)
            | GatewayError::Forbidden(_)
            | GatewayError::RouteNotFound
            | GatewayError::RateLimited(_)
            | GatewayError::BodyTooLarge(_)
            | GatewayError::BadPath
            | GatewayError::RequestBody
            | GatewayError::UpstreamUnavailable(_)
            | GatewayError::UpstreamTimeout(_)
            | GatewayError::Unavailable(_)
            | GatewayError::Unexpected(_) => None,
        }
    }
}

impl ResponseError for GatewayError {
    fn status_code(&self) -> StatusCode {
        match self {
            GatewayError::RouteNotFound => StatusCode::NOT_FOUND,
            GatewayError::BadPath | GatewayError::RequestBody => StatusCode::BAD_REQUEST,
            GatewayError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            GatewayError::Forbidden(_) | GatewayError::InsufficientScope(_) => {
                StatusCode::FORBIDDEN
            }
            GatewayError::LoginRequired
            | GatewayError::InvalidToken(_)
            | GatewayError::NoIdentityProvider => StatusCode::UNAUTHORIZED,
            GatewayError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            GatewayError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::UpstreamUnavailable(_) => StatusCode::BAD_GATEWAY,
            GatewayError::UpstreamTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            GatewayError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            GatewayError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut problem = self.problem();
        // The body and the status line must agree even if a verifier returned an odd status.
        problem.status = self.status_code().as_u16();
        let mut response = problem.error_response();
        if let GatewayError::MethodNotAllowed(allowed) = self
            && let Ok(value) = header::HeaderValue::from_str(&allowed.join(", "))
        {
            response.headers_mut().insert(header::ALLOW, value);
        }
        if let GatewayError::RateLimited(wait) = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(retry_after_secs(*wait)),
            );
        }
        if let Some(challenge) = self.challenge() {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

/// Whole seconds to wait, at least one (`Retry-After` has no fractions).
fn retry_after_secs(wait: std::time::Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

//! Request ids (`X-Request-Id`) and W3C trace context on every request.

use actix_web::{
    Error, FromRequest, HttpMessage, HttpRequest,
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
};
use govhall_telemetry::TraceContext;
use tracing::Instrument;

/// Header carrying the request id.
pub const REQUEST_ID: &str = "x-request-id";
/// W3C trace context header.
pub const TRACEPARENT: &str = "traceparent";

/// Request id and trace context of the current request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The caller's `X-Request-Id`, or a generated one.
    pub request_id: String,
    /// The trace context of this service's span of the request.
    pub trace: TraceContext,
}

/// Middleware (`actix_web::middleware::from_fn`) that assigns the request id and trace
/// context, runs the request inside a span carrying both, and echoes the id.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let remote = req
        .headers()
        .get(TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .and_then(TraceContext::parse);
    let span = tracing::info_span!(
        "http.request",
        http.method = %req.method(),
        http.route = req.match_pattern().unwrap_or_default(),
        http.status = tracing::field::Empty,
        request.id = %request_id,
        trace.id = tracing::field::Empty,
    );
    if let Some(remote) = &remote {
        govhall_telemetry::set_parent(&span, remote);
    }
    // This service's span of the request: what it passes on to upstreams and events.
    let trace = govhall_telemetry::context_of(&span, remote.as_ref());
    span.record("trace.id", trace.trace_id());
    req.extensions_mut().insert(RequestContext {
        request_id: request_id.clone(),
        trace,
    });
    let span2 = span.clone();
    let mut res = next.call(req).instrument(span).await?;
    span2.record("http.status", res.status().as_u16());
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), value);
    }
    Ok(res)
}

impl FromRequest for RequestContext {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = req
            .extensions()
            .get::<RequestContext>()
            .cloned()
            .unwrap_or_else(|| RequestContext {
                request_id: uuid::Uuid::now_v7().to_string(),
                trace: TraceContext::new_root(),
            });
        std::future::ready(Ok(ctx))
    }
}

//! The streaming reverse proxy: every request that no local route serves ends up here.

use std::{
    io,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use actix_web::{
    HttpRequest, HttpResponse,
    body::SizedStream,
    error::PayloadError,
    http::{
        Uri,
        header::{self, HeaderMap, HeaderName, HeaderValue},
    },
    web::{self, Bytes},
};
use anyhow::Context;
use awc::error::{ConnectError, SendRequestError};
use futures::{Stream, StreamExt};
use govhall_web::{
    InternalKey, RequestContext,
    auth::PRINCIPAL_HEADER,
    request_id::{REQUEST_ID, TRACEPARENT},
};
use url::Url;

use crate::{
    access::{self, Verdict},
    api_keys::{API_KEY_HEADER, ApiKeys},
    auth::{Authenticator, Caller},
    error::GatewayError,
    limits::Limiter,
    routes,
    settings::Upstreams,
};

/// What the proxy handler needs, shared by all workers.
pub(crate) struct ProxyState {
    pub upstreams: Upstreams,
    pub internal_key: InternalKey,
    pub authenticator: Authenticator,
    pub limiter: Limiter,
    pub upstream_timeout: Duration,
    /// API keys, when the gateway has a database.
    pub api_keys: Option<Arc<ApiKeys>>,
}

/// Rate limits, authentication and the role × route matrix, for a proxied or a local
/// route: the caller, and the largest body the operation takes.
pub(crate) async fn gate(
    req: &HttpRequest,
    state: &ProxyState,
) -> Result<(Option<Caller>, u64), GatewayError> {
    // The client address first: unverified tokens cost a signature check, and a flood of
    // them must not reach the identity provider's key set either.
    let client_ip = state.limiter.client_ip(req.peer_addr(), req.headers());
    if let Some(wait) = state.limiter.check_ip(client_ip).await {
        return Err(GatewayError::RateLimited(wait));
    }
    let caller = state.authenticator.authenticate(req.headers()).await?;
    if let Some(caller) = &caller
        && let Some(wait) = state.limiter.check_caller(caller).await
    {
        return Err(GatewayError::RateLimited(wait));
    }
    let body_limit = match access::check(req.method(), req.path(), caller.as_ref()) {
        Verdict::Allowed(limit) => limit,
        Verdict::NoSuchPath => return Err(GatewayError::RouteNotFound),
        Verdict::MethodNotAllowed(allowed) => return Err(GatewayError::MethodNotAllowed(allowed)),
        Verdict::LoginRequired => return Err(GatewayError::LoginRequired),
        Verdict::Forbidden(audience) => {
            return Err(GatewayError::Forbidden(access::describe(audience)));
        }
        Verdict::MissingScope(scope) => return Err(GatewayError::InsufficientScope(scope)),
    };
    Ok((caller, body_limit))
}

/// [`gate`] for the gateway's own routes (their bodies are limited by their extractors).
pub(crate) async fn admit(
    req: &HttpRequest,
    state: &ProxyState,
) -> Result<Option<Caller>, GatewayError> {
    gate(req, state).await.map(|(caller, _)| caller)
}

/// Request headers the gateway sets itself or must not pass on, beyond the hop-by-hop ones.
const REPLACED_REQUEST_HEADERS: &[&str] = &[
    "host",
    // Credentials stay at the gateway: services trust only the signed principal.
    "authorization",
    API_KEY_HEADER,
    // Framing is decided again for the upstream hop.
    "content-length",
    // The gateway already answered any `Expect: 100-continue` itself.
    "expect",
    PRINCIPAL_HEADER,
    REQUEST_ID,
    TRACEPARENT,
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
];

/// Authenticates, authorizes and forwards one request to its upstream.
#[tracing::instrument(name = "gateway.forward", skip_all, fields(http.path = %req.path(), upstream = tracing::field::Empty))]
pub(crate) async fn forward(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ProxyState>,
    client: web::Data<awc::Client>,
    ctx: RequestContext,
) -> Result<HttpResponse, GatewayError> {
    let rule = routes::resolve(req.path()).ok_or(GatewayError::RouteNotFound)?;
    let upstream = rule.upstream.name();
    tracing::Span::current().record("upstream", upstream);
    routes::check_path(req.path())?;
    let (caller, body_limit) = gate(&req, &state).await?;
    let declared = content_length(req.headers());
    if declared.is_some_and(|len| len > body_limit) {
        return Err(GatewayError::BodyTooLarge(body_limit));
    }
    let principal = caller.map(|c| c.principal);

    let url = upstream_url(state.upstreams.get(rule.upstream), req.uri());
    // No decompression: bodies pass through byte for byte with their content-encoding.
    let mut forwarded = client.request(req.method().clone(), url).no_decompress();
    let headers = forwarded.headers_mut();
    copy_end_to_end(req.headers(), headers, REPLACED_REQUEST_HEADERS);
    set_forwarding_headers(&req, &ctx, headers)?;
    if let Some(principal) = &principal {
        let signed = state
            .internal_key
            .sign(principal)
            .context("Failed to sign the forwarded principal")?;
        headers.insert(
            HeaderName::from_static(PRINCIPAL_HEADER),
            header_value(signed)?,
        );
    }

    let overflowed = Arc::new(AtomicBool::new(false));
    let payload = capped(payload, body_limit, overflowed.clone());
    let sent = match declared {
        // A declared length is kept, so upstream limits can refuse large bodies up front.
        Some(len) => forwarded.send_body(SizedStream::new(len, payload)).await,
        None => forwarded.send_stream(payload).await,
    };
    let response = sent.map_err(|e| {
        if overflowed.load(Ordering::SeqCst) {
            GatewayError::BodyTooLarge(body_limit)
        } else {
            send_error(e, upstream)
        }
    })?;
    tracing::debug!(
        http.upstream_status = response.status().as_u16(),
        "upstream answered"
    );

    let mut builder = HttpResponse::build(response.status());
    for (name, value) in end_to_end(response.headers(), &["content-length"]) {
        builder.append_header((name.clone(), value.clone()));
    }
    if let Some(len) = content_length(response.headers()) {
        // Keep the upstream's framing instead of switching to chunked encoding.
        builder.no_chunking(len);
    }
    Ok(builder.streaming(idle_timeout(response, state.upstream_timeout, upstream)))
}

/// Passes the body on until more than `limit` bytes have come, then breaks it off and
/// raises `overflowed` (a chunked body declares no length to check up front).
fn capped<S>(
    body: S,
    limit: u64,
    overflowed: Arc<AtomicBool>,
) -> impl Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
{
    let mut seen: u64 = 0;
    body.map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len() as u64);
        if seen > limit {
            overflowed.store(true, Ordering::SeqCst);
            return Err(PayloadError::Overflow);
        }
        Ok(chunk)
    })
}

fn upstream_url(base: &Url, uri: &Uri) -> String {
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    format!("{}{}", base.as_str().trim_end_matches('/'), path_and_query)
}

/// Hop-by-hop headers (RFC 9110 §7.6.1) plus the headers named in `Connection`.
fn is_hop_by_hop(name: &HeaderName, connection_listed: &[String]) -> bool {
    let name = name.as_str();
    matches!(
        name,
        "connection" | "keep-alive" | "te" | "trailer" | "transfer-encoding" | "upgrade"
    ) || name.starts_with("proxy-")
        || connection_listed.iter().any(|listed| listed == name)
}

fn end_to_end<'a>(
    from: &'a HeaderMap,
    skip: &'a [&str],
) -> impl Iterator<Item = (&'a HeaderName, &'a HeaderValue)> {
    let connection_listed: Vec<String> = from
        .get_all(header::CONNECTION)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|token| token.trim().to_ascii_lowercase())
        .filter(|token| !token.is_empty())
        .collect();
    from.iter().filter(move |(name, _)| {
        !is_hop_by_hop(name, &connection_listed) && !skip.contains(&name.as_str())
    })
}

fn copy_end_to_end(from: &HeaderMap, to: &mut HeaderMap, skip: &[&str]) {
    for (name, value) in end_to_end(from, skip) {
        to.append(name.clone(), value.clone());
    }
}

fn set_forwarding_headers(
    req: &HttpRequest,
    ctx: &RequestContext,
    headers: &mut HeaderMap,
) -> Result<(), GatewayError> {
    // Append the peer to any chain a proxy in front of the gateway started; services that
    // need the client address read the last entry the gateway added.
    if let Some(peer) = req.peer_addr() {
        let xff = HeaderName::from_static("x-forwarded-for");
        let mut chain: Vec<String> = headers
            .get_all(&xff)
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        chain.push(peer.ip().to_string());
        headers.insert(xff, header_value(chain.join(", "))?);
    }
    // The gateway's own connection, not a caller-supplied header, decides the scheme.
    let proto = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    headers.insert(
        HeaderName::from_static("x-forwarded-proto"),
        HeaderValue::from_static(proto),
    );
    if let Some(host) = req.headers().get(header::HOST).cloned().or_else(|| {
        req.uri()
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    }) {
        headers.insert(HeaderName::from_static("x-forwarded-host"), host);
    }
    headers.insert(
        HeaderName::from_static(REQUEST_ID),
        header_value(ctx.request_id.clone())?,
    );
    headers.insert(
        HeaderName::from_static(TRACEPARENT),
        header_value(ctx.trace.header())?,
    );
    Ok(())
}

fn header_value(value: String) -> Result<HeaderValue, GatewayError> {
    HeaderValue::try_from(value)
        .context("Failed to build a forwarded header")
        .map_err(GatewayError::from)
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn send_error(error: SendRequestError, upstream: &'static str) -> GatewayError {
    match error {
        SendRequestError::Timeout | SendRequestError::Connect(ConnectError::Timeout) => {
            tracing::warn!(upstream, "upstream timed out");
            GatewayError::UpstreamTimeout(upstream)
        }
        SendRequestError::Body(e) => {
            tracing::info!(upstream, error = %e, "caller's request body broke off");
            GatewayError::RequestBody
        }
        SendRequestError::Url(_) | SendRequestError::Http(_) => {
            tracing::error!(upstream, error = %error, "could not build the upstream request");
            GatewayError::Unexpected(anyhow::anyhow!("invalid upstream request"))
        }
        other => {
            tracing::warn!(upstream, error = %other, "upstream unavailable");
            GatewayError::UpstreamUnavailable(upstream)
        }
    }
}

/// Ends the response body with an error when the upstream sends nothing for `idle`: the
/// head arrived in time, but a stalled body must not hold the caller's connection forever.
fn idle_timeout<S>(
    body: S,
    idle: Duration,
    upstream: &'static str,
) -> impl Stream<Item = Result<Bytes, PayloadError>>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    futures::stream::unfold(Some(body), move |body| async move {
        let mut body = body?;
        match tokio::time::timeout(idle, body.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(body))),
            Ok(None) => None,
            Err(_) => {
                tracing::warn!(upstream, "upstream response body stalled");
                let error =
                    io::Error::new(io::ErrorKind::TimedOut, "upstream response body stalled");
                Some((Err(PayloadError::Io(error)), None))
            }
        }
    })
}

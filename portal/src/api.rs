//! The portal's client of govhall's public API: every page reads and changes data through
//! the gateway's `/api/v1/...`, with the signed-in person's token.

use std::time::Duration;

use actix_web::{HttpRequest, http::Method, web};
use serde_json::Value;

use crate::Portal;

/// How long one API call may take before the page gives up.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A failed API call.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// The API answered with an error status (problem+json body, or `null`).
    Status { status: u16, body: Value },
    /// The API could not be reached or its answer not read.
    Transport(String),
}

impl ApiError {
    /// The HTTP status, when the API answered.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            ApiError::Transport(_) => None,
        }
    }

    /// Field errors of a 422 answer: (field path, message).
    pub(crate) fn field_errors(&self) -> Vec<(String, String)> {
        match self {
            ApiError::Status { body, .. } => body["errors"]
                .as_array()
                .map(|errors| {
                    errors
                        .iter()
                        .map(|e| {
                            (
                                e["field"].as_str().unwrap_or_default().to_owned(),
                                e["message"].as_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            ApiError::Transport(_) => Vec::new(),
        }
    }

    /// The problem's own words (`detail`, else `title`), for a message on the page.
    pub(crate) fn message(&self) -> String {
        match self {
            ApiError::Status { body, .. } => body["detail"]
                .as_str()
                .or_else(|| body["title"].as_str())
                .unwrap_or("操作未能完成")
                .to_owned(),
            ApiError::Transport(_) => "服务暂时无法访问，请稍后再试".to_owned(),
        }
    }
}

/// A JSON answer with its headers of interest.
pub(crate) struct Reply {
    pub body: Value,
    pub etag: Option<String>,
}

/// The API as one caller sees it.
pub(crate) struct Api {
    client: awc::Client,
    base: String,
    token: Option<String>,
    forwarded_for: Option<String>,
}

impl Api {
    /// The API for the caller of `req`, with `token` when signed in.
    pub(crate) fn new(
        portal: &Portal,
        client: &web::Data<awc::Client>,
        req: &HttpRequest,
        token: Option<&str>,
    ) -> Self {
        // The gateway believes X-Forwarded-For from loopback (the portal), so rate limits count
        // the browser's address, not the portal's.
        let peer = req.peer_addr().map(|a| a.ip().to_string());
        let earlier = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let forwarded_for = match (earlier, peer) {
            (Some(e), Some(p)) => Some(format!("{e}, {p}")),
            (None, Some(p)) => Some(p),
            (e, None) => e,
        };
        Self {
            client: client.get_ref().clone(),
            base: portal.api_base.clone(),
            token: token.map(str::to_owned),
            forwarded_for,
        }
    }

    fn request(&self, method: Method, path: &str) -> awc::ClientRequest {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .timeout(TIMEOUT)
            .insert_header(("Accept", "application/json"));
        if let Some(token) = &self.token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        if let Some(ff) = &self.forwarded_for {
            request = request.insert_header(("X-Forwarded-For", ff.as_str()));
        }
        request
    }

    /// `GET path`.
    pub(crate) async fn get(&self, path: &str) -> Result<Value, ApiError> {
        self.get_with(path, &[]).await.map(|r| r.body)
    }

    /// `GET path` with extra headers.
    pub(crate) async fn get_with(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Reply, ApiError> {
        let mut request = self.request(Method::GET, path);
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        read(request.send().await).await
    }

    /// `POST path` with a JSON body.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        self.send(Method::POST, path, body, &[])
            .await
            .map(|r| r.body)
    }

    /// A JSON request with extra headers (`Idempotency-Key`, `If-Match`).
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Result<Reply, ApiError> {
        let mut request = self.request(method, path);
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        read(request.send_json(body).await).await
    }

    /// `DELETE path`.
    pub(crate) async fn delete(&self, path: &str) -> Result<(), ApiError> {
        read(self.request(Method::DELETE, path).send().await)
            .await
            .map(|_| ())
    }

    /// A request whose body is passed through as is (a multipart upload).
    pub(crate) async fn post_stream<S, E>(
        &self,
        path: &str,
        content_type: &str,
        body: S,
    ) -> Result<Value, ApiError>
    where
        S: futures::Stream<Item = Result<bytes::Bytes, E>> + 'static,
        E: Into<Box<dyn std::error::Error>> + 'static,
    {
        let request = self
            .request(Method::POST, path)
            .insert_header(("Content-Type", content_type));
        read(request.send_stream(body).await).await.map(|r| r.body)
    }

    /// `GET path` whose answer is passed on to the browser as is (a file, a printable page):
    /// status, type, disposition, and the body streamed.
    pub(crate) async fn pass_through(
        &self,
        path: &str,
        accept: &str,
    ) -> Result<actix_web::HttpResponse, ApiError> {
        let response = self
            .request(Method::GET, path)
            .insert_header(("Accept", accept))
            .send()
            .await;
        let response = match response {
            Ok(r) if r.status().is_success() => r,
            other => {
                return read(other)
                    .await
                    .and(Err(ApiError::Transport(String::new())));
            }
        };
        let mut out = actix_web::HttpResponse::build(response.status());
        for name in ["content-type", "content-disposition", "etag"] {
            if let Some(value) = response.headers().get(name) {
                out.insert_header((name, value.clone()));
            }
        }
        out.insert_header(("Cache-Control", "private, no-store"));
        // Uploaded files come back from this origin: the browser must take the stated type,
        // never sniff one (an "image" that parses as HTML would run as ours).
        out.insert_header(("X-Content-Type-Options", "nosniff"));
        Ok(out.streaming(response))
    }
}

async fn read<S>(
    sent: Result<awc::ClientResponse<S>, awc::error::SendRequestError>,
) -> Result<Reply, ApiError>
where
    S: futures::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
{
    let mut response = sent.map_err(|e| ApiError::Transport(e.to_string()))?;
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response
        .body()
        .limit(16 * 1024 * 1024)
        .await
        .map_err(|e| ApiError::Transport(e.to_string()))?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    if status.is_success() {
        Ok(Reply { body, etag })
    } else {
        Err(ApiError::Status {
            status: status.as_u16(),
            body,
        })
    }
}

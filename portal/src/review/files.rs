//! A material file, shown inline in the task page's viewer.

use actix_web::{HttpRequest, HttpResponse, web};

use super::reviewer;
use crate::{Portal, error::PageError, layout::Ctx};

/// A material file shown inline in the page's viewer (the API sends it as an attachment,
/// which a frame would download instead of showing). Only PDFs and images are shown inline;
/// anything else stays an attachment (every pass-through is `nosniff`, see `Api::pass_through`).
pub(super) async fn view_file(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    reviewer(&ctx)?;
    let mut response = ctx
        .api
        .pass_through(&format!("/api/v1/materials/{id}"), "*/*")
        .await?;
    let viewable = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/pdf") || t.starts_with("image/"));
    if viewable {
        response.headers_mut().insert(
            actix_web::http::header::CONTENT_DISPOSITION,
            actix_web::http::header::HeaderValue::from_static("inline"),
        );
    }
    Ok(response)
}
